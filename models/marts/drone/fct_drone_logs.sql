with

logs as (
    select * from {{ ref('stg_px4__logs') }}
),

positions as (
    select * from {{ ref('stg_px4__gps_positions') }}
    where fix_type >= 3
),

flights as (
    select * from {{ ref('fct_flights') }}
),

steps as (
    select
        log_file,
        altitude_msl_m,
        speed_mps,
        latitude,
        longitude,
        lag(latitude) over (partition by log_file, gps_instance order by message_index) as previous_latitude,
        lag(longitude) over (partition by log_file, gps_instance order by message_index) as previous_longitude,
        first_value(altitude_msl_m) over (
            partition by log_file, gps_instance order by message_index
        ) as start_altitude_msl_m
    from positions
),

measured as (
    select
        log_file,
        max(altitude_msl_m) as max_altitude_msl_m,
        max(altitude_msl_m - start_altitude_msl_m) as max_height_m,
        max(speed_mps) as max_speed_mps,
        coalesce(sum(
            2 * 6371000 * asin(sqrt(
                power(sin(radians(latitude - previous_latitude) / 2), 2)
                + cos(radians(previous_latitude)) * cos(radians(latitude))
                * power(sin(radians(longitude - previous_longitude) / 2), 2)
            ))
        ), 0) as distance_flown_m,
        count(*) as gps_samples
    from steps
    group by log_file
),

matched_flights as (
    select
        logs.log_file,
        flights.flight_id,
        row_number() over (partition by logs.log_file order by flights.took_off_at) as match_rank
    from logs
    inner join flights
        on
            logs.device_serial = flights.device_serial
            and logs.started_at <= flights.landed_at
            and logs.ended_at >= flights.took_off_at
),

final as (
    select
        logs.log_file,
        logs.device_serial,
        logs.hardware,
        logs.started_at,
        logs.ended_at,
        logs.duration_s,
        measured.max_altitude_msl_m,
        measured.max_height_m,
        measured.distance_flown_m,
        measured.max_speed_mps,
        coalesce(measured.gps_samples, 0) as gps_samples,
        matched_flights.flight_id,
        logs.log_date
    from logs
    left join measured
        on logs.log_file = measured.log_file
    left join matched_flights
        on logs.log_file = matched_flights.log_file and matched_flights.match_rank = 1
)

select * from final

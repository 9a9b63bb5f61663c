{#-
    Device usage OLAP cube over day x product line x firmware x region, built with explicit
    grouping sets (the levels the usage dashboard reads). Firmware only nests under a product
    line: firmware versions are product specific.
-#}

{%- set dimensions = [
    ['activity_date', 'day'],
    ['product_line', 'product_line'],
    ['firmware_version', 'firmware'],
    ['region', 'region'],
] %}

with

device_days as (
    select * from {{ ref('int_device_days_summarized') }}
),

devices as (
    select * from {{ ref('dim_devices') }}
),

recording_sessions as (
    select * from {{ ref('fct_recording_sessions') }}
),

flights as (
    select * from {{ ref('fct_flights') }}
),

sessions_per_device_day as (
    select
        device_serial,
        session_date as activity_date,
        count(*) as recording_sessions,
        sum(duration_s) as recording_seconds
    from recording_sessions
    group by device_serial, session_date
),

flights_per_device_day as (
    select
        device_serial,
        flight_date as activity_date,
        count(*) as flights,
        sum(duration_s) as flight_seconds
    from flights
    group by device_serial, flight_date
),

device_day_usage as (
    select
        device_days.activity_date,
        coalesce(devices.product_line, 'unknown') as product_line,
        coalesce(device_days.firmware_version, 'unknown') as firmware_version,
        coalesce(devices.region, 'unknown') as region,
        device_days.device_serial,
        device_days.event_count,
        coalesce(sessions_per_device_day.recording_sessions, 0) as recording_sessions,
        coalesce(sessions_per_device_day.recording_seconds, 0) as recording_seconds,
        coalesce(flights_per_device_day.flights, 0) as flights,
        coalesce(flights_per_device_day.flight_seconds, 0) as flight_seconds
    from device_days
    left join devices
        on device_days.device_serial = devices.device_serial
    left join sessions_per_device_day
        on
            device_days.device_serial = sessions_per_device_day.device_serial
            and device_days.activity_date = sessions_per_device_day.activity_date
    left join flights_per_device_day
        on
            device_days.device_serial = flights_per_device_day.device_serial
            and device_days.activity_date = flights_per_device_day.activity_date
),

aggregated as (
    select
        activity_date,
        product_line,
        firmware_version,
        region,
        grouping_id() as grouping_id,
        {{ grouping_level_label(dimensions) }} as grouping_level,
        count(distinct device_serial) as active_devices,
        sum(event_count) as device_events,
        sum(recording_sessions) as recording_sessions,
        round(sum(recording_seconds) / 3600, 3) as recording_hours,
        sum(flights) as flights,
        round(sum(flight_seconds) / 60, 3) as flight_minutes
    from device_day_usage
    group by grouping sets (
        (activity_date, product_line, firmware_version, region),
        (activity_date, product_line, firmware_version),
        (activity_date, product_line, region),
        (activity_date, product_line),
        (activity_date, region),
        (activity_date),
        (product_line, firmware_version),
        (product_line, region),
        (product_line),
        (region),
        ()
    )
),

final as (
    select
        {{ surrogate_key([
            'grouping_id', 'activity_date', 'product_line', 'firmware_version', 'region',
        ]) }} as device_usage_id,
        grouping_id,
        grouping_level,
        activity_date,
        product_line,
        firmware_version,
        region,
        active_devices,
        device_events,
        recording_sessions,
        recording_hours,
        flights,
        flight_minutes
    from aggregated
)

select * from final

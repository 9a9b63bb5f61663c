with

samples as (
    select * from {{ ref('stg_gopro__telemetry_samples') }}
),

gps as (
    select
        recording_file,
        device_name,
        latitude,
        longitude,
        speed_2d_mps,
        lag(latitude) over (partition by recording_file order by payload_index, sample_index) as previous_latitude,
        lag(longitude) over (partition by recording_file order by payload_index, sample_index) as previous_longitude
    from samples
    where stream = 'GPS5'
),

tracks as (
    select
        recording_file,
        coalesce(sum(
            2 * 6371000 * asin(sqrt(
                power(sin(radians(latitude - previous_latitude) / 2), 2)
                + cos(radians(previous_latitude)) * cos(radians(latitude))
                * power(sin(radians(longitude - previous_longitude) / 2), 2)
            ))
        ), 0) as gps_track_length_m,
        max(speed_2d_mps) as max_speed_mps,
        count(*) as gps_samples
    from gps
    group by recording_file
),

recordings as (
    select
        recording_file,
        min(device_name) as camera_name,
        count(*) as samples,
        count(distinct stream) as streams,
        min(landing_date) as landing_date
    from samples
    where gpmf_device_id = 1
    group by recording_file
),

final as (
    select
        recordings.recording_file,
        recordings.camera_name,
        recordings.samples,
        recordings.streams,
        tracks.gps_track_length_m,
        tracks.max_speed_mps,
        coalesce(tracks.gps_samples, 0) as gps_samples,
        recordings.landing_date
    from recordings
    left join tracks
        on recordings.recording_file = tracks.recording_file
)

select * from final

{#- Every other raw column flows through unchanged: a stream's elements (accl_0, gyro_1, ...) and,
    for MP4 recordings, their timing (sample_time_s, payload_start_s, recording_started_at):
    raw GPMF payloads have none, so the columns exist only once an MP4 landed. -#}
{%- set handled_columns = [
    'device_id', 'device_name', 'stream', 'stream_name', 'units', 'payload', 'sample',
    'gps5_latitude', 'gps5_longitude', 'gps5_altitude', 'gps5_speed_2d',
    'gps5_speed_3d', '_source_file', '_source_line', '_ingest_run_id', '_ingested_at',
    '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('gopro', 'gopro_telemetry') }}
),

renamed as (
    select
        _source_file as recording_file,
        _source_line as sample_number,
        cast(device_id as bigint) as gpmf_device_id,
        device_name,
        stream,
        stream_name,
        units,
        cast(payload as int) as payload_index,
        cast(sample as int) as sample_index,
        cast(gps5_latitude as double) as latitude,
        cast(gps5_longitude as double) as longitude,
        cast(gps5_altitude as double) as altitude_m,
        cast(gps5_speed_2d as double) as speed_2d_mps,
        cast(gps5_speed_3d as double) as speed_3d_mps,
        {{ carry_through_columns(source('gopro', 'gopro_telemetry'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as landing_date
    from source
)

select * from renamed

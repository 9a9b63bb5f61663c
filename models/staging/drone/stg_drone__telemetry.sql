{#- Every other raw column (drift: wind, gps fix, ...) flows through unchanged. -#}
{%- set handled_columns = [
    'event_id', 'event_type', 'drone_serial', 'drone_model', 'drone_firmware', 'boot_id',
    'device_time_s', 'telemetry_lat', 'telemetry_lon', 'telemetry_alt_m', 'telemetry_battery_pct',
    'telemetry_speed_mps', 'sync_device_time_s', 'sync_utc', 'received_at',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('drone', 'drone_telemetry') }}
),

renamed as (
    select
        event_id as drone_event_id,
        event_type,
        drone_serial as device_serial,
        drone_model as device_model,
        drone_firmware as firmware_version,
        boot_id,
        cast(device_time_s as double) as device_time_s,
        cast(telemetry_lat as double) as latitude,
        cast(telemetry_lon as double) as longitude,
        cast(telemetry_alt_m as double) as altitude_m,
        cast(telemetry_battery_pct as int) as battery_pct,
        cast(telemetry_speed_mps as double) as speed_mps,
        cast(sync_device_time_s as double) as sync_device_time_s,
        to_timestamp(sync_utc) as synced_at,
        to_timestamp(received_at) as received_at,
        {{ carry_through_columns(source('drone', 'drone_telemetry'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as landing_date
    from source
)

select * from renamed

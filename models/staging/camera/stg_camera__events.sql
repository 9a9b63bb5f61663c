{#- Every other raw column (drift: hdr, lens, white balance twins, ...) flows through unchanged. -#}
{%- set handled_columns = [
    'event_id', 'event_type', 'event_ts',
    'header_device_serial', 'header_device_model', 'header_device_firmware', 'header_seq',
    'record_mode', 'record_resolution', 'record_fps',
    'record_attributes_iso', 'record_attributes_ev', 'battery_pct', 'storage_free_mb',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('camera', 'camera_events') }}
),

renamed as (
    select
        event_id as camera_event_id,
        event_type,
        to_timestamp(event_ts) as event_at,
        header_device_serial as device_serial,
        header_device_model as device_model,
        header_device_firmware as firmware_version,
        cast(header_seq as bigint) as sequence_number,
        record_mode,
        record_resolution,
        cast(record_fps as int) as record_fps,
        cast(record_attributes_iso as string) as record_iso_setting,
        try_cast(cast(record_attributes_iso as string) as bigint) as record_iso,
        cast(record_attributes_ev as double) as record_ev,
        cast(battery_pct as int) as battery_pct,
        cast(storage_free_mb as bigint) as storage_free_mb,
        {{ carry_through_columns(source('camera', 'camera_events'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date
    from source
)

select * from renamed

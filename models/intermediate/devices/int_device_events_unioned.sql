{{ config(materialized='view') }}

with

camera_events as (
    select * from {{ ref('int_camera_events_deduplicated') }}
),

drone_events as (
    select * from {{ ref('int_drone_events_clock_corrected') }}
),

unioned as (
    select
        device_serial,
        'camera' as device_type,
        device_model,
        firmware_version,
        camera_event_id as device_event_id,
        event_type,
        event_at,
        battery_pct,
        storage_free_mb,
        record_mode,
        record_resolution,
        record_fps,
        to_date(event_at) as earliest_event_date,
        _ingested_at,
        _last_ingested_at
    from camera_events

    union all

    select
        device_serial,
        'drone' as device_type,
        device_model,
        firmware_version,
        drone_event_id as device_event_id,
        event_type,
        corrected_at as event_at,
        battery_pct,
        cast(null as bigint) as storage_free_mb,
        cast(null as string) as record_mode,
        cast(null as string) as record_resolution,
        cast(null as int) as record_fps,
        earliest_corrected_date as earliest_event_date,
        _ingested_at,
        boot_last_ingested_at as _last_ingested_at
    from drone_events
)

select * from unioned

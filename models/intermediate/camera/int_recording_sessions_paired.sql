with

events as (
    select * from {{ ref('int_camera_events_deduplicated') }}
),

paired as (
    {{ pair_events(
        relation='events',
        partition_by='device_serial',
        order_by=['event_at', 'camera_event_id'],
        event_type_column='event_type',
        event_id_column='camera_event_id',
        value_column='event_at',
        start_types=['record_start'],
        stop_types=['record_stop'],
        close_types={'power_off': 'power_off'},
        stop_reason='stopped',
        emit_orphan_stops=true,
        timeout_hours=var('session_timeout_hours'),
    ) }}
),

final as (
    select
        {{ surrogate_key([
            'paired.device_serial',
            'coalesce(paired.start_event_id, paired.end_event_id)',
        ]) }} as recording_session_id,
        paired.device_serial,
        paired.start_event_id,
        paired.end_event_id,
        paired.start_value as started_at,
        paired.end_value as ended_at,
        paired.end_reason,
        to_date(coalesce(paired.start_value, paired.end_value)) as session_date,
        cast(
            (unix_millis(paired.end_value) - unix_millis(paired.start_value)) / 1000
            as decimal(12, 3)
        ) as duration_s,
        coalesce(start_events.device_model, end_events.device_model) as device_model,
        coalesce(start_events.firmware_version, end_events.firmware_version) as firmware_version,
        start_events.record_mode,
        start_events.record_resolution,
        start_events.record_fps,
        paired.partition_last_value as device_last_event_at,
        greatest(start_events._ingested_at, end_events._ingested_at) as _ingested_at
    from paired
    left join events as start_events
        on paired.start_event_id = start_events.camera_event_id
    left join events as end_events
        on paired.end_event_id = end_events.camera_event_id
)

select * from final

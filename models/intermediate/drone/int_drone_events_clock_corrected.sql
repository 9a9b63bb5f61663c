with

events as (
    select * from {{ ref('int_drone_events_deduplicated') }}
),

corrected as (
    {{ correct_device_clock(
        relation='events',
        partition_by='boot_id',
        event_id_column='drone_event_id',
        device_time_column='device_time_s',
        sync_device_time_column='sync_device_time_s',
        sync_utc_column='synced_at',
        fallback_column='received_at',
    ) }}
),

final as (
    select
        *,
        to_date(corrected_at) as corrected_date
    from corrected
)

select * from final

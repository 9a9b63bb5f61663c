{#-
    Incremental, merged on drone_event_id (Iceberg MERGE). The unit of change is a boot: a new
    event (a late time sync above all) can change the nearest sync of every event of its boot,
    so a run re-corrects every event of each boot with a row newer than the newest
    `boot_last_ingested_at` here, and upserts them. Events never disappear (the deduplicated
    events only grow), so a merge needs no deletes. `earliest_corrected_date` keeps the
    earliest date an event was ever corrected to, so the daily device state can replace the
    day a re-corrected event left.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='drone_event_id',
    partition_by=['landing_date'],
    on_schema_change='append_new_columns',
) }}

with

events as (
    select * from {{ ref('int_drone_events_deduplicated') }}
),

{% if is_incremental() -%}
changed_boots as (
    select distinct boot_id
    from events
    where _last_ingested_at > {{ incremental_watermark('boot_last_ingested_at') }}
),

boot_events as (
    select events.*
    from events
    inner join changed_boots
        on events.boot_id = changed_boots.boot_id
),
{%- else -%}
boot_events as (
    select * from events
),
{%- endif %}

corrected as (
    {{ correct_device_clock(
        relation='boot_events',
        partition_by='boot_id',
        event_id_column='drone_event_id',
        device_time_column='device_time_s',
        sync_device_time_column='sync_device_time_s',
        sync_utc_column='synced_at',
        fallback_column='received_at',
    ) }}
),

{% if is_incremental() -%}
existing_events as (
    select * from {{ this }}
),

dated as (
    select
        corrected.*,
        least(
            to_date(corrected.corrected_at), existing_events.earliest_corrected_date
        ) as earliest_corrected_date
    from corrected
    left join existing_events
        on corrected.drone_event_id = existing_events.drone_event_id
),
{%- else -%}
dated as (
    select
        *,
        to_date(corrected_at) as earliest_corrected_date
    from corrected
),
{%- endif %}

final as (
    select
        *,
        to_date(corrected_at) as corrected_date,
        max(_last_ingested_at) over (partition by boot_id) as boot_last_ingested_at
    from dated
)

select * from final

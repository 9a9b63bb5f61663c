{#-
    Daily device state: what each device looked like at the end of each day it was seen.
    A state attribute takes its last non-NULL value of the day, by event time.

    Incremental by activity date: replaces whole `activity_date` partitions (insert_overwrite on
    Iceberg, see macros/incremental/get_insert_overwrite_sql.sql). A run re-summarizes every
    day from the earliest day touched by an event changed since the newest `_last_ingested_at`
    here: its day now, and the earliest day it ever had (a drone event re-corrected by a late
    time sync leaves its old day). Dates are left-joined to their rows, so a day left with no
    event is emptied.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['activity_date'],
    unique_key='device_day_id',
    on_schema_change='append_new_columns',
) }}

{%- set state_columns = [
    'device_model', 'firmware_version', 'battery_pct', 'storage_free_mb',
    'record_mode', 'record_resolution', 'record_fps',
] -%}
{%- set summary_columns = ['device_day_id', 'device_serial', 'device_type'] + state_columns + [
    'min_battery_pct', 'event_count', 'start_event_count', 'first_event_at', 'last_seen_at',
    '_ingested_at', '_last_ingested_at',
] -%}

with

all_events as (
    select * from {{ ref('int_device_events_unioned') }}
),

{% if is_incremental() -%}
replace_from as (
    select min(least(to_date(event_at), earliest_event_date)) as activity_date
    from all_events
    where _last_ingested_at > {{ incremental_watermark() }}
),

events as (
    select all_events.*
    from all_events
    cross join replace_from
    where to_date(all_events.event_at) >= replace_from.activity_date
),
{%- else -%}
events as (
    select * from all_events
),
{%- endif %}

summarized as (
    select
        device_serial,
        to_date(event_at) as activity_date,
        max(device_type) as device_type,
        {%- for column in state_columns %}
        max_by({{ column }}, case when {{ column }} is not null then event_at end) as {{ column }},
        {%- endfor %}
        min(battery_pct) as min_battery_pct,
        count(*) as event_count,
        count_if(event_type in ('record_start', 'takeoff')) as start_event_count,
        min(event_at) as first_event_at,
        max(event_at) as last_seen_at,
        max(_ingested_at) as _ingested_at,
        max(_last_ingested_at) as _last_ingested_at
    from events
    group by device_serial, to_date(event_at)
),

device_days as (
    select
        {{ surrogate_key(['device_serial', 'activity_date']) }} as device_day_id,
        *
    from summarized
),

{% if is_incremental() -%}
existing_days as (
    select * from {{ this }}
),

affected_dates as (
    select activity_date from device_days

    union

    select existing_days.activity_date
    from existing_days
    cross join replace_from
    where existing_days.activity_date >= replace_from.activity_date
),

final as (
    select
        {%- for column in summary_columns %}
        device_days.{{ column }},
        {%- endfor %}
        affected_dates.activity_date
    from affected_dates
    left join device_days
        on affected_dates.activity_date = device_days.activity_date
)
{%- else -%}
final as (
    select * from device_days
)
{%- endif %}

select * from final

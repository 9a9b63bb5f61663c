{#-
    Daily device state: what each device looked like at the end of each day it was seen.
    A state attribute takes its last non-NULL value of the day, by event time.
-#}

{%- set state_columns = [
    'device_model', 'firmware_version', 'battery_pct', 'storage_free_mb',
    'record_mode', 'record_resolution', 'record_fps',
] -%}

with

events as (
    select * from {{ ref('int_device_events_unioned') }}
),

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
        max(_ingested_at) as _ingested_at
    from events
    group by device_serial, to_date(event_at)
),

final as (
    select
        {{ surrogate_key(['device_serial', 'activity_date']) }} as device_day_id,
        *
    from summarized
)

select * from final

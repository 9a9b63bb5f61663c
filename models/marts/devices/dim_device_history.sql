{#-
    SCD type 2 device state at event time (see _devices__models.yml for why this is not a dbt
    snapshot). Each state attribute carries its last reported value forward through the
    device's events; a state starts at the event that changes any of them and lasts until the
    next change, so a change that reverts within the same day is two states, not none.
-#}

{%- set state_columns = [
    'device_model', 'firmware_version', 'record_mode', 'record_resolution', 'record_fps',
] %}

with

device_events as (
    select * from {{ ref('int_device_events_unioned') }}
),

carried_events as (
    select
        device_serial,
        device_type,
        device_event_id,
        event_at,
        {%- for column in state_columns %}
        last_value({{ column }}, true) over device_timeline as {{ column }},
        {%- endfor %}
        to_date(event_at) as activity_date
    from device_events
    window device_timeline as (
        partition by device_serial
        order by event_at, device_event_id
        rows between unbounded preceding and current row
    )
),

hashed_events as (
    select
        *,
        {{ surrogate_key(state_columns) }} as state_hash
    from carried_events
),

flagged_events as (
    select
        *,
        coalesce(lag(state_hash) over device_timeline != state_hash, true) as is_state_change
    from hashed_events
    window device_timeline as (partition by device_serial order by event_at, device_event_id)
),

numbered_events as (
    select
        *,
        sum(cast(is_state_change as int)) over (
            partition by device_serial
            order by event_at, device_event_id
            rows between unbounded preceding and current row
        ) as state_number
    from flagged_events
),

states as (
    select
        device_serial,
        state_number,
        max(device_type) as device_type,
        {%- for column in state_columns %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(distinct activity_date) as active_days,
        count(*) as event_count,
        min(event_at) as valid_from,
        max(event_at) as last_seen_at
    from numbered_events
    group by device_serial, state_number
),

final as (
    select
        {{ surrogate_key(['device_serial', 'state_number']) }} as device_state_id,
        device_serial,
        state_number,
        device_type,
        {%- for column in state_columns %}
        {{ column }},
        {%- endfor %}
        valid_from,
        lead(valid_from) over device_states as valid_to,
        lead(valid_from) over device_states is null as is_current,
        first_active_date,
        last_active_date,
        active_days,
        event_count,
        last_seen_at
    from states
    window device_states as (partition by device_serial order by state_number)
)

select * from final

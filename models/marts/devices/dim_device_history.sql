{#-
    SCD type 2 device state, derived from the event history (see _devices__models.yml for why
    this is not a dbt snapshot). One row per device and run of consecutive active days with
    the same state; a state is valid from its first event until the next state's first event.
-#}

{%- set state_columns = [
    'device_model', 'firmware_version', 'record_mode', 'record_resolution', 'record_fps',
] %}

with

device_days as (
    select * from {{ ref('int_device_days_summarized') }}
),

hashed_days as (
    select
        device_serial,
        device_type,
        activity_date,
        first_event_at,
        last_seen_at,
        {%- for column in state_columns %}
        {{ column }},
        {%- endfor %}
        {{ surrogate_key(state_columns) }} as state_hash
    from device_days
),

flagged_days as (
    select
        *,
        coalesce(lag(state_hash) over device_timeline != state_hash, true) as is_state_change
    from hashed_days
    window device_timeline as (partition by device_serial order by activity_date)
),

numbered_days as (
    select
        *,
        sum(cast(is_state_change as int)) over (
            partition by device_serial
            order by activity_date
            rows between unbounded preceding and current row
        ) as state_number
    from flagged_days
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
        count(*) as active_days,
        min(first_event_at) as valid_from,
        max(last_seen_at) as last_seen_at
    from numbered_days
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
        last_seen_at
    from states
    window device_states as (partition by device_serial order by state_number)
)

select * from final

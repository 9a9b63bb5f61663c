{#-
    Pair start/stop events into intervals (recording sessions, flights) as one select, to be
    used as the body of a CTE. Per `partition_by` value, the events of the types in
    `start_types`, `stop_types` and `close_types` are ordered by `order_by` and walked as a
    state machine, which reduces to "look at the neighbouring relevant event":

      * every start opens an interval; it ends at the next relevant event:
          - another start   -> end_reason 'restarted', ended at that start
          - a stop          -> end_reason `stop_reason`
          - a close event   -> end_reason `close_types[event type]` (e.g. power_off)
          - none            -> end_reason 'open', end_value NULL; or, with `timeout_hours`,
                               'timed_out' at start + timeout when the partition's last event
                               (of any type) is more than `timeout_hours` after the start
      * a stop whose previous relevant event is not a start (nothing open) is an orphan: with
        `emit_orphan_stops` it becomes a row with start_value NULL and end_reason
        'orphan_stop', otherwise it is dropped
      * a close event with nothing open is ignored

    Output columns: the partition column, start_event_id, end_event_id, start_value, end_value
    (values of `value_column`), end_reason, partition_last_value; with `carry_columns`, also
    start_event and end_event: structs of those columns of the start and the end event (NULL
    where there is none), so a caller needs no join back to the events for them. `timeout_hours`
    needs a timestamp `value_column`.
-#}
{% macro pair_events(
    relation,
    partition_by,
    order_by,
    event_type_column,
    event_id_column,
    value_column,
    start_types,
    stop_types,
    close_types={},
    stop_reason='stopped',
    emit_orphan_stops=true,
    timeout_hours=none,
    carry_columns=[]
) -%}
    {%- for name, argument in [('start_types', start_types), ('stop_types', stop_types), ('order_by', order_by)] -%}
        {%- if argument is string or argument | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "pair_events: `" ~ name ~ "` must be a non-empty list, got " ~ argument
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if close_types is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "pair_events: `close_types` maps an event type to its end_reason, got " ~ close_types
        ) }}
    {%- endif -%}
    {%- if carry_columns is string -%}
        {{ exceptions.raise_compiler_error(
            "pair_events: `carry_columns` must be a list of column names, got " ~ carry_columns
        ) }}
    {%- endif -%}
    {%- set both = start_types | select('in', stop_types) | list -%}
    {%- if both -%}
        {{ exceptions.raise_compiler_error(
            "pair_events: an event type cannot both start and stop an interval: " ~ both | join(', ')
        ) }}
    {%- endif -%}
    {%- set relevant_types = start_types + stop_types + (close_types.keys() | list) -%}
    {%- set relevant_list = "'" ~ relevant_types | join("', '") ~ "'" -%}
    {%- set start_list = "'" ~ start_types | join("', '") ~ "'" -%}
    {%- set stop_list = "'" ~ stop_types | join("', '") ~ "'" -%}
    with

    pairing_all_events as (
        select
            {{ partition_by }},
            {{ event_id_column }} as pairing_event_id,
            {{ event_type_column }} as pairing_event_type,
            {{ value_column }} as pairing_value,
            {% for expression in order_by %}
            {{ expression }} as pairing_order_{{ loop.index }},
            {% endfor %}
            {% if carry_columns %}
            named_struct(
                {% for column in carry_columns %}
                '{{ column }}', {{ column }}{{ "," if not loop.last }}
                {% endfor %}
            ) as pairing_carried,
            {% endif %}
            max({{ value_column }}) over (partition by {{ partition_by }}) as partition_last_value
        from {{ relation }}
    ),

    pairing_relevant_events as (
        select *
        from pairing_all_events
        where pairing_event_type in ({{ relevant_list }})
    ),

    pairing_neighbours as (
        select
            *,
            lead(pairing_event_type) over pairing_window as next_event_type,
            lead(pairing_event_id) over pairing_window as next_event_id,
            lead(pairing_value) over pairing_window as next_value,
            {% if carry_columns %}
            lead(pairing_carried) over pairing_window as next_carried,
            {% endif %}
            lag(pairing_event_type) over pairing_window as previous_event_type,
            pairing_event_type in ({{ start_list }}) as pairing_is_start
        from pairing_relevant_events
        window pairing_window as (
            partition by {{ partition_by }}
            order by
                {% for expression in order_by %}
                pairing_order_{{ loop.index }}{{ "," if not loop.last }}
                {% endfor %}
        )
    ),

    {# One select over the neighbours for both kinds of row (a start's interval, an orphan
        stop): Spark inlines a CTE at every place it is read when it builds a model, so a second
        reader would copy the whole chain above, and the caller's, into the plan again. #}
    pairing_intervals as (
        select
            {{ partition_by }},
            case when pairing_is_start then pairing_event_id end as start_event_id,
            case when pairing_is_start then next_event_id else pairing_event_id end as end_event_id,
            case when pairing_is_start then pairing_value end as start_value,
            case
                when not pairing_is_start then pairing_value
                when next_event_type is not null then next_value
                {% if timeout_hours is not none %}
                when
                    partition_last_value
                    > pairing_value + make_interval(0, 0, 0, 0, {{ timeout_hours }}, 0, 0)
                    then pairing_value + make_interval(0, 0, 0, 0, {{ timeout_hours }}, 0, 0)
                {% endif %}
            end as end_value,
            case
                when not pairing_is_start then 'orphan_stop'
                when next_event_type in ({{ start_list }}) then 'restarted'
                when next_event_type in ({{ stop_list }}) then '{{ stop_reason }}'
                {% for close_type, reason in close_types.items() %}
                when next_event_type = '{{ close_type }}' then '{{ reason }}'
                {% endfor %}
                {% if timeout_hours is not none %}
                when
                    partition_last_value
                    > pairing_value + make_interval(0, 0, 0, 0, {{ timeout_hours }}, 0, 0)
                    then 'timed_out'
                {% endif %}
                else 'open'
            end as end_reason,
            partition_last_value{% if carry_columns %},
            case when pairing_is_start then pairing_carried end as start_event,
            case when pairing_is_start then next_carried else pairing_carried end as end_event
            {%- endif %}
        from pairing_neighbours
        where
            pairing_is_start
            {% if emit_orphan_stops %}
            or (
                pairing_event_type in ({{ stop_list }})
                and (
                    previous_event_type is null
                    or previous_event_type not in ({{ start_list }})
                )
            )
            {% endif %}
    )

    select * from pairing_intervals
{%- endmacro %}

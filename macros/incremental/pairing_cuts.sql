{#-
    Where an incremental run re-pairs each partition (camera) from, as one select to be used as
    the body of a CTE: one row per partition with an event newer than the watermark (the
    newest `watermark_column` in the model's own table, `incremental_watermark`), with

      * cut_at: `lookback_days` before its earliest new event, or, when earlier, the start of
        its interval still open at that moment (ended at or after it, or ended by no event:
        an `end_reason` in `open_reasons`, which any later event would close instead);
      * cut_event_id: that start's event id ('' for a lookback cut, so every event at that
        instant is read).

    Pairing the events at or after (cut_at, cut_event_id), compared like the pairing's order
    (event time, then event id), gives exactly the intervals that pairing the whole history
    gives from the cut on: nothing is open before the cut, so nothing after it depends on an
    earlier event. Intervals before the cut are unchanged.
-#}
{% macro pairing_cuts(
    events,
    intervals,
    partition_by,
    event_time_column,
    start_column,
    start_id_column,
    end_column,
    open_reasons,
    lookback_days=0,
    watermark_column='_last_ingested_at'
) -%}
    {%- if open_reasons is string or open_reasons | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "pairing_cuts: `open_reasons` must be a non-empty list of end reasons, got " ~ open_reasons
        ) }}
    {%- endif -%}
    {%- if lookback_days is not number or lookback_days < 0 -%}
        {{ exceptions.raise_compiler_error(
            "pairing_cuts: `lookback_days` (late_event_lookback_days) must be a number >= 0, got "
            ~ lookback_days
        ) }}
    {%- endif -%}
    with

    cut_new_events as (
        select
            cut_events.{{ partition_by }} as cut_partition,
            min(cut_events.{{ event_time_column }})
            - make_interval(0, 0, 0, {{ lookback_days }}, 0, 0, 0) as window_start
        from {{ events }} as cut_events
        where cut_events.{{ watermark_column }} > {{ incremental_watermark(watermark_column) }}
        group by cut_events.{{ partition_by }}
    ),

    {# cut_new_events is read once (a left join, then one aggregate): Spark inlines a CTE
        wherever it is read when it builds a model, and a second reader doubles the plan. #}
    cut_open_starts as (
        select
            cut_new_events.cut_partition,
            cut_new_events.window_start,
            case when cut_intervals.{{ partition_by }} is not null then named_struct(
                'started_at', cut_intervals.{{ start_column }},
                'start_event_id', cut_intervals.{{ start_id_column }}
            ) end as open_start
        from cut_new_events
        left join {{ intervals }} as cut_intervals
            on
                cut_intervals.{{ partition_by }} = cut_new_events.cut_partition
                and cut_intervals.{{ start_column }} < cut_new_events.window_start
                and (
                    cut_intervals.{{ end_column }} is null
                    or cut_intervals.{{ end_column }} >= cut_new_events.window_start
                    or cut_intervals.end_reason in ({% for reason in open_reasons %}{{ string_literal(reason) }}{{ ", " if not loop.last }}{% endfor %})
                )
    ),

    cut_first_open as (
        select
            cut_partition,
            window_start,
            min(open_start) as first_open
        from cut_open_starts
        group by cut_partition, window_start
    )

    select
        cut_partition as {{ partition_by }},
        coalesce(first_open.started_at, window_start) as cut_at,
        coalesce(first_open.start_event_id, '') as cut_event_id
    from cut_first_open
{%- endmacro %}

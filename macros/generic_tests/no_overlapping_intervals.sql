{#-
    Intervals [start, end) of the same `partition_by` value never overlap: one device records
    one session (flies one flight) at a time. A missing start or end (orphan stop, open
    interval) makes the row a point at the known end.

    O(n log n), one sort per partition, no self-join: ordered by start (then end, so a point
    comes before an interval starting at the same instant, then key), an interval overlaps an
    earlier one exactly when it starts before the latest end of all earlier intervals (a
    running max). Returns each interval that overlaps an earlier one, once, with the key of
    the interval just before it.
-#}
{% test no_overlapping_intervals(model, partition_by, start_column, end_column, key_column) %}

with

intervals as (
    select
        {{ partition_by }} as interval_partition,
        {{ key_column }} as interval_key,
        coalesce({{ start_column }}, {{ end_column }}) as interval_start,
        coalesce({{ end_column }}, {{ start_column }}) as interval_end
    from {{ model }}
),

ordered_intervals as (
    select
        interval_partition,
        interval_key,
        interval_start,
        interval_end,
        lag(interval_key) over interval_timeline as previous_key,
        max(interval_end) over earlier_intervals as earlier_intervals_end
    from intervals
    window
        interval_timeline as (
            partition by interval_partition
            order by interval_start, interval_end, interval_key
        ),
        earlier_intervals as (
            partition by interval_partition
            order by interval_start, interval_end, interval_key
            rows between unbounded preceding and 1 preceding
        )
)

select
    interval_partition,
    previous_key,
    interval_key,
    earlier_intervals_end,
    interval_start,
    interval_end
from ordered_intervals
where interval_start < earlier_intervals_end

{% endtest %}

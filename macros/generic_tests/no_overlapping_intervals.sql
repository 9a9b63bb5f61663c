{#-
    Intervals [start, end) of the same `partition_by` value never overlap: one device records
    one session (flies one flight) at a time. A missing start or end (orphan stop, open
    interval) makes the row a point at the known end. Returns each overlapping pair once.
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
)

select
    first_interval.interval_partition,
    first_interval.interval_key as first_key,
    second_interval.interval_key as second_key,
    first_interval.interval_start as first_start,
    first_interval.interval_end as first_end,
    second_interval.interval_start as second_start,
    second_interval.interval_end as second_end
from intervals as first_interval
inner join intervals as second_interval
    on
        first_interval.interval_partition = second_interval.interval_partition
        and first_interval.interval_key < second_interval.interval_key
        and first_interval.interval_start < second_interval.interval_end
        and second_interval.interval_start < first_interval.interval_end

{% endtest %}

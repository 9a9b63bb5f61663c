{#-
    Correct a device clock (seconds since boot) to UTC with time-sync events, as one select to
    be used as the body of a CTE. Per `partition_by` value (a boot: the device clock restarts at
    every power cycle):

      * a sync event pairs a device time with UTC; its offset is
        epoch milliseconds(sync UTC) - sync device time in milliseconds
      * every event takes the offset of the sync of its partition whose sync device time is
        nearest to the event's device time (ties: the earlier sync), and
        corrected_at = timestamp_millis(offset + device time in milliseconds)
      * a partition without a usable sync keeps its events with is_clock_corrected = false and
        corrected_at = `fallback_column` (e.g. the upload time)

    Device times carry at most millisecond precision, so all arithmetic is done in integer
    milliseconds: adding doubles and casting to a timestamp can land a millisecond low, and a
    tie between two syncs must compare exactly.

    The nearest sync is found without pairing every event with every sync of its boot: events
    and syncs go on one timeline per partition, ordered by device time, and two window
    functions carry the previous sync forward (`last(..., true)`) and the next sync backward
    (`first(..., true)`); the nearer of the two wins, the previous one on a tie. One sort per
    partition: O(n log n) in the events of a boot, where the join was O(events x syncs).

    `event_id_column` must be unique in `relation` (deduplicate first). Output: every column of
    `relation`, plus clock_offset_ms, clock_sync_device_time_s, is_clock_corrected and
    corrected_at.
-#}
{% macro correct_device_clock(
    relation,
    partition_by,
    event_id_column,
    device_time_column,
    sync_device_time_column,
    sync_utc_column,
    fallback_column
) -%}
    with

    clock_points as (
        select
            {{ partition_by }} as clock_partition,
            {{ event_id_column }} as clock_event_id,
            cast(round({{ device_time_column }} * 1000) as bigint) as clock_position_ms,
            cast(null as struct<device_time_ms: bigint, offset_ms: bigint, device_time_s: double>) as clock_sync
        from {{ relation }}

        union all

        select
            {{ partition_by }} as clock_partition,
            cast(null as string) as clock_event_id,
            cast(round({{ sync_device_time_column }} * 1000) as bigint) as clock_position_ms,
            named_struct(
                'device_time_ms', cast(round({{ sync_device_time_column }} * 1000) as bigint),
                'offset_ms',
                unix_millis({{ sync_utc_column }})
                - cast(round({{ sync_device_time_column }} * 1000) as bigint),
                'device_time_s', cast({{ sync_device_time_column }} as double)
            ) as clock_sync
        from {{ relation }}
        where
            {{ sync_device_time_column }} is not null
            and {{ sync_utc_column }} is not null
    ),

    clock_neighbours as (
        select
            clock_event_id,
            clock_position_ms,
            last(clock_sync, true) over clock_up_to_here as previous_sync,
            first(clock_sync, true) over clock_from_here as next_sync
        from clock_points
        window
            clock_up_to_here as (
                partition by clock_partition
                order by clock_position_ms, clock_event_id nulls first, clock_sync.offset_ms
                rows between unbounded preceding and current row
            ),
            clock_from_here as (
                partition by clock_partition
                order by clock_position_ms, clock_event_id nulls first, clock_sync.offset_ms
                rows between current row and unbounded following
            )
    ),

    clock_nearest_syncs as (
        select
            clock_event_id,
            case
                when previous_sync is null then next_sync
                when next_sync is null then previous_sync
                when
                    clock_position_ms - previous_sync.device_time_ms
                    <= next_sync.device_time_ms - clock_position_ms
                    then previous_sync
                else next_sync
            end as nearest_sync
        from clock_neighbours
        where clock_event_id is not null
    )

    select
        clock_input.*,
        clock_nearest_syncs.nearest_sync.offset_ms as clock_offset_ms,
        clock_nearest_syncs.nearest_sync.device_time_s as clock_sync_device_time_s,
        clock_nearest_syncs.nearest_sync is not null as is_clock_corrected,
        case
            when clock_nearest_syncs.nearest_sync is not null
                then timestamp_millis(
                    clock_nearest_syncs.nearest_sync.offset_ms
                    + cast(round(clock_input.{{ device_time_column }} * 1000) as bigint)
                )
            else clock_input.{{ fallback_column }}
        end as corrected_at
    from {{ relation }} as clock_input
    left join clock_nearest_syncs
        on clock_input.{{ event_id_column }} = clock_nearest_syncs.clock_event_id
{%- endmacro %}

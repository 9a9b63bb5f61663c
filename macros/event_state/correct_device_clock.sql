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

    clock_events as (
        select
            *,
            cast(round({{ device_time_column }} * 1000) as bigint) as clock_device_time_ms
        from {{ relation }}
    ),

    clock_syncs as (
        select
            {{ partition_by }} as sync_partition,
            {{ sync_device_time_column }} as sync_device_time_s,
            cast(round({{ sync_device_time_column }} * 1000) as bigint) as sync_device_time_ms,
            unix_millis({{ sync_utc_column }})
            - cast(round({{ sync_device_time_column }} * 1000) as bigint) as sync_offset_ms
        from clock_events
        where
            {{ sync_device_time_column }} is not null
            and {{ sync_utc_column }} is not null
    ),

    clock_nearest_syncs as (
        select
            clock_events.{{ event_id_column }} as clock_event_id,
            min_by(
                struct(clock_syncs.sync_offset_ms, clock_syncs.sync_device_time_s),
                struct(
                    abs(clock_events.clock_device_time_ms - clock_syncs.sync_device_time_ms),
                    clock_syncs.sync_device_time_ms
                )
            ) as nearest_sync
        from clock_events
        inner join clock_syncs
            on clock_events.{{ partition_by }} = clock_syncs.sync_partition
        group by clock_events.{{ event_id_column }}
    )

    select
        clock_input.*,
        clock_nearest_syncs.nearest_sync.sync_offset_ms as clock_offset_ms,
        clock_nearest_syncs.nearest_sync.sync_device_time_s as clock_sync_device_time_s,
        clock_nearest_syncs.nearest_sync is not null as is_clock_corrected,
        case
            when clock_nearest_syncs.nearest_sync is not null
                then timestamp_millis(
                    clock_nearest_syncs.nearest_sync.sync_offset_ms
                    + cast(round(clock_input.{{ device_time_column }} * 1000) as bigint)
                )
            else clock_input.{{ fallback_column }}
        end as corrected_at
    from {{ relation }} as clock_input
    left join clock_nearest_syncs
        on clock_input.{{ event_id_column }} = clock_nearest_syncs.clock_event_id
{%- endmacro %}

{#-
    Correct a device clock (seconds since boot) to UTC with time-sync events, as one select to
    be used as the body of a CTE. Per `partition_by` value (a boot: the device clock restarts at
    every power cycle):

      * a sync event pairs a device time with UTC; its offset is
        epoch seconds(sync UTC) - sync device time
      * every event takes the offset of the sync of its boot whose sync device time is nearest
        to the event's device time (ties: the earlier sync), and
        corrected_at = timestamp(offset + device time), rounded to the millisecond
      * a boot without a usable sync keeps its events with is_clock_corrected = false and
        corrected_at = `fallback_column` (e.g. the upload time)

    `event_id_column` must be unique in `relation` (deduplicate first).
    Output: every column of `relation`, plus clock_offset_s, clock_sync_device_time_s,
    is_clock_corrected and corrected_at.
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
        select * from {{ relation }}
    ),

    clock_syncs as (
        select
            {{ partition_by }} as sync_partition,
            {{ sync_device_time_column }} as sync_device_time_s,
            unix_micros({{ sync_utc_column }}) / 1000000.0
            - {{ sync_device_time_column }} as sync_offset_s
        from clock_events
        where
            {{ sync_device_time_column }} is not null
            and {{ sync_utc_column }} is not null
    ),

    clock_nearest_syncs as (
        select
            clock_events.{{ event_id_column }} as clock_event_id,
            min_by(
                clock_syncs.sync_offset_s,
                struct(
                    abs(clock_events.{{ device_time_column }} - clock_syncs.sync_device_time_s),
                    clock_syncs.sync_device_time_s
                )
            ) as clock_offset_s,
            min_by(
                clock_syncs.sync_device_time_s,
                struct(
                    abs(clock_events.{{ device_time_column }} - clock_syncs.sync_device_time_s),
                    clock_syncs.sync_device_time_s
                )
            ) as clock_sync_device_time_s
        from clock_events
        inner join clock_syncs
            on clock_events.{{ partition_by }} = clock_syncs.sync_partition
        group by clock_events.{{ event_id_column }}
    )

    select
        clock_events.*,
        clock_nearest_syncs.clock_offset_s,
        clock_nearest_syncs.clock_sync_device_time_s,
        clock_nearest_syncs.clock_offset_s is not null as is_clock_corrected,
        case
            when clock_nearest_syncs.clock_offset_s is not null
                then timestamp_millis(cast(round(
                    (clock_nearest_syncs.clock_offset_s + clock_events.{{ device_time_column }}) * 1000
                ) as bigint))
            else clock_events.{{ fallback_column }}
        end as corrected_at
    from clock_events
    left join clock_nearest_syncs
        on clock_events.{{ event_id_column }} = clock_nearest_syncs.clock_event_id
{%- endmacro %}

{#-
    Incremental by flight date. A drone boot's flights all change together (a late time sync
    re-corrects the whole boot), so a run recomputes every date that holds a flight of a boot
    with newly ingested events, before and after the change (existing rows are read too, so
    a flight whose corrected date moves leaves no stale row behind).
-#}
-- depends_on: {{ ref('int_drone_events_deduplicated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['flight_date'],
    on_schema_change='append_new_columns',
) }}

{%- set reprocess = reprocess_date_filter('flight_date') if is_incremental() else none %}

with

flights as (
    select * from {{ ref('int_flights_paired') }}
),

{% if is_incremental() and reprocess is none -%}
drone_events as (
    select * from {{ ref('int_drone_events_deduplicated') }}
),

existing_flights as (
    select * from {{ this }}
),

watermark as (
    select coalesce(max(_ingested_at), timestamp '1970-01-01 00:00:00') as ingested_at
    from existing_flights
),

boots_with_new_events as (
    select distinct drone_events.boot_id
    from drone_events
    cross join watermark
    where drone_events._ingested_at > watermark.ingested_at
),

affected_dates as (
    select flights.flight_date
    from flights
    inner join boots_with_new_events
        on flights.boot_id = boots_with_new_events.boot_id

    union

    select existing_flights.flight_date
    from existing_flights
    inner join boots_with_new_events
        on existing_flights.boot_id = boots_with_new_events.boot_id
),

flights_to_write as (
    select flights.*
    from flights
    inner join affected_dates
        on flights.flight_date = affected_dates.flight_date
),
{%- else %}
flights_to_write as (
    select * from flights
    where {{ reprocess or 'true' }}
),
{%- endif %}

final as (
    select
        flight_id,
        device_serial,
        boot_id,
        device_model,
        firmware_version,
        took_off_at,
        landed_at,
        end_reason,
        is_clock_corrected,
        duration_s,
        takeoff_device_time_s,
        end_device_time_s,
        clock_offset_ms,
        telemetry_samples,
        max_altitude_m,
        max_speed_mps,
        min_battery_pct,
        takeoff_event_id,
        end_event_id,
        _ingested_at,
        flight_date
    from flights_to_write
)

select * from final

{#-
    Incremental by flight date: replaces whole `flight_date` partitions (insert_overwrite on
    Iceberg, see macros/incremental/get_insert_overwrite_sql.sql). A drone boot's flights all
    change together (a late time sync re-corrects the whole boot), so a run recomputes every
    date that holds a flight of a boot with newly ingested events, before and after the change.
    The dates are left-joined to their recomputed flights: a date whose recompute came out
    empty (its flights moved to another day) yields one row with a NULL flight_id, and the
    strategy empties that partition instead of keeping the stale flights.
-#}
-- depends_on: {{ ref('int_drone_events_deduplicated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['flight_date'],
    unique_key='flight_id',
    on_schema_change='append_new_columns',
) }}

{%- set reprocess = reprocess_date_spine('flight_date') if is_incremental() else none %}

with

flights as (
    select * from {{ ref('int_flights_paired') }}
),

{% if is_incremental() -%}
{%- if reprocess is none -%}
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
{%- else -%}
affected_dates as (
    {{ reprocess }}
),
{%- endif %}

flights_to_write as (
    select
        flights.*,
        affected_dates.flight_date as partition_date
    from affected_dates
    left join flights
        on affected_dates.flight_date = flights.flight_date
),
{%- else %}
flights_to_write as (
    select
        *,
        flight_date as partition_date
    from flights
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
        partition_date as flight_date
    from flights_to_write
)

select * from final

{#-
    Incremental, merged on flight_id (Iceberg MERGE). A flight is one takeoff, and takeoffs never
    disappear, so a flight row is only ever updated (its landing, times, date and end reason
    change as its boot's events arrive), never removed: a run re-pairs every boot with an event
    re-corrected since the newest `boot_last_ingested_at` here and upserts its flights, moving a
    flight to another `flight_date` when a late sync re-dates it.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='flight_id',
    partition_by=['flight_date'],
    on_schema_change='append_new_columns',
) }}

with

all_events as (
    select * from {{ ref('int_drone_events_clock_corrected') }}
),

{% if is_incremental() -%}
events as (
    select * from all_events
    where boot_last_ingested_at > {{ incremental_watermark('boot_last_ingested_at') }}
),
{%- else -%}
events as (
    select * from all_events
),
{%- endif %}

paired as (
    {{ pair_events(
        relation='events',
        partition_by='boot_id',
        order_by=['device_time_s', 'drone_event_id'],
        event_type_column='event_type',
        event_id_column='drone_event_id',
        value_column='device_time_s',
        start_types=['takeoff'],
        stop_types=['landing'],
        stop_reason='landed',
        emit_orphan_stops=false,
    ) }}
),

telemetry as (
    select
        boot_id,
        device_time_s,
        altitude_m,
        speed_mps,
        battery_pct
    from events
    where event_type = 'telemetry'
),

flight_telemetry as (
    select
        paired.start_event_id,
        count(telemetry.device_time_s) as telemetry_samples,
        max(telemetry.altitude_m) as max_altitude_m,
        max(telemetry.speed_mps) as max_speed_mps,
        min(telemetry.battery_pct) as min_battery_pct
    from paired
    inner join telemetry
        on
            paired.boot_id = telemetry.boot_id
            and paired.start_value <= telemetry.device_time_s
            and (paired.end_value is null or paired.end_value >= telemetry.device_time_s)
    group by paired.start_event_id
),

final as (
    select
        {{ surrogate_key(['paired.start_event_id']) }} as flight_id,
        takeoffs.device_serial,
        paired.boot_id,
        paired.start_event_id as takeoff_event_id,
        paired.end_event_id,
        takeoffs.corrected_at as took_off_at,
        ends.corrected_at as landed_at,
        paired.end_reason,
        takeoffs.is_clock_corrected,
        to_date(takeoffs.corrected_at) as flight_date,
        paired.start_value as takeoff_device_time_s,
        paired.end_value as end_device_time_s,
        cast(
            (round(paired.end_value * 1000) - round(paired.start_value * 1000)) / 1000
            as decimal(12, 3)
        ) as duration_s,
        takeoffs.clock_offset_ms,
        takeoffs.device_model,
        takeoffs.firmware_version,
        coalesce(flight_telemetry.telemetry_samples, 0) as telemetry_samples,
        flight_telemetry.max_altitude_m,
        flight_telemetry.max_speed_mps,
        flight_telemetry.min_battery_pct,
        greatest(takeoffs._ingested_at, ends._ingested_at) as _ingested_at,
        takeoffs.boot_last_ingested_at
    from paired
    inner join events as takeoffs
        on paired.start_event_id = takeoffs.drone_event_id
    left join events as ends
        on paired.end_event_id = ends.drone_event_id
    left join flight_telemetry
        on paired.start_event_id = flight_telemetry.start_event_id
)

select * from final

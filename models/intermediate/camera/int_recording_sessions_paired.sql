{#-
    Incremental by session date: replaces whole `session_date` partitions (insert_overwrite on
    Iceberg, see macros/incremental/get_insert_overwrite_sql.sql). Only the cameras with new
    events are re-paired, each from its cut (macros/incremental/pairing_cuts.sql), which gives
    what pairing the whole history gives. Every date from the earliest cut on is replaced: the
    re-paired sessions, the other sessions of those dates kept as they were, and one all-NULL
    row for a date left with no session, so it is emptied (see _camera__models.yml).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['session_date'],
    unique_key='recording_session_id',
    on_schema_change='append_new_columns',
) }}

{%- set session_columns = [
    'recording_session_id', 'device_serial', 'start_event_id', 'end_event_id', 'started_at',
    'ended_at', 'end_reason', 'duration_s', 'device_model', 'firmware_version', 'record_mode',
    'record_resolution', 'record_fps', 'device_last_event_at', '_ingested_at',
    '_last_ingested_at',
] %}
{#- The columns of a session's start and end events it takes, carried through the pairing. #}
{%- set carried = ['device_model', 'firmware_version', 'record_mode', 'record_resolution', 'record_fps',
    '_ingested_at', 'device_last_ingested_at'] %}

with

all_events as (
    select * from {{ ref('int_camera_events_deduplicated') }}
),

{% if is_incremental() -%}
existing_sessions as (
    select * from {{ this }}
),

cuts as (
    {{ pairing_cuts(
        events='all_events',
        intervals='existing_sessions',
        partition_by='device_serial',
        event_time_column='event_at',
        start_column='started_at',
        start_id_column='start_event_id',
        end_column='ended_at',
        open_reasons=['open', 'timed_out'],
        lookback_days=var('late_event_lookback_days'),
    ) }}
),

events as (
    select all_events.*
    from all_events
    inner join cuts
        on all_events.device_serial = cuts.device_serial
    where
        all_events.event_at > cuts.cut_at
        or (all_events.event_at = cuts.cut_at and all_events.camera_event_id >= cuts.cut_event_id)
),
{%- else -%}
events as (
    select * from all_events
),
{%- endif %}

{# `events` is read once (the pairing carries the start's and end's columns, the watermark is
    a window): Spark inlines a CTE wherever it is read when it builds a model, so each extra
    reader would copy the events' whole plan, the cuts included, into the statement again. #}
events_with_watermark as (
    select
        *,
        max(_last_ingested_at) over (partition by device_serial) as device_last_ingested_at
    from events
),

paired as (
    {{ pair_events(
        relation='events_with_watermark',
        partition_by='device_serial',
        order_by=['event_at', 'camera_event_id'],
        event_type_column='event_type',
        event_id_column='camera_event_id',
        value_column='event_at',
        start_types=['record_start'],
        stop_types=['record_stop'],
        close_types={'power_off': 'power_off'},
        stop_reason='stopped',
        emit_orphan_stops=true,
        timeout_hours=var('session_timeout_hours'),
        carry_columns=carried,
    ) }}
),

sessions as (
    select
        {{ surrogate_key([
            'paired.device_serial',
            'coalesce(paired.start_event_id, paired.end_event_id)',
        ]) }} as recording_session_id,
        paired.device_serial,
        paired.start_event_id,
        paired.end_event_id,
        paired.start_value as started_at,
        paired.end_value as ended_at,
        paired.end_reason,
        to_date(coalesce(paired.start_value, paired.end_value)) as session_date,
        cast(
            (unix_millis(paired.end_value) - unix_millis(paired.start_value)) / 1000
            as decimal(12, 3)
        ) as duration_s,
        coalesce(paired.start_event.device_model, paired.end_event.device_model) as device_model,
        coalesce(paired.start_event.firmware_version, paired.end_event.firmware_version) as firmware_version,
        paired.start_event.record_mode,
        paired.start_event.record_resolution,
        paired.start_event.record_fps,
        paired.partition_last_value as device_last_event_at,
        greatest(paired.start_event._ingested_at, paired.end_event._ingested_at) as _ingested_at,
        coalesce(
            paired.start_event.device_last_ingested_at, paired.end_event.device_last_ingested_at
        ) as _last_ingested_at
    from paired
),

{% if is_incremental() -%}
replace_from as (
    select min(to_date(cut_at)) as session_date
    from cuts
),

kept_sessions as (
    select existing_sessions.*
    from existing_sessions
    cross join replace_from
    left join cuts
        on existing_sessions.device_serial = cuts.device_serial
    where
        existing_sessions.session_date >= replace_from.session_date
        and (
            cuts.device_serial is null
            or coalesce(existing_sessions.started_at, existing_sessions.ended_at) < cuts.cut_at
            or (
                coalesce(existing_sessions.started_at, existing_sessions.ended_at) = cuts.cut_at
                and coalesce(existing_sessions.start_event_id, existing_sessions.end_event_id) < cuts.cut_event_id
            )
        )
),

{# The rows to write: the re-paired sessions, the kept ones, and for a replaced date left with
    no session one row, all NULL but its session_date, so the partition is overwritten (emptied). #}
rows_and_emptied_dates as (
    select
        {{ session_columns | join(',\n        ') }},
        session_date,
        true as is_session
    from sessions

    union all

    select
        {{ session_columns | join(',\n        ') }},
        session_date,
        true as is_session
    from kept_sessions

    union all

    select distinct
        null as {{ session_columns | join(',\n        null as ') }},
        existing_sessions.session_date,
        false as is_session
    from existing_sessions
    cross join replace_from
    where existing_sessions.session_date >= replace_from.session_date
),

rows_by_date as (
    select
        *,
        bool_or(is_session) over (partition by session_date) as date_has_session
    from rows_and_emptied_dates
),

final as (
    select
        {{ session_columns | join(',\n        ') }},
        session_date
    from rows_by_date
    where is_session or not date_has_session
)
{%- else -%}
final as (
    select * from sessions
)
{%- endif %}

select * from final

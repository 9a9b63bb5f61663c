{#-
    Incremental by session date: replaces whole `session_date` partitions (insert_overwrite on
    Iceberg, see macros/incremental/get_insert_overwrite_sql.sql). Which dates a run replaces
    (see _camera__models.yml): a camera's sessions can only change from its first newly
    ingested event onwards, so the run recomputes the dates of that camera's sessions that end
    at or after that event, are still open or timed out (its last event moved), before and
    after the change. The dates are left-joined to their recomputed sessions: a date whose
    recompute came out empty yields one row with a NULL recording_session_id, and the strategy
    empties that partition instead of keeping the stale sessions.
-#}
-- depends_on: {{ ref('int_camera_events_deduplicated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['session_date'],
    unique_key='recording_session_id',
    on_schema_change='append_new_columns',
) }}

{%- set reprocess = reprocess_date_spine('session_date') if is_incremental() else none %}

with

sessions as (
    select * from {{ ref('int_recording_sessions_paired') }}
),

{% if is_incremental() -%}
{%- if reprocess is none -%}
camera_events as (
    select * from {{ ref('int_camera_events_deduplicated') }}
),

existing_sessions as (
    select * from {{ this }}
),

watermark as (
    select coalesce(max(_ingested_at), timestamp '1970-01-01 00:00:00') as ingested_at
    from existing_sessions
),

devices_with_new_events as (
    select
        camera_events.device_serial,
        min(camera_events.event_at) as first_new_event_at
    from camera_events
    cross join watermark
    where camera_events._ingested_at > watermark.ingested_at
    group by camera_events.device_serial
),

affected_dates as (
    select sessions.session_date
    from sessions
    inner join devices_with_new_events
        on sessions.device_serial = devices_with_new_events.device_serial
    where
        sessions.ended_at is null
        or sessions.ended_at >= devices_with_new_events.first_new_event_at
        or sessions.end_reason = 'timed_out'

    union

    select existing_sessions.session_date
    from existing_sessions
    inner join devices_with_new_events
        on existing_sessions.device_serial = devices_with_new_events.device_serial
    where
        existing_sessions.ended_at is null
        or existing_sessions.ended_at >= devices_with_new_events.first_new_event_at
        or existing_sessions.end_reason = 'timed_out'
),

{%- else -%}
affected_dates as (
    {{ reprocess }}
),
{%- endif %}

sessions_to_write as (
    select
        sessions.*,
        affected_dates.session_date as partition_date
    from affected_dates
    left join sessions
        on affected_dates.session_date = sessions.session_date
),
{%- else %}
sessions_to_write as (
    select
        *,
        session_date as partition_date
    from sessions
),
{%- endif %}

final as (
    select
        recording_session_id,
        device_serial,
        device_model,
        firmware_version,
        started_at,
        ended_at,
        end_reason,
        duration_s,
        record_mode,
        record_resolution,
        record_fps,
        start_event_id,
        end_event_id,
        device_last_event_at,
        _ingested_at,
        partition_date as session_date
    from sessions_to_write
)

select * from final

-- Invariant: every deduplicated record_start opens exactly one recording session, and every
-- session with a start comes from a distinct record_start (per camera). Returns the cameras
-- where the two counts differ.
with

starts as (
    select
        device_serial,
        count(*) as record_starts
    from {{ ref('int_camera_events_deduplicated') }}
    where event_type = 'record_start'
    group by device_serial
),

sessions as (
    select
        device_serial,
        count(distinct start_event_id) as sessions_with_start,
        count(start_event_id) as session_starts
    from {{ ref('fct_recording_sessions') }}
    group by device_serial
)

select
    coalesce(starts.device_serial, sessions.device_serial) as device_serial,
    starts.record_starts,
    sessions.sessions_with_start,
    sessions.session_starts
from starts
full outer join sessions
    on starts.device_serial = sessions.device_serial
where
    coalesce(starts.record_starts, 0) != coalesce(sessions.sessions_with_start, 0)
    or coalesce(sessions.sessions_with_start, 0) != coalesce(sessions.session_starts, 0)

-- Invariant: on every grouping level of agg_device_usage_daily the additive measures add up
-- to the facts (each session and flight counted once per level, none lost by the joins).
-- Returns the levels whose totals differ from the facts.
with

levels as (
    select
        grouping_level,
        sum(recording_sessions) as recording_sessions,
        sum(flights) as flights
    from {{ ref('agg_device_usage_daily') }}
    group by grouping_level
),

session_totals as (
    select count(*) as recording_sessions
    from {{ ref('fct_recording_sessions') }}
),

flight_totals as (
    select count(*) as flights
    from {{ ref('fct_flights') }}
)

select
    levels.grouping_level,
    levels.recording_sessions,
    session_totals.recording_sessions as fact_recording_sessions,
    levels.flights,
    flight_totals.flights as fact_flights
from levels
cross join session_totals
cross join flight_totals
where
    levels.recording_sessions != session_totals.recording_sessions
    or levels.flights != flight_totals.flights

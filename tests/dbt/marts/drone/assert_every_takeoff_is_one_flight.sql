-- Invariant: every deduplicated takeoff is exactly one flight (per boot), clock-corrected or
-- not: flights are flagged, never dropped. Returns the boots where the counts differ.
with

takeoffs as (
    select
        boot_id,
        count(*) as takeoffs
    from {{ ref('int_drone_events_deduplicated') }}
    where event_type = 'takeoff'
    group by boot_id
),

flights as (
    select
        boot_id,
        count(*) as flights
    from {{ ref('fct_flights') }}
    group by boot_id
)

select
    coalesce(takeoffs.boot_id, flights.boot_id) as boot_id,
    takeoffs.takeoffs,
    flights.flights
from takeoffs
full outer join flights
    on takeoffs.boot_id = flights.boot_id
where coalesce(takeoffs.takeoffs, 0) != coalesce(flights.flights, 0)

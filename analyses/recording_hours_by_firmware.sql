-- How BI reads an OLAP aggregate: pick one grouping level, never sum across levels.
-- Recording hours and flights per product line and firmware over the whole period
-- (`dbt compile -s recording_hours_by_firmware`, then run the SQL in any client).
select
    product_line,
    firmware_version,
    active_devices,
    recording_sessions,
    recording_hours,
    flights,
    flight_minutes
from {{ ref('agg_device_usage_daily') }}
where grouping_level = 'product_line x firmware'
order by product_line, firmware_version

with

events as (
    select * from {{ ref('stg_drone__telemetry') }}
),

deduplicated as (
    {{ deduplicate(
        relation='events',
        unique_key='drone_event_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
    ) }}
)

select * from deduplicated

with

events as (
    select * from {{ ref('stg_camera__events') }}
),

deduplicated as (
    {{ deduplicate(
        relation='events',
        unique_key='camera_event_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
    ) }}
)

select * from deduplicated

{#-
    Incremental, merged on camera_event_id (Iceberg MERGE): a run reads every copy of each event
    that got a new copy since the newest `_last_ingested_at` here (incremental_key_filter), keeps
    the first landed copy and updates or inserts it, so a late copy only updates
    `landed_copies` and `_last_ingested_at`. Copies of an event share its `event_date` (the
    date of `event_ts`), so only the dates with new copies are rewritten.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='camera_event_id',
    partition_by=['event_date'],
    on_schema_change='append_new_columns',
) }}

with

events as (
    select * from {{ ref('stg_camera__events') }}
    where {{ incremental_key_filter(
        'camera_event_id',
        ref('stg_camera__events'),
        date_column='event_date',
        target_watermark_column='_last_ingested_at',
    ) }}
),

deduplicated as (
    {{ deduplicate(
        relation='events',
        unique_key='camera_event_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
        last_landed_column='_last_ingested_at',
    ) }}
)

select * from deduplicated

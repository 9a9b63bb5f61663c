{#-
    Incremental, merged on drone_event_id (Iceberg MERGE): a run reads every copy of each event
    that got a new copy since the newest `_last_ingested_at` here (incremental_key_filter), keeps
    the first landed copy and updates or inserts it, so a re-uploaded batch only updates
    `landed_copies` and `_last_ingested_at` of its events (on the first copy's landing date).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='drone_event_id',
    partition_by=['landing_date'],
    on_schema_change='append_new_columns',
) }}

with

events as (
    select * from {{ ref('stg_drone__telemetry') }}
    where {{ incremental_key_filter(
        'drone_event_id',
        ref('stg_drone__telemetry'),
        date_column='landing_date',
        target_watermark_column='_last_ingested_at',
    ) }}
),

deduplicated as (
    {{ deduplicate(
        relation='events',
        unique_key='drone_event_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
        last_landed_column='_last_ingested_at',
    ) }}
)

select * from deduplicated

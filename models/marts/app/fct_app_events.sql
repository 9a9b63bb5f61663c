{#-
    Incremental, merged on app_event_id (Iceberg MERGE): a run reads every copy of each event
    that received a new copy (incremental_key_filter), keeps the latest, and updates or inserts
    it, wherever its date was before. Partitioned by event_date. Every attribute the app adds
    later (dynamic DDL upstream) reaches this table by itself: the known columns are listed,
    the rest are carried through from the staged view and appended to the table
    (on_schema_change='append_new_columns').
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='app_event_id',
    partition_by=['event_date'],
    on_schema_change='append_new_columns',
) }}

{%- set listed_columns = [
    'app_event_id', 'event_name', 'event_at', 'user_id', 'device_serial', 'platform',
    'app_version', 'country_code', 'locale', 'screen_name', 'duration_ms', 'tags_json',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data',
    'event_date',
] %}

with

events as (
    select * from {{ ref('stg_app__events') }}
    where {{ incremental_key_filter('app_event_id', ref('stg_app__events'), date_column='event_date') }}
),

deduplicated as (
    {{ deduplicate(
        relation='events',
        unique_key='app_event_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
    ) }}
),

final as (
    select
        app_event_id,
        event_name,
        event_at,
        user_id,
        device_serial,
        platform,
        app_version,
        country_code,
        locale,
        screen_name,
        duration_ms,
        tags_json,
        {{ carry_through_columns(ref('stg_app__events'), exclude=listed_columns) }}
        landed_copies,
        _rescued_data,
        _ingest_run_id,
        _ingested_at,
        event_date
    from deduplicated
)

select * from final

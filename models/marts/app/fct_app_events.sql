{#-
    Incremental by event date; every attribute the app adds later (dynamic DDL upstream)
    reaches this table by itself: the known columns are listed, the rest are carried through
    from the staged view and appended to the table (on_schema_change='append_new_columns').
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
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
    where {{ incremental_partition_filter('event_date', ref('stg_app__events')) }}
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

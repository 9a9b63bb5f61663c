{#- Every other raw column (drift: properties_media_count, properties_experiment_variant, ...) flows through. -#}
{%- set handled_columns = [
    'event_id', 'event_name', 'ts', 'user_id', 'device_serial', 'platform', 'app_version',
    'context_country', 'context_locale', 'properties_screen', 'properties_duration_ms',
    'properties_tags',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('app', 'app_events') }}
),

renamed as (
    select
        event_id as app_event_id,
        event_name,
        to_timestamp(ts) as event_at,
        user_id,
        device_serial,
        platform,
        app_version,
        upper(context_country) as country_code,
        context_locale as locale,
        properties_screen as screen_name,
        cast(properties_duration_ms as bigint) as duration_ms,
        properties_tags as tags_json,
        {{ carry_through_columns(source('app', 'app_events'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date
    from source
)

select * from renamed

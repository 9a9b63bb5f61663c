{#- original key path -> raw column; the first mapping wins (a crash can repeat a row). -#}
{%- set handled_columns = [
    'table_name', 'column_name', 'original_path', 'path_json', 'data_type', 'first_run_id',
    'first_source_file', 'first_seen_at',
] -%}

with

source as (
    select * from {{ source('ingest_meta', 'column_map') }}
),

renamed as (
    select
        {{ surrogate_key(['table_name', 'column_name']) }} as raw_column_id,
        table_name as raw_table_name,
        column_name,
        original_path,
        path_json,
        data_type,
        first_run_id as first_ingest_run_id,
        first_source_file,
        {{ carry_through_columns(source('ingest_meta', 'column_map'), exclude=handled_columns) }}
        cast(first_seen_at as timestamp) as first_seen_at
    from source
),

deduplicated as (
    {{ deduplicate(
        relation='renamed',
        unique_key='raw_column_id',
        order_by=['first_seen_at'],
        copies_column='logged_copies',
    ) }}
)

select * from deduplicated

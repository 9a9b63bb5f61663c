{#- One row per applied DDL change; `create_table` rows have an empty column name. -#}
{%- set handled_columns = [
    'run_id', 'table_name', 'column_name', 'data_type', 'change', 'original_path', 'ddl',
    'source_file', 'changed_at',
] -%}

with

source as (
    select * from {{ source('ingest_meta', 'schema_changes') }}
),

renamed as (
    select
        {{ surrogate_key(['run_id', 'table_name', 'column_name', 'change']) }} as schema_change_id,
        run_id as ingest_run_id,
        table_name as raw_table_name,
        nullif(column_name, '') as column_name,
        nullif(data_type, '') as data_type,
        change as change_type,
        nullif(original_path, '') as original_path,
        ddl as ddl_statement,
        source_file,
        {{ carry_through_columns(source('ingest_meta', 'schema_changes'), exclude=handled_columns) }}
        cast(changed_at as timestamp) as changed_at
    from source
),

deduplicated as (
    {{ deduplicate(
        relation='renamed',
        unique_key='schema_change_id',
        order_by=['changed_at'],
        copies_column='logged_copies',
    ) }}
)

select * from deduplicated

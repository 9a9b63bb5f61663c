{%- set handled_columns = [
    'run_id', 'table_name', 'column_name', 'data_type', 'change', 'source_file', 'changed_at',
] -%}

with

source as (
    select * from {{ source('ingest_meta', 'schema_changes') }}
),

renamed as (
    select
        {{ surrogate_key(['run_id', 'table_name', 'column_name', 'change']) }} as schema_change_id,
        run_id as ingest_run_id,
        table_name,
        column_name,
        data_type,
        change as change_type,
        source_file,
        {{ carry_through_columns(source('ingest_meta', 'schema_changes'), exclude=handled_columns) }}
        cast(changed_at as timestamp) as changed_at
    from source
)

select * from renamed

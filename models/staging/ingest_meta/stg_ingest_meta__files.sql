{#- A crash between two ingest steps can repeat a manifest row: keep one per file version and run. -#}
{%- set handled_columns = [
    'file_uri', 'size', 'fingerprint', 'run_id', 'source', 'table_name', 'rows_read',
    'rows_written', 'rows_quarantined', 'status', 'committed_at',
] -%}

with

source as (
    select * from {{ source('ingest_meta', 'files') }}
),

renamed as (
    select
        {{ surrogate_key(['file_uri', 'fingerprint', 'run_id']) }} as ingested_file_id,
        file_uri,
        cast(size as bigint) as size_bytes,
        fingerprint,
        run_id as ingest_run_id,
        source as source_name,
        table_name as raw_table_name,
        cast(rows_read as bigint) as rows_read,
        cast(rows_written as bigint) as rows_written,
        cast(rows_quarantined as bigint) as rows_quarantined,
        status as file_status,
        {{ carry_through_columns(source('ingest_meta', 'files'), exclude=handled_columns) }}
        cast(committed_at as timestamp) as committed_at
    from source
),

deduplicated as (
    {{ deduplicate(
        relation='renamed',
        unique_key='ingested_file_id',
        order_by=['committed_at'],
        copies_column='logged_copies',
    ) }}
)

select * from deduplicated

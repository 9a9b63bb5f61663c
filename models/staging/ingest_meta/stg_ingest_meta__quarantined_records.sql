{%- set handled_columns = [
    'run_id', 'source', 'table_name', 'file_uri', 'line', 'raw', 'reason', 'quarantined_at',
] -%}

with

source as (
    select * from {{ source('ingest_meta', 'quarantine') }}
),

renamed as (
    select
        {{ surrogate_key(['file_uri', 'line', 'run_id']) }} as quarantined_record_id,
        run_id as ingest_run_id,
        source as source_name,
        table_name as raw_table_name,
        file_uri,
        cast(line as bigint) as line_number,
        raw as raw_text,
        reason,
        {{ carry_through_columns(source('ingest_meta', 'quarantine'), exclude=handled_columns) }}
        cast(quarantined_at as timestamp) as quarantined_at
    from source
),

deduplicated as (
    {{ deduplicate(
        relation='renamed',
        unique_key='quarantined_record_id',
        order_by=['quarantined_at'],
        copies_column='logged_copies',
    ) }}
)

select * from deduplicated

{%- set handled_columns = ['run_id', 'started_at', 'ended_at', 'status'] -%}

with

source as (
    select * from {{ source('ingest_meta', 'runs') }}
),

renamed as (
    select
        run_id as ingest_run_id,
        status as run_status,
        {{ carry_through_columns(source('ingest_meta', 'runs'), exclude=handled_columns) }}
        cast(started_at as timestamp) as started_at,
        cast(ended_at as timestamp) as ended_at
    from source
)

select * from renamed

{#- ingest_meta.runs is an event log: a run writes a row when it starts and when it ends. -#}
{%- set handled_columns = ['run_id', 'command', 'status', 'event_at', 'detail'] -%}

with

source as (
    select * from {{ source('ingest_meta', 'runs') }}
),

renamed as (
    select
        {{ surrogate_key(['run_id', 'command', 'status', 'event_at']) }} as run_event_id,
        run_id as ingest_run_id,
        command,
        status as run_status,
        detail as detail_json,
        {{ carry_through_columns(source('ingest_meta', 'runs'), exclude=handled_columns) }}
        cast(event_at as timestamp) as event_at
    from source
),

deduplicated as (
    {{ deduplicate(
        relation='renamed',
        unique_key='run_event_id',
        order_by=['event_at'],
        copies_column='logged_copies',
    ) }}
)

select * from deduplicated

{#- Every other raw column (new info keys: info_ver_sw_branch, ...) flows through unchanged. -#}
{%- set handled_columns = [
    'info_sys_uuid', 'info_ver_hw', 'info_sys_name', 'started_at', 'ended_at', 'duration_s',
    'utc_offset_us', 'data_messages', 'dropouts', '_source_file', '_source_line',
    '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('px4', 'px4_logs') }}
),

renamed as (
    select
        _source_file as log_file,
        info_sys_uuid as device_serial,
        info_ver_hw as hardware,
        info_sys_name as system_name,
        to_timestamp(started_at) as started_at,
        to_timestamp(ended_at) as ended_at,
        cast(duration_s as double) as duration_s,
        cast(utc_offset_us as bigint) as utc_offset_us,
        cast(data_messages as bigint) as data_messages,
        cast(dropouts as int) as dropouts,
        {{ carry_through_columns(source('px4', 'px4_logs'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as log_date
    from source
)

select * from renamed

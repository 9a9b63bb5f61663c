{#- Every other raw column (eph, satellites_used, ...) flows through unchanged. -#}
{%- set handled_columns = [
    '_position', 'multi_id', 'timestamp', 'timestamp_utc_us', 'latitude_deg', 'longitude_deg',
    'altitude_msl_m', 'vel_m_s', 'fix_type', '_source_file', '_source_line', '_ingest_run_id',
    '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('px4', 'px4_logs__vehicle_gps_position') }}
),

renamed as (
    select
        _source_file as log_file,
        _position as message_index,
        cast(multi_id as int) as gps_instance,
        cast(timestamp as bigint) as boot_time_us,
        timestamp_micros(timestamp_utc_us) as measured_at,
        cast(latitude_deg as double) as latitude,
        cast(longitude_deg as double) as longitude,
        cast(altitude_msl_m as double) as altitude_msl_m,
        cast(vel_m_s as double) as speed_mps,
        cast(fix_type as int) as fix_type,
        {{ carry_through_columns(source('px4', 'px4_logs__vehicle_gps_position'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as log_date
    from source
)

select * from renamed

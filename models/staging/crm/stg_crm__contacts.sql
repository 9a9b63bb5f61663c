{#- Every other raw column flows through unchanged. -#}
{%- set handled_columns = [
    'contact_id', 'email', 'first_name', 'last_name', 'country', 'created_at', 'marketing_opt_in',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('crm', 'crm_contacts') }}
),

renamed as (
    select
        cast(contact_id as string) as contact_id,
        lower(trim(email)) as email,
        first_name,
        last_name,
        upper(trim(country)) as country_code,
        to_timestamp(cast(created_at as string)) as created_at,
        cast(marketing_opt_in as boolean) as is_marketing_opt_in,
        {{ carry_through_columns(source('crm', 'crm_contacts'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as landing_date
    from source
)

select * from renamed

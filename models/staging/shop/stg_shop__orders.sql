{#- Every other raw column (e.g. discount_code, added by a later header) flows through unchanged. -#}
{%- set handled_columns = [
    'order_id', 'order_date', 'customer_email', 'product_sku', 'quantity', 'unit_price',
    'currency', 'country',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data', 'event_date',
] -%}

with

source as (
    select * from {{ source('shop', 'shop_orders') }}
),

renamed as (
    select
        cast(order_id as string) as order_id,
        to_timestamp(cast(order_date as string)) as ordered_at,
        lower(trim(customer_email)) as customer_email,
        upper(trim(product_sku)) as product_sku,
        cast(quantity as int) as quantity,
        cast(unit_price as decimal(12, 2)) as unit_price,
        upper(currency) as currency_code,
        upper(trim(country)) as country_code,
        {{ carry_through_columns(source('shop', 'shop_orders'), exclude=handled_columns) }}
        _source_file,
        _source_line,
        _ingest_run_id,
        _ingested_at,
        _rescued_data,
        event_date as order_date
    from source
)

select * from renamed

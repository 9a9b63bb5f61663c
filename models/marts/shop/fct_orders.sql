{#-
    Incremental, merged on order_id (Iceberg MERGE): a run reads every copy of each order that
    received a new copy (incremental_key_filter), keeps the latest, and updates or inserts it.
    Partitioned by order_date. Later CSV headers dropped `Currency`: the order's currency falls
    back to the local currency of its country (is_currency_inferred). Columns the shop adds later
    are carried through and appended (on_schema_change='append_new_columns').
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='order_id',
    partition_by=['order_date'],
    on_schema_change='append_new_columns',
) }}

{%- set listed_columns = [
    'order_id', 'ordered_at', 'customer_email', 'product_sku', 'quantity', 'unit_price',
    'currency_code', 'country_code',
    '_source_file', '_source_line', '_ingest_run_id', '_ingested_at', '_rescued_data',
    'order_date',
] %}

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
    where {{ incremental_key_filter('order_id', ref('stg_shop__orders'), date_column='order_date') }}
),

products as (
    select * from {{ ref('product_catalog') }}
),

countries as (
    select * from {{ ref('country_regions') }}
),

deduplicated as (
    {{ deduplicate(
        relation='orders',
        unique_key='order_id',
        order_by=['_ingested_at', '_source_file', '_source_line'],
    ) }}
),

final as (
    select
        deduplicated.order_id,
        deduplicated.ordered_at,
        deduplicated.customer_email,
        deduplicated.product_sku,
        products.product_line,
        deduplicated.quantity,
        deduplicated.unit_price,
        deduplicated.quantity * deduplicated.unit_price as gross_amount,
        coalesce(deduplicated.currency_code, countries.currency_code) as currency_code,
        deduplicated.currency_code is null as is_currency_inferred,
        deduplicated.country_code,
        {{ carry_through_columns(
            ref('stg_shop__orders'), exclude=listed_columns, qualifier='deduplicated'
        ) }}
        deduplicated.landed_copies,
        deduplicated._rescued_data,
        deduplicated._ingest_run_id,
        deduplicated._ingested_at,
        deduplicated.order_date
    from deduplicated
    left join products
        on deduplicated.product_sku = products.model_code
    left join countries
        on deduplicated.country_code = countries.country_code
)

select * from final

{#-
    Shop sales OLAP cube over day x product line x region (every combination, `cube`).
    Amounts are in several currencies, so the cube counts orders, units and customers; revenue
    stays per currency in fct_orders.
-#}

{%- set dimensions = [
    ['order_date', 'day'],
    ['product_line', 'product_line'],
    ['region', 'region'],
] %}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

countries as (
    select * from {{ ref('country_regions') }}
),

order_lines as (
    select
        orders.order_date,
        coalesce(orders.product_line, 'unknown') as product_line,
        coalesce(countries.region, 'unknown') as region,
        orders.order_id,
        orders.customer_email,
        orders.quantity
    from orders
    left join countries
        on orders.country_code = countries.country_code
),

aggregated as (
    select
        order_date,
        product_line,
        region,
        grouping_id() as grouping_id,
        {{ grouping_level_label(dimensions) }} as grouping_level,
        count(distinct order_id) as orders,
        sum(quantity) as units,
        count(distinct customer_email) as customers
    from order_lines
    group by cube (order_date, product_line, region)
),

final as (
    select
        {{ surrogate_key(['grouping_id', 'order_date', 'product_line', 'region']) }} as sales_id,
        grouping_id,
        grouping_level,
        order_date,
        product_line,
        region,
        orders,
        units,
        customers
    from aggregated
)

select * from final

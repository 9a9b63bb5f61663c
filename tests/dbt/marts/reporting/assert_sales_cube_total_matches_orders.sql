-- Invariant: the grand total of the sales cube counts every order and unit of fct_orders
-- once, and the cube holds every level of day x product_line x region (2^3 = 8 levels).
with

cube_total as (
    select
        orders,
        units
    from {{ ref('agg_sales_daily') }}
    where grouping_level = 'total'
),

order_totals as (
    select
        count(*) as orders,
        sum(quantity) as units
    from {{ ref('fct_orders') }}
),

levels as (
    select count(distinct grouping_level) as grouping_levels
    from {{ ref('agg_sales_daily') }}
)

select
    cube_total.orders as cube_orders,
    order_totals.orders as fact_orders,
    cube_total.units as cube_units,
    order_totals.units as fact_units,
    levels.grouping_levels
from cube_total
cross join order_totals
cross join levels
where
    cube_total.orders != order_totals.orders
    or cube_total.units != order_totals.units
    or levels.grouping_levels != 8

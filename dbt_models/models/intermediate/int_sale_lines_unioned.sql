-- Online order lines and store sale lines in one shape.
with online_lines as (
    select * from {{ ref('stg_order_lines') }}
),

store_lines as (
    select * from {{ ref('stg_store_sale_lines') }}
),

unioned as (
    select
        order_id,
        line_number,
        channel,
        cast(null as string) as store_id,
        customer_id,
        ordered_at,
        order_date,
        product_id,
        quantity,
        unit_price_cents,
        line_total_cents,
        discount_cents
    from online_lines

    union all

    select
        sale_id as order_id,
        line_number,
        'store' as channel,
        store_id,
        customer_id,
        sold_at as ordered_at,
        sale_date as order_date,
        product_id,
        quantity,
        unit_price_cents,
        line_total_cents,
        discount_cents
    from store_lines
)

select * from unioned

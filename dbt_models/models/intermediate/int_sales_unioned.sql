-- Online orders and store sales in one shape: a store sale is an order in the store channel.
with online_orders as (
    select * from {{ ref('stg_orders') }}
),

store_sales as (
    select * from {{ ref('stg_store_sales') }}
),

unioned as (
    select
        order_id,
        channel,
        cast(null as string) as store_id,
        customer_id,
        session_id,
        ordered_at,
        order_date,
        subtotal_cents,
        discount_cents,
        tax_cents,
        total_cents,
        currency,
        payment_method,
        promotion_id,
        line_count,
        item_count,
        is_late
    from online_orders

    union all

    select
        sale_id as order_id,
        'store' as channel,
        store_id,
        customer_id,
        cast(null as string) as session_id,
        sold_at as ordered_at,
        sale_date as order_date,
        subtotal_cents,
        discount_cents,
        tax_cents,
        total_cents,
        currency,
        payment_method,
        promotion_id,
        line_count,
        item_count,
        is_late
    from store_sales
)

select * from unioned

with source as (
    select * from {{ source('silver', 'orders') }}
),

renamed as (
    select
        order_id,
        customer_id,
        session_id,
        channel,
        event_time as ordered_at,
        cast(event_time as date) as order_date,
        subtotal_cents,
        discount_cents,
        tax_cents,
        total_cents,
        currency,
        payment_method,
        promotion_id,
        shipping_city,
        line_count,
        item_count,
        is_late
    from source
)

select * from renamed

with source as (
    select * from {{ source('silver', 'order_lines') }}
),

renamed as (
    select
        order_id,
        line_number,
        customer_id,
        channel,
        event_time as ordered_at,
        cast(event_time as date) as order_date,
        product_id,
        quantity,
        unit_price_cents,
        line_total_cents,
        discount_cents
    from source
)

select * from renamed

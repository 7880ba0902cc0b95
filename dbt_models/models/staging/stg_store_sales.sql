with source as (
    select * from {{ source('silver', 'store_sales') }}
),

renamed as (
    select
        sale_id,
        store_id,
        customer_id,
        register_id,
        event_time as sold_at,
        cast(event_time as date) as sale_date,
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
    from source
)

select * from renamed

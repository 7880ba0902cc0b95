with source as (
    select * from {{ source('silver', 'store_sale_lines') }}
),

renamed as (
    select
        sale_id,
        line_number,
        store_id,
        customer_id,
        event_time as sold_at,
        cast(event_time as date) as sale_date,
        product_id,
        quantity,
        unit_price_cents,
        line_total_cents,
        discount_cents
    from source
)

select * from renamed

with source as (
    select * from {{ source('silver', 'clickstream') }}
),

renamed as (
    select
        event_id as click_id,
        event_type,
        event_time as clicked_at,
        session_id,
        visitor_id,
        customer_id,
        channel,
        device,
        page_type,
        product_id,
        quantity,
        unit_price_cents,
        order_id,
        is_late
    from source
)

select * from renamed

with source as (
    select * from {{ source('silver', 'sessions') }}
),

renamed as (
    select
        session_key,
        visitor_id,
        customer_id,
        channel,
        device,
        session_start as started_at,
        session_end as ended_at,
        cast(session_start as date) as session_date,
        duration_s as duration_seconds,
        events as event_count,
        pages as page_count,
        product_views as product_view_count,
        cart_adds as cart_add_count,
        converted as is_converted,
        order_id
    from source
)

select * from renamed

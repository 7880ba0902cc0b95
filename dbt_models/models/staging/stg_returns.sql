with source as (
    select * from {{ source('silver', 'returns') }}
),

renamed as (
    select
        return_id,
        order_id,
        customer_id,
        purchase_channel,
        return_channel,
        location_id,
        event_time as returned_at,
        cast(event_time as date) as return_date,
        refund_cents,
        reason as return_reason,
        item_count
    from source
)

select * from renamed

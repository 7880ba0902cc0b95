with source as (
    select * from {{ source('silver', 'order_status') }}
),

renamed as (
    select
        event_id as status_event_id,
        event_type as status_event,
        event_time as changed_at,
        order_id,
        customer_id,
        status,
        payment_method,
        amount_cents,
        carrier,
        reason as status_reason
    from source
)

select * from renamed

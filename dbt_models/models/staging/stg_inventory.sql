with source as (
    select * from {{ source('silver', 'inventory') }}
),

renamed as (
    select
        event_id as movement_id,
        event_type as movement_type,
        event_time as moved_at,
        cast(event_time as date) as movement_date,
        location_id,
        location_type,
        product_id,
        quantity_delta,
        stock_after,
        reference_id
    from source
)

select * from renamed

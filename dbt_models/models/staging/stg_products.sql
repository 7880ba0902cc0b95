with source as (
    select * from {{ source('silver', 'products') }}
),

renamed as (
    select
        product_id,
        name as product_name,
        category,
        brand,
        list_price_cents,
        unit_cost_cents,
        updated_at
    from source
)

select * from renamed

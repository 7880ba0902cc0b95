-- silver.stores holds every location: stores and warehouses (location_type).
with source as (
    select * from {{ source('silver', 'stores') }}
),

renamed as (
    select
        location_id,
        location_type,
        name as location_name,
        city,
        region,
        latitude,
        longitude,
        timezone,
        opens_at as opening_time,
        closes_at as closing_time,
        updated_at
    from source
)

select * from renamed

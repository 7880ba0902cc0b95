-- Every location that sells or holds stock: retail stores and warehouses.
with locations as (
    select * from {{ ref('stg_locations') }}
),

final as (
    select
        location_id,
        location_type,
        location_name,
        city,
        region,
        latitude,
        longitude,
        timezone,
        opening_time,
        closing_time,
        location_type = 'store' as is_store,
        updated_at
    from locations
)

select * from final

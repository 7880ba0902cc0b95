with source as (
    select * from {{ source('silver', 'customers') }}
),

renamed as (
    select
        customer_id,
        full_name,
        email,
        home_city,
        home_region,
        signup_time as signed_up_at,
        preferred_channel,
        preferred_device,
        loyalty_member as is_loyalty_member,
        updated_at
    from source
)

select * from renamed

with products as (
    select * from {{ ref('stg_products') }}
),

final as (
    select
        product_id,
        product_name,
        category,
        brand,
        list_price_cents,
        unit_cost_cents,
        list_price_cents - unit_cost_cents as unit_margin_cents,
        case when list_price_cents > 0
            then round((list_price_cents - unit_cost_cents) / list_price_cents, 4)
        end as margin_ratio,
        updated_at
    from products
)

select * from final

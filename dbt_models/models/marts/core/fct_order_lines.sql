{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_line_id',
        partition_by=['order_date'],
    )
}}
-- One row per line of an order in every channel (online order lines and store sale
-- lines), with the product's current unit cost for a margin estimate.

with lines as (
    select * from {{ ref('int_sale_lines_unioned') }}
    {% if is_incremental() %}
    where ordered_at >= {{ incremental_window_start('ordered_at') }}
    {% endif %}
),

products as (
    select * from {{ ref('stg_products') }}
),

final as (
    select
        {{ surrogate_key(['lines.order_id', 'lines.line_number']) }} as order_line_id,
        lines.order_id,
        lines.line_number,
        lines.channel,
        lines.store_id,
        lines.customer_id,
        lines.product_id,
        lines.ordered_at,
        lines.order_date,
        lines.quantity,
        lines.unit_price_cents,
        lines.line_total_cents,
        lines.discount_cents,
        -- Cost at today's unit cost: silver keeps the latest product state only.
        lines.quantity * products.unit_cost_cents as cost_cents,
        lines.line_total_cents - lines.quantity * products.unit_cost_cents as margin_cents
    from lines
    left join products
        on lines.product_id = products.product_id
)

select * from final

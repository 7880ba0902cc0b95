{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        partition_by=['order_date'],
    )
}}
-- One row per order in every channel: online orders (web, app) with their fulfilment
-- status, and store sales (complete at the register).
--
-- Incremental: an online order changes after it is placed (paid, shipped, delivered,
-- cancelled), so a run re-reads the orders placed in the window and every order whose
-- status changed in it.

with sales as (
    select * from {{ ref('int_sales_unioned') }}
),

statuses as (
    select * from {{ ref('int_order_status_pivoted') }}
),

status_changes as (
    select * from {{ ref('stg_order_status') }}
),

{% if is_incremental() %}
window_start as (
    select {{ incremental_window_start('ordered_at') }} as window_start
),

touched_orders as (
    select sales.order_id
    from sales
    cross join window_start
    where sales.ordered_at >= window_start.window_start
    union
    select status_changes.order_id
    from status_changes
    cross join window_start
    where status_changes.changed_at >= window_start.window_start
),

sales_in_scope as (
    select sales.*
    from sales
    left semi join touched_orders
        on sales.order_id = touched_orders.order_id
),
{% else %}
sales_in_scope as (
    select * from sales
),
{% endif %}

final as (
    select
        sales_in_scope.order_id,
        sales_in_scope.channel,
        sales_in_scope.store_id,
        sales_in_scope.customer_id,
        sales_in_scope.session_id,
        sales_in_scope.ordered_at,
        sales_in_scope.order_date,
        sales_in_scope.subtotal_cents,
        sales_in_scope.discount_cents,
        sales_in_scope.tax_cents,
        sales_in_scope.total_cents,
        sales_in_scope.currency,
        sales_in_scope.payment_method,
        sales_in_scope.promotion_id,
        sales_in_scope.line_count,
        sales_in_scope.item_count,
        -- A store sale is paid at the register; an online order without a status event yet is placed.
        case
            when sales_in_scope.channel = 'store' then 'completed'
            else coalesce(statuses.latest_status, 'placed')
        end as order_status,
        statuses.paid_at,
        statuses.shipped_at,
        statuses.delivered_at,
        statuses.cancelled_at,
        -- Revenue counts every order that was not cancelled and whose payment did not fail.
        coalesce(statuses.latest_status, '') not in ('cancelled', 'payment_failed') as is_revenue,
        sales_in_scope.is_late
    from sales_in_scope
    left join statuses
        on sales_in_scope.order_id = statuses.order_id
)

select * from final

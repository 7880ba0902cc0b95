{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='daily_store_sales_id',
        partition_by=['sale_date'],
    )
}}
-- One row per store and day with sales: register takings and in-store refunds.
-- Incremental runs recompute whole days from the start of the window's day.

{% if is_incremental() %}
{% set day_window %}date_trunc('day', {{ incremental_window_start('cast(sale_date as timestamp)') }}){% endset %}
{% endif %}

with store_sales as (
    select * from {{ ref('stg_store_sales') }}
    {% if is_incremental() %}
    where sold_at >= {{ day_window }}
    {% endif %}
),

store_returns as (
    select * from {{ ref('stg_returns') }}
    where return_channel = 'store'
    {% if is_incremental() %}
        and returned_at >= {{ day_window }}
    {% endif %}
),

daily_sales as (
    select
        store_id,
        sale_date,
        count(*) as transaction_count,
        count(distinct customer_id) as identified_customer_count,
        sum(item_count) as items_sold,
        sum(subtotal_cents) as gross_sales_cents,
        sum(discount_cents) as discount_cents,
        sum(tax_cents) as tax_cents,
        sum(total_cents) as revenue_cents
    from store_sales
    group by store_id, sale_date
),

daily_returns as (
    select
        location_id as store_id,
        return_date as sale_date,
        count(*) as return_count,
        sum(refund_cents) as refund_cents
    from store_returns
    group by location_id, return_date
),

final as (
    select
        {{ surrogate_key(['daily_sales.store_id', 'daily_sales.sale_date']) }} as daily_store_sales_id,
        daily_sales.store_id,
        daily_sales.sale_date,
        daily_sales.transaction_count,
        daily_sales.identified_customer_count,
        daily_sales.items_sold,
        daily_sales.gross_sales_cents,
        daily_sales.discount_cents,
        daily_sales.tax_cents,
        daily_sales.revenue_cents,
        cast(round(daily_sales.revenue_cents / daily_sales.transaction_count) as bigint) as avg_basket_cents,
        coalesce(daily_returns.return_count, 0) as return_count,
        coalesce(daily_returns.refund_cents, 0) as refund_cents
    from daily_sales
    -- Refunds on a day without sales at that store are left out of this sales fact (see fct_returns).
    left join daily_returns
        on daily_sales.store_id = daily_returns.store_id
        and daily_sales.sale_date = daily_returns.sale_date
)

select * from final

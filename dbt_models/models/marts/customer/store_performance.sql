-- Each store's performance over its trading history and the last two weeks, ranked
-- within its region.

with daily as (
    select * from {{ ref('fct_daily_store_sales') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
    where is_store
),

last_day as (
    select max(sale_date) as last_sale_date from daily
),

per_store as (
    select
        daily.store_id,
        count(*) as trading_days,
        sum(daily.transaction_count) as transaction_count,
        sum(daily.items_sold) as items_sold,
        sum(daily.revenue_cents) as revenue_cents,
        sum(daily.refund_cents) as refund_cents,
        sum(case when daily.sale_date > date_sub(last_day.last_sale_date, 7)
            then daily.revenue_cents else 0 end) as revenue_last_7d_cents,
        sum(case when daily.sale_date <= date_sub(last_day.last_sale_date, 7)
                  and daily.sale_date > date_sub(last_day.last_sale_date, 14)
            then daily.revenue_cents else 0 end) as revenue_prior_7d_cents
    from daily
    cross join last_day
    group by daily.store_id
),

final as (
    select
        stores.location_id as store_id,
        stores.location_name as store_name,
        stores.city,
        stores.region,
        coalesce(per_store.trading_days, 0) as trading_days,
        coalesce(per_store.transaction_count, 0) as transaction_count,
        coalesce(per_store.items_sold, 0) as items_sold,
        coalesce(per_store.revenue_cents, 0) as revenue_cents,
        coalesce(per_store.refund_cents, 0) as refund_cents,
        cast(round(per_store.revenue_cents / nullif(per_store.transaction_count, 0)) as bigint) as avg_basket_cents,
        round(per_store.items_sold / nullif(per_store.transaction_count, 0), 2) as items_per_transaction,
        cast(round(per_store.revenue_cents / nullif(per_store.trading_days, 0)) as bigint) as revenue_per_trading_day_cents,
        round(per_store.refund_cents / nullif(per_store.revenue_cents, 0), 4) as refund_rate,
        coalesce(per_store.revenue_last_7d_cents, 0) as revenue_last_7d_cents,
        coalesce(per_store.revenue_prior_7d_cents, 0) as revenue_prior_7d_cents,
        round(per_store.revenue_last_7d_cents / nullif(per_store.revenue_prior_7d_cents, 0) - 1, 4) as week_over_week_growth,
        rank() over (partition by stores.region order by coalesce(per_store.revenue_cents, 0) desc) as revenue_rank_in_region,
        round(coalesce(per_store.revenue_cents, 0)
            / nullif(sum(coalesce(per_store.revenue_cents, 0)) over (partition by stores.region), 0), 4)
            as revenue_share_of_region
    from stores
    left join per_store
        on stores.location_id = per_store.store_id
)

select * from final

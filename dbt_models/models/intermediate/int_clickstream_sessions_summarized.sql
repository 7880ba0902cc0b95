{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='session_id',
        partition_by=['session_date'],
    )
}}
-- One row per clickstream session (the simulator's session_id): which funnel steps it
-- reached and the value it put in the cart. Materialized (incremental) because the
-- clickstream is the largest silver table and two marts read this summary.

with clicks as (
    select * from {{ ref('stg_clickstream') }}
    {% if is_incremental() %}
    -- Sessions last well under a day: re-reading one more day than the window keeps
    -- sessions that straddle the window's start whole.
    where clicked_at >= {{ incremental_window_start('started_at') }} - interval 1 day
    {% endif %}
),

summarized as (
    select
        session_id,
        min_by(channel, clicked_at) as channel,
        min_by(device, clicked_at) as device,
        max(customer_id) as customer_id,
        min(clicked_at) as started_at,
        cast(min(clicked_at) as date) as session_date,
        count(*) as event_count,
        max(case when event_type = 'product_view' then 1 else 0 end) = 1 as has_product_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_cart_add,
        max(case when event_type = 'checkout_start' then 1 else 0 end) = 1 as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) = 1 as has_purchase,
        coalesce(sum(case when event_type = 'add_to_cart' then quantity * unit_price_cents end), 0)
            as cart_added_cents,
        coalesce(sum(case when event_type = 'remove_from_cart' then quantity * unit_price_cents end), 0)
            as cart_removed_cents
    from clicks
    group by session_id
)

select * from summarized

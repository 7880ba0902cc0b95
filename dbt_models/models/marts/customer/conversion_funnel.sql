-- The web/app funnel per day, channel and device: sessions, then those that viewed a
-- product, added to the cart, started checkout and purchased (each step counts sessions
-- that reached it, whatever the order of their clicks).

with sessions as (
    select * from {{ ref('int_clickstream_sessions_summarized') }}
),

daily as (
    select
        session_date,
        channel,
        device,
        count(*) as sessions,
        count_if(has_product_view) as product_view_sessions,
        count_if(has_cart_add) as cart_sessions,
        count_if(has_checkout) as checkout_sessions,
        count_if(has_purchase) as purchase_sessions
    from sessions
    group by session_date, channel, device
),

-- Calendar and channel attributes, so the funnel can be read by weekday or weekend.
dates as (
    select date_day, day_name, is_weekend from {{ ref('dim_date') }}
),

channels as (
    select channel, channel_name from {{ ref('dim_channel') }}
),

final as (
    select
        {{ surrogate_key(['daily.session_date', 'daily.channel', 'daily.device']) }} as funnel_id,
        daily.session_date,
        dates.day_name,
        dates.is_weekend,
        daily.channel,
        channels.channel_name,
        daily.device,
        sessions,
        product_view_sessions,
        cart_sessions,
        checkout_sessions,
        purchase_sessions,
        round(product_view_sessions / sessions, 4) as product_view_rate,
        round(cart_sessions / nullif(product_view_sessions, 0), 4) as view_to_cart_rate,
        round(checkout_sessions / nullif(cart_sessions, 0), 4) as cart_to_checkout_rate,
        round(purchase_sessions / nullif(checkout_sessions, 0), 4) as checkout_to_purchase_rate,
        round(purchase_sessions / sessions, 4) as conversion_rate
    from daily
    left join dates on daily.session_date = dates.date_day
    left join channels on daily.channel = channels.channel
)

select * from final

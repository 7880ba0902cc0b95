-- Carts left behind per day and channel: sessions that added to the cart without a
-- purchase, those that got as far as checkout, and the value they left in the cart.

with sessions as (
    select * from {{ ref('int_clickstream_sessions_summarized') }}
    where has_cart_add
),

daily as (
    select
        session_date,
        channel,
        count(*) as cart_sessions,
        count_if(not has_purchase) as abandoned_carts,
        count_if(has_checkout and not has_purchase) as abandoned_checkouts,
        -- What stayed in an abandoned cart: added minus removed, never below zero.
        sum(case when not has_purchase then greatest(cart_added_cents - cart_removed_cents, 0) else 0 end)
            as abandoned_value_cents
    from sessions
    group by session_date, channel
),

final as (
    select
        {{ surrogate_key(['session_date', 'channel']) }} as cart_abandonment_id,
        session_date,
        channel,
        cart_sessions,
        abandoned_carts,
        abandoned_checkouts,
        abandoned_value_cents,
        round(abandoned_carts / cart_sessions, 4) as abandonment_rate
    from daily
)

select * from final

-- RFM: each customer's recency, frequency and monetary value on the as-of day, scored
-- 1..5 by quintile against the whole customer base, and a named segment from the
-- recency and frequency scores (macros/rfm.sql holds the scoring and the segment rules).

with customers as (
    select * from {{ ref('int_customer_orders_summarized') }}
),

measured as (
    select
        customer_id,
        as_of_date,
        datediff(as_of_date, last_order_date) as recency_days,
        order_count as frequency,
        revenue_cents - refund_cents as monetary_cents,
        last_order_date
    from customers
),

scored as (
    select
        *,
        -- Fewer days since the last order is better: rank recency descending.
        {{ quintile_score('recency_days', descending=true) }} as recency_score,
        {{ quintile_score('frequency') }} as frequency_score,
        {{ quintile_score('monetary_cents') }} as monetary_score
    from measured
),

final as (
    select
        customer_id,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        monetary_cents,
        recency_score,
        frequency_score,
        monetary_score,
        concat(recency_score, frequency_score, monetary_score) as rfm_cell,
        {{ rfm_segment('recency_score', 'frequency_score') }} as segment
    from scored
)

select * from final

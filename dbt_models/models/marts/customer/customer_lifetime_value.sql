-- Customer lifetime value: historical (net revenue to date) and predicted (the next
-- clv_horizon_months months).
--
-- Predicted CLV = average order value × monthly purchase frequency × expected active
-- months, where the expected active months over a horizon of H months under a constant
-- monthly retention rate r are r + r² + … + r^H = r (1 − r^H) / (1 − r). r and H are the
-- clv_monthly_retention and clv_horizon_months vars. The frequency is orders per 30 days
-- of tenure, with tenure at least 30 days so a customer's first order does not read as a
-- high rate. A deliberately simple, explainable model: BG/NBD would estimate each
-- customer's own churn, which 30 days of history cannot support.

with customers as (
    select * from {{ ref('int_customer_orders_summarized') }}
),

parameters as (
    select
        cast({{ var('clv_monthly_retention') }} as double) as monthly_retention,
        cast({{ var('clv_horizon_months') }} as int) as horizon_months
),

lifetime as (
    -- r + r² + … + r^H, the expected active months within the horizon.
    select monthly_retention * (1 - power(monthly_retention, horizon_months)) / (1 - monthly_retention)
        as expected_active_months
    from parameters
),

measured as (
    select
        customer_id,
        as_of_date,
        order_count,
        revenue_cents,
        refund_cents,
        revenue_cents - refund_cents as historical_clv_cents,
        first_order_date,
        last_order_date,
        datediff(as_of_date, first_order_date) + 1 as tenure_days
    from customers
),

predicted as (
    select
        measured.*,
        measured.historical_clv_cents / measured.order_count as avg_order_value_cents,
        measured.order_count * 30.0 / greatest(measured.tenure_days, 30) as monthly_order_frequency,
        lifetime.expected_active_months
    from measured
    cross join lifetime
),

final as (
    select
        customer_id,
        as_of_date,
        order_count,
        revenue_cents,
        refund_cents,
        historical_clv_cents,
        first_order_date,
        last_order_date,
        tenure_days,
        cast(round(avg_order_value_cents) as bigint) as avg_order_value_cents,
        round(monthly_order_frequency, 4) as monthly_order_frequency,
        round(expected_active_months, 4) as expected_active_months,
        cast(round(avg_order_value_cents * monthly_order_frequency * expected_active_months) as bigint)
            as predicted_clv_cents,
        historical_clv_cents
            + cast(round(avg_order_value_cents * monthly_order_frequency * expected_active_months) as bigint)
            as total_clv_cents
    from predicted
)

select * from final

-- Weekly acquisition cohorts: of the customers whose first revenue order fell in a week,
-- the share who ordered again in each following week (week 0 is 100% by definition).

with orders as (
    select * from {{ ref('fct_orders') }}
    where is_revenue and customer_id is not null
),

customer_weeks as (
    select distinct
        customer_id,
        cast(date_trunc('week', order_date) as date) as activity_week
    from orders
),

cohorts as (
    select
        customer_id,
        min(activity_week) as cohort_week
    from customer_weeks
    group by customer_id
),

cohort_sizes as (
    select cohort_week, count(*) as cohort_size
    from cohorts
    group by cohort_week
),

activity as (
    select
        cohorts.cohort_week,
        cast(datediff(customer_weeks.activity_week, cohorts.cohort_week) / 7 as int) as weeks_since_first_order,
        count(*) as active_customers
    from customer_weeks
    inner join cohorts
        on customer_weeks.customer_id = cohorts.customer_id
    group by 1, 2
),

final as (
    select
        {{ surrogate_key(['activity.cohort_week', 'activity.weeks_since_first_order']) }} as cohort_period_id,
        activity.cohort_week,
        activity.weeks_since_first_order,
        cohort_sizes.cohort_size,
        activity.active_customers,
        round(activity.active_customers / cohort_sizes.cohort_size, 4) as retention_rate
    from activity
    inner join cohort_sizes
        on activity.cohort_week = cohort_sizes.cohort_week
)

select * from final

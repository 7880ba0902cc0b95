{{ config(materialized='table') }}

-- One row per known customer: their revenue-bearing orders up to the as-of day, across
-- every channel, and the refunds on them. Shared by the RFM and CLV marts; a small table
-- (one row per customer) so their unit tests can give it as an input.
with orders as (
    select * from {{ ref('fct_orders') }}
    where is_revenue and customer_id is not null
),

refunds as (
    select * from {{ ref('fct_returns') }}
    where customer_id is not null
),

as_of as (
    -- Exactly one row: the as-of day.
    {% if var('as_of_date') -%}
    select to_date('{{ var("as_of_date") }}') as as_of_date
    {%- else -%}
    select max(order_date) as as_of_date from orders
    {%- endif %}
),

customer_orders as (
    select
        orders.customer_id,
        count(*) as order_count,
        sum(orders.total_cents) as revenue_cents,
        min(orders.order_date) as first_order_date,
        max(orders.order_date) as last_order_date
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
    group by orders.customer_id
),

customer_refunds as (
    select
        refunds.customer_id,
        sum(refunds.refund_cents) as refund_cents
    from refunds
    cross join as_of
    where refunds.return_date <= as_of.as_of_date
    group by refunds.customer_id
),

summarized as (
    select
        customer_orders.customer_id,
        as_of.as_of_date,
        customer_orders.order_count,
        customer_orders.revenue_cents,
        coalesce(customer_refunds.refund_cents, 0) as refund_cents,
        customer_orders.first_order_date,
        customer_orders.last_order_date
    from customer_orders
    cross join as_of
    left join customer_refunds
        on customer_orders.customer_id = customer_refunds.customer_id
)

select * from summarized

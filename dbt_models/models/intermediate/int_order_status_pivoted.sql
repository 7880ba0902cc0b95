-- One row per online order: its latest status and when it reached each milestone.
with status_changes as (
    select * from {{ ref('stg_order_status') }}
),

pivoted as (
    select
        order_id,
        -- max_by on (time, event id): a deterministic winner when two changes share a timestamp.
        max_by(status, struct(changed_at, status_event_id)) as latest_status,
        max(changed_at) as status_changed_at,
        min(case when status = 'paid' then changed_at end) as paid_at,
        min(case when status = 'shipped' then changed_at end) as shipped_at,
        min(case when status = 'delivered' then changed_at end) as delivered_at,
        min(case when status = 'cancelled' then changed_at end) as cancelled_at,
        min(case when status = 'payment_failed' then changed_at end) as payment_failed_at
    from status_changes
    group by order_id
)

select * from pivoted

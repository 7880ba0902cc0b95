{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='return_id',
        partition_by=['return_date'],
    )
}}
-- One row per processed return, online or in store.

with returns as (
    select * from {{ ref('stg_returns') }}
    {% if is_incremental() %}
    where returned_at >= {{ incremental_window_start('returned_at') }}
    {% endif %}
),

final as (
    select
        return_id,
        order_id,
        customer_id,
        purchase_channel,
        return_channel,
        location_id,
        returned_at,
        return_date,
        refund_cents,
        return_reason,
        item_count
    from returns
)

select * from final

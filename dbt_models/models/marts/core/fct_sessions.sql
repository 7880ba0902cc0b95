{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='session_key',
        partition_by=['session_date'],
    )
}}
-- One row per web/app session (silver's 30-minute inactivity rule).

with sessions as (
    select * from {{ ref('stg_sessions') }}
    {% if is_incremental() %}
    where started_at >= {{ incremental_window_start('started_at') }}
    {% endif %}
),

final as (
    select
        session_key,
        visitor_id,
        customer_id,
        channel,
        device,
        started_at,
        ended_at,
        session_date,
        duration_seconds,
        event_count,
        page_count,
        product_view_count,
        cart_add_count,
        is_converted,
        order_id,
        customer_id is not null as is_identified
    from sessions
)

select * from final

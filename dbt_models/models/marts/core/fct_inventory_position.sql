{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='inventory_position_id',
        partition_by=['position_date'],
    )
}}
-- Stock per location, product and day with movements: units in and out that day and the
-- closing stock (stock_after of the day's last movement). Days without movements have no
-- row: the position on any day is the latest row on or before it.

with movements as (
    select * from {{ ref('stg_inventory') }}
    {% if is_incremental() %}
    where moved_at >= date_trunc('day', {{ incremental_window_start('cast(position_date as timestamp)') }})
    {% endif %}
),

daily as (
    select
        location_id,
        product_id,
        movement_date as position_date,
        max(location_type) as location_type,
        count(*) as movement_count,
        sum(case when quantity_delta > 0 then quantity_delta else 0 end) as units_in,
        sum(case when quantity_delta < 0 then -quantity_delta else 0 end) as units_out,
        sum(quantity_delta) as net_change,
        max_by(stock_after, struct(moved_at, movement_id)) as closing_stock
    from movements
    group by location_id, product_id, movement_date
),

final as (
    select
        {{ surrogate_key(['location_id', 'product_id', 'position_date']) }} as inventory_position_id,
        location_id,
        location_type,
        product_id,
        position_date,
        movement_count,
        units_in,
        units_out,
        net_change,
        closing_stock
    from daily
)

select * from final

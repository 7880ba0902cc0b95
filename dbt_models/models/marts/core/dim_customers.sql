{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='customer_version_id',
    )
}}
-- Customers as a type 2 slowly changing dimension: one row per version of a customer's
-- tracked attributes, valid from valid_from (inclusive) to valid_to (exclusive; null for
-- the current version).
--
-- silver.customers holds each customer's latest state, so history accrues run by run:
-- every run compares it with the current versions here, closes those whose attributes
-- changed and opens new ones. (dbt's snapshot materialization would do the same, but on
-- Iceberg dbt-spark stages it in a catalog view, which the local JDBC catalog lacks.)
-- A customer's first version starts at sign-up, so every order joins to a version.

{% set tracked = ['full_name', 'email', 'home_city', 'home_region', 'preferred_channel',
                  'preferred_device', 'is_loyalty_member'] %}

with customers as (
    select * from {{ ref('stg_customers') }}
),

latest as (
    select
        customer_id,
        {{ tracked | join(',\n        ') }},
        signed_up_at,
        updated_at,
        {{ surrogate_key(tracked) }} as attributes_hash
    from customers
),

{% if is_incremental() %}

current_versions as (
    select * from {{ this }}
    where is_current
),

changed as (
    select latest.*
    from latest
    left join current_versions
        on latest.customer_id = current_versions.customer_id
    where current_versions.customer_id is null
        or (latest.attributes_hash != current_versions.attributes_hash
            and latest.updated_at > current_versions.valid_from)
),

opened as (
    select
        changed.*,
        -- A customer new to the dimension starts at sign-up; a change starts when it was made.
        case when current_versions.customer_id is null
            then least(changed.signed_up_at, changed.updated_at)
            else changed.updated_at
        end as valid_from,
        cast(null as timestamp) as valid_to,
        true as is_current
    from changed
    left join current_versions
        on changed.customer_id = current_versions.customer_id
),

closed as (
    select
        current_versions.customer_id,
        {% for column in tracked -%}
        current_versions.{{ column }},
        {% endfor -%}
        current_versions.signed_up_at,
        current_versions.updated_at,
        current_versions.attributes_hash,
        current_versions.valid_from,
        changed.updated_at as valid_to,
        false as is_current
    from current_versions
    inner join changed
        on current_versions.customer_id = changed.customer_id
),

versions as (
    select * from opened
    union all
    select * from closed
),

{% else %}

versions as (
    select
        latest.*,
        least(signed_up_at, updated_at) as valid_from,
        cast(null as timestamp) as valid_to,
        true as is_current
    from latest
),

{% endif %}

final as (
    select
        {{ surrogate_key(['customer_id', 'valid_from']) }} as customer_version_id,
        customer_id,
        {{ tracked | join(',\n        ') }},
        signed_up_at,
        updated_at,
        attributes_hash,
        valid_from,
        valid_to,
        is_current
    from versions
)

select * from final

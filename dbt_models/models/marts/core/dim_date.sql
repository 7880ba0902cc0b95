-- One row per calendar day between the date_spine_start and date_spine_end vars.
with spine as (
    select explode(sequence(
        to_date('{{ var("date_spine_start") }}'),
        to_date('{{ var("date_spine_end") }}'),
        interval 1 day
    )) as date_day
),

dates as (
    select
        date_day,
        cast(date_format(date_day, 'yyyyMMdd') as int) as date_key,
        year(date_day) as year,
        quarter(date_day) as quarter,
        month(date_day) as month,
        date_format(date_day, 'MMMM') as month_name,
        weekofyear(date_day) as iso_week,
        date_trunc('week', date_day) as week_start,
        dayofmonth(date_day) as day_of_month,
        -- ISO day of week: Monday = 1 … Sunday = 7 (Spark's dayofweek starts on Sunday).
        ((dayofweek(date_day) + 5) % 7) + 1 as day_of_week,
        date_format(date_day, 'EEEE') as day_name,
        dayofweek(date_day) in (1, 7) as is_weekend
    from spine
)

select * from dates

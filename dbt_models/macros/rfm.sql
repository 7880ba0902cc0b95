{#
  RFM scoring, shared by customer_rfm and its unit tests.

  quintile_score: 1..5 by the customer's percent rank on `metric` (ascending: higher
  metric, higher score). Ties share a score (percent_rank gives tied rows the rank of the
  first of them), so the score never depends on row order: customers with the fewest
  orders all score 1 on frequency even when they are more than a fifth of the base.
  A single customer scores 1.
#}
{% macro quintile_score(metric, descending=false) -%}
    least(5, 1 + cast(floor(5 * percent_rank() over (order by {{ metric }} {{ 'desc' if descending else 'asc' }})) as int))
{%- endmacro %}

{#
  Named segments from the recency (r) and frequency (f) scores. The rules cover every
  (r, f) pair once:

             f=1              f=2               f=3                   f=4..5
    r=4..5   new_customers    potential_loyalists potential_loyalists champions
    r=3      need_attention   need_attention    need_attention        loyal
    r=1..2   hibernating      hibernating       at_risk               at_risk
#}
{% macro rfm_segment(r, f) -%}
    case
        when {{ r }} >= 4 and {{ f }} >= 4 then 'champions'
        when {{ r }} >= 4 and {{ f }} = 1 then 'new_customers'
        when {{ r }} >= 4 then 'potential_loyalists'
        when {{ r }} = 3 and {{ f }} >= 4 then 'loyal'
        when {{ r }} = 3 then 'need_attention'
        when {{ f }} >= 3 then 'at_risk'
        else 'hibernating'
    end
{%- endmacro %}

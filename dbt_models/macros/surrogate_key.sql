{#
  A deterministic key from several columns: md5 of the values joined by '|', nulls as ''.
  (dbt_utils.generate_surrogate_key does the same; packages cannot be installed here.)
#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %}, coalesce(cast({{ column }} as string), '')
    {%- endfor %}))
{%- endmacro %}

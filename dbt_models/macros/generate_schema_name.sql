{#
  Every model lands in the target's schema (the gold namespace: `gold` locally,
  SHOP_GLUE_DATABASE_GOLD on AWS, a test namespace in tests). dbt's default would prefix a
  custom schema with the target's (gold_xyz); here a custom schema is taken as written.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

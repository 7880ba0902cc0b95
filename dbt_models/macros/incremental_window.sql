{#
  The start of the window an incremental run re-reads: `lookback_days` before the newest
  value of `column` already in the model. Late events (behind the streaming watermark)
  and status changes within that window are merged in; older rows stay as they are.
  Renders a timestamp expression; use only inside `{% if is_incremental() %}`.
#}
{% macro incremental_window_start(column) -%}
    (select coalesce(max({{ column }}), timestamp '1970-01-01') - interval {{ var('lookback_days') }} days from {{ this }})
{%- endmacro %}

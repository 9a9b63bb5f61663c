{#-
    A predicate restricting `date_column` to the date range given by the project vars
    `reprocess_from` / `reprocess_to` (inclusive, `yyyy-mm-dd`), or none when no range is set.
    Incremental facts use it to recompute exactly those dates:

        dbt run -s fct_app_events --vars '{reprocess_from: "2026-01-07", reprocess_to: "2026-01-07"}'
-#}
{% macro reprocess_date_filter(date_column) -%}
    {%- set date_range = _reprocess_date_range() -%}
    {%- if date_range is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(date_column ~ " between date'" ~ date_range[0] ~ "' and date'" ~ date_range[1] ~ "'") }}
{%- endmacro %}

{#-
    A predicate restricting `date_column` to the date range given by the project vars
    `reprocess_from` / `reprocess_to` (inclusive, `yyyy-mm-dd`), or none when no range is set.
    Incremental facts use it to recompute and replace exactly those partitions:

        dbt run -s fct_app_events --vars '{reprocess_from: "2026-01-07", reprocess_to: "2026-01-07"}'
-#}
{% macro reprocess_date_filter(date_column) -%}
    {%- set date_from = var('reprocess_from', none) -%}
    {%- set date_to = var('reprocess_to', none) or date_from -%}
    {%- if date_from is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for value in [date_from, date_to] -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value | string) -%}
            {{ exceptions.raise_compiler_error(
                "reprocess_from / reprocess_to must be dates as 'yyyy-mm-dd', got '" ~ value ~ "'"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if (date_from | string) > (date_to | string) -%}
        {{ exceptions.raise_compiler_error(
            "reprocess_from (" ~ date_from ~ ") is after reprocess_to (" ~ date_to ~ ")"
        ) }}
    {%- endif -%}
    {{ return(date_column ~ " between date'" ~ date_from ~ "' and date'" ~ date_to ~ "'") }}
{%- endmacro %}

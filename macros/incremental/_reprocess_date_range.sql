{#-
    The validated `[reprocess_from, reprocess_to]` range from the project vars (inclusive dates
    `yyyy-mm-dd`, `reprocess_to` defaulting to `reprocess_from`), or none when no range is set.
    Shared by `reprocess_date_filter` and `reprocess_date_spine`.
-#}
{% macro _reprocess_date_range() -%}
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
    {{ return([date_from | string, date_to | string]) }}
{%- endmacro %}

{#-
    Layers land in fixed databases (staging, intermediate, marts, seeds) instead of dbt's
    default `<target schema>_<custom schema>`: analysts and the BI layer query
    `marts.fct_flights`, whatever target built it. Nodes without a custom schema fall back to
    the target schema (`analytics`).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

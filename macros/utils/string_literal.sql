{#- `value` as a Spark SQL string literal: single quotes, backslashes and quotes escaped. -#}
{% macro string_literal(value) -%}
    {{ return("'" ~ (value | string) | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") }}
{%- endmacro %}

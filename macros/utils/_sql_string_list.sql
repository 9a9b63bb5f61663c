{#- 'a', 'b', 'c' from a list of plain strings (private helper; values are escaped). -#}
{% macro _sql_string_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

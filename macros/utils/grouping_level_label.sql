{#-
    A readable name for the rollup level of a `grouping sets` / `rollup` / `cube` row: the
    labels of the dimensions kept at that level joined by ' x ', or 'total' when every
    dimension is rolled up. `dimensions` is a list of [column, label] pairs in group-by order.
-#}
{% macro grouping_level_label(dimensions) -%}
    {%- if dimensions is string or dimensions | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "grouping_level_label: `dimensions` must be a non-empty list of [column, label] pairs"
        ) }}
    {%- endif -%}
    coalesce(
        nullif(
            concat_ws(
                ' x ',
                {% for column, label in dimensions %}
                if(grouping({{ column }}) = 0, '{{ label }}', null){{ "," if not loop.last }}
                {% endfor %}
            ),
            ''
        ),
        'total'
    )
{%- endmacro %}

{#-
    One column of a view's column list with its persisted description, overriding dbt-spark's
    macro of the same name so the comment fits the metastore (`_metastore_comment`).
-#}
{% macro get_column_comment_sql(column_name, column_dict) -%}
    {%- set description = column_dict[column_name]['description'] if column_name in column_dict else none -%}
    {{ adapter.quote(column_name) }}
    {%- if description %} comment {{ _metastore_comment(description) }}{% endif %}
{%- endmacro %}

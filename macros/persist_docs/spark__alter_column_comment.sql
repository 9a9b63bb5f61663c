{#-
    Persist column descriptions on a table (`persist_docs: {columns: true}`), overriding
    dbt-spark's macro: comments are cut to fit the metastore (`_metastore_comment`), and views
    are skipped, since their column comments are part of `create view` (get_column_comment_sql)
    and `alter table` cannot change a view's column. Iceberg uses `alter column`, Delta and
    Hudi `change column`; other formats cannot alter a comment.
-#}
{% macro spark__alter_column_comment(relation, column_dict) %}
    {%- if relation.is_view or config.get('file_format') not in ['delta', 'hudi', 'iceberg'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for column_name in column_dict if column_dict[column_name]['description'] -%}
        {%- set quoted = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name -%}
        {%- call statement('persist_column_comment_' ~ loop.index) -%}
            alter table {{ relation }}
            {{ 'alter column' if relation.is_iceberg else 'change column' }} {{ quoted }}
            comment {{ _metastore_comment(column_dict[column_name]['description']) }}
        {%- endcall -%}
    {%- endfor -%}
{% endmacro %}

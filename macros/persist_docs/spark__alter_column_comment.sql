{#-
    Persist column descriptions on a table (`persist_docs: {columns: true}`), overriding
    dbt-spark's macro: comments are cut to fit the metastore (`_metastore_comment`), and views
    are skipped, since their column comments are part of `create view` (get_column_comment_sql)
    and `alter table` cannot change a view's column. Iceberg uses `alter column`, Delta and
    Hudi `change column`; other formats cannot alter a comment.

    Only comments that differ from what `describe table` shows are altered: every `alter` is a
    metadata commit (on Iceberg, a new metadata file), and an incremental run whose docs did
    not change should not pay one per column.
-#}
{% macro spark__alter_column_comment(relation, column_dict) %}
    {%- if relation.is_view or config.get('file_format') not in ['delta', 'hudi', 'iceberg'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stored = {} -%}
    {%- set described = namespace(columns_done=false) -%}
    {%- for row in run_query('describe table ' ~ relation).rows -%}
        {%- if not row[0] or row[0].startswith('#') -%}
            {%- set described.columns_done = true -%}
        {%- elif not described.columns_done -%}
            {%- do stored.update({row[0]: row[2]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column_name in column_dict if column_dict[column_name]['description'] -%}
        {%- set description = column_dict[column_name]['description'] -%}
        {%- if stored.get(column_name) != _metastore_comment_text(description) -%}
            {%- set quoted = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name -%}
            {%- call statement('persist_column_comment_' ~ loop.index) -%}
                alter table {{ relation }}
                {{ 'alter column' if relation.is_iceberg else 'change column' }} {{ quoted }}
                comment {{ _metastore_comment(description) }}
            {%- endcall -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

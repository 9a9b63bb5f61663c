{#-
    `create table ... as select` (a table model, an incremental model's first build, a
    snapshot's first build), overriding dbt-spark's macro so that the documented column
    comments are written by the create itself: the query is first bound to a temporary view
    whose column list carries the comments (`get_persist_docs_column_list`, as for views), and
    the table is created from that view; Spark keeps a view column's comment on the column, and
    Iceberg stores it as the field's doc. `spark__alter_column_comment` then finds every comment
    in place and alters nothing.

    dbt-spark instead alters each documented column after the create, and on Iceberg every
    `alter column` is a metadata commit (a new metadata file, a metastore lock and
    `alter_table`): 178 of them in a full-refresh `dbt run` of this project, a fifth of its SQL
    time. The temporary view lives in the dbt connection's Spark session and is replaced on the
    next build of the same model; its name holds the schema and table, so models built at the
    same time in one shared session do not collide.
-#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- set described = model.columns.values() | selectattr('description') | list if model.columns else [] -%}
    {%- if language == 'sql' and not temporary and execute
          and config.persist_column_docs() and described -%}
        {%- set commented = adapter.quote('dbt_commented__' ~ relation.schema ~ '__' ~ relation.identifier) -%}
        {%- set bind_comments -%}
            create or replace temporary view {{ commented }} (
                {{ get_persist_docs_column_list(model.columns, get_columns_in_query(compiled_code)) }}
            ) as
            {{ compiled_code }}
        {%- endset -%}
        {%- do run_query(bind_comments) -%}
        {%- set compiled_code = 'select * from ' ~ commented -%}
    {%- endif -%}
    {{ return(dbt.spark__create_table_as(temporary, relation, compiled_code, language)) }}
{%- endmacro %}

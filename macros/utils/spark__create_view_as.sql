{#-
    `create view` for the view materialization, overriding dbt-spark's `create or replace view`:
    the existing view is dropped first. With Iceberg's SparkSessionCatalog over the Hive
    metastore (Iceberg 1.10), `create or replace view` stores the new column list but keeps
    the old SQL text in the metastore, and Spark reads that text back: a staging view that
    gained a column (dynamic DDL upstream) then fails every read with
    INCOMPATIBLE_VIEW_SCHEMA_CHANGE. Drop + create is not atomic: a reader can miss the view
    for the instant between the two statements. Column and view comments as in dbt-spark
    (`persist_docs`).
-#}
{% macro spark__create_view_as(relation, sql) -%}
    {%- if execute -%}
        {%- call statement('drop_view_before_create') -%}
            drop view if exists {{ relation }}
        {%- endcall -%}
    {%- endif %}
    create view {{ relation }}
    {%- if config.persist_column_docs() %}
    (
        {{ get_persist_docs_column_list(model.columns, get_columns_in_query(sql)) }}
    )
    {%- endif %}
    {{ comment_clause() }}
    {%- if config.get('contract').enforced %}
    {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    as
    {{ sql }}
{%- endmacro %}

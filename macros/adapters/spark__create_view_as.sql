{#-
    dbt-spark's `create or replace view`, as drop + create. With Iceberg's SparkSessionCatalog as
    `spark_catalog`, `create or replace view` of an existing Hive view stores the new schema
    but keeps the old SQL text, so a view that gained a carried-through column (dynamic DDL)
    fails on its next read with INCOMPATIBLE_VIEW_SCHEMA_CHANGE. Repro, in one session:
    `create or replace view v as select 1 as a`, then `... select 1 as a, 2 as b`, then
    `select * from v`. Dropping first stores the new text. Otherwise dbt-spark 1.11's macro,
    unchanged (persist_docs column list, comment, contract).
-#}
{% macro spark__create_view_as(relation, sql) -%}
  {%- if execute -%}
    {%- call statement('drop_view_before_create') -%}
      drop view if exists {{ relation }}
    {%- endcall -%}
  {%- endif %}
  create view {{ relation }}
  {% if config.persist_column_docs() -%}
    {% set model_columns = model.columns %}
    {% set query_columns = get_columns_in_query(sql) %}
    (
    {{ get_persist_docs_column_list(model_columns, query_columns) }}
    )
  {% endif %}
  {{ comment_clause() }}
  {%- set contract_config = config.get('contract') -%}
  {%- if contract_config.enforced -%}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  as
    {{ sql }}
{%- endmacro %}

{#-
    The `create table` of a seed, overriding dbt-spark's macro so that each documented column's
    description is part of the column list (`comment '...'`) when `persist_docs: {columns: true}`:
    one DDL statement instead of the create plus one `alter column` commit per documented
    column (see `spark__create_table_as`). Column types as in dbt-spark: the seed's
    `column_types`, else the type dbt infers from the CSV.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set quote_columns = model['config'].get('quote_columns', None) -%}
    {%- set documented = model.columns if config.persist_column_docs() else {} -%}
    {%- set sql -%}
        create table {{ this.render() }} (
        {%- for csv_column in agate_table.column_names -%}
            {%- set column_name = csv_column | string -%}
            {%- set column_type = column_types.get(csv_column, adapter.convert_type(agate_table, loop.index0)) -%}
            {%- set description = documented[column_name]['description'] if column_name in documented else none %}
            {{ adapter.quote_seed_column(column_name, quote_columns) }} {{ column_type }}
            {%- if description %} comment {{ _metastore_comment(description) }}{% endif -%}
            {{- ',' if not loop.last }}
        {%- endfor %}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{% endmacro %}

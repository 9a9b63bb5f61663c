{#-
    Print ingest_meta.column_map as one JSON line (after the marker `raw_column_lineage: `):
    every raw column ingest created from the data, with its original path, type, first run,
    file and time. `make docs` (python -m ingest.dbt_docs) reads it to describe, on the docs
    site, the columns that arrived by dynamic DDL and have no YAML entry yet:

        dbt run-operation print_raw_column_lineage --target local --quiet
-#}
{% macro print_raw_column_lineage() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set column_map = run_query(
        "select table_name, column_name, original_path, data_type, first_run_id, first_source_file, "
        ~ "date_format(first_seen_at, 'yyyy-MM-dd HH:mm:ss') as first_seen_at "
        ~ "from " ~ source('ingest_meta', 'column_map')
        ~ " order by table_name, column_name"
    ) -%}
    {%- set rows = [] -%}
    {%- for row in column_map.rows -%}
        {%- set record = {} -%}
        {%- for name in column_map.column_names -%}
            {%- do record.update({name: row[name]}) -%}
        {%- endfor -%}
        {%- do rows.append(record) -%}
    {%- endfor -%}
    {%- do print('raw_column_lineage: ' ~ tojson(rows)) -%}
{%- endmacro %}

{#-
    Print YAML column entries for the columns a model has in the warehouse but not in its
    YAML yet (typically raw attributes that arrived by dynamic DDL and were carried through),
    described from ingest_meta.column_map: original path, type, first run and file. Paste the
    output under the model's `columns:`:

        dbt run-operation generate_raw_column_docs --args '{model_name: stg_app__events}'
-#}
{% macro generate_raw_column_docs(model_name) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set matches = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {%- do matches.append(node) -%}
    {%- endfor -%}
    {%- if matches | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "generate_raw_column_docs: no model named '" ~ model_name ~ "' in this project"
        ) }}
    {%- endif -%}
    {%- set node = matches[0] -%}
    {%- set relation = load_relation(
        api.Relation.create(schema=node.schema, identifier=node.alias)
    ) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "generate_raw_column_docs: " ~ model_name ~ " is not built yet; run `dbt run -s "
            ~ model_name ~ "` first"
        ) }}
    {%- endif -%}
    {%- set documented = node.columns.keys() | map('lower') | list -%}
    {%- set raw_tables = [] -%}
    {%- for source_id in node.depends_on.nodes if source_id.startswith('source.') -%}
        {%- set source_node = graph.sources[source_id] -%}
        {%- do raw_tables.append(source_node.schema ~ '.' ~ source_node.identifier) -%}
    {%- endfor -%}
    {%- set lineage = {} -%}
    {%- if raw_tables | length > 0 -%}
        {%- set column_map = run_query(
            "select column_name, original_path, data_type, first_run_id, first_source_file, "
            ~ "date_format(first_seen_at, 'yyyy-MM-dd HH:mm:ss') "
            ~ "from " ~ source('ingest_meta', 'column_map')
            ~ " where table_name in ('" ~ raw_tables | join("', '") ~ "')"
        ) -%}
        {%- for row in column_map.rows -%}
            {%- do lineage.setdefault(row[0] | lower, row) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set lines = ['      # ' ~ model_name ~ ': columns in the warehouse without a YAML entry'] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name | lower not in documented -%}
        {%- set origin = lineage.get(column.name | lower) -%}
        {%- if origin -%}
            {%- set description = "Dynamic DDL (carried through): original path `" ~ origin[1]
                ~ "` (" ~ origin[2] ~ "), first seen " ~ origin[5] ~ " UTC in " ~ origin[4]
                ~ " (run " ~ origin[3] ~ ")." -%}
        {%- else -%}
            {%- set description = "TODO: describe (" ~ column.data_type ~ "; not in ingest_meta.column_map)." -%}
        {%- endif -%}
        {%- do lines.append('      - name: ' ~ column.name) -%}
        {%- do lines.append('        description: "' ~ description | replace('"', "'") ~ '"') -%}
    {%- endfor -%}
    {%- do print(lines | join('\n')) -%}
{%- endmacro %}

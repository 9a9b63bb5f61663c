{#-
    Print what the pipeline produced: the last dbt build (nodes by type and status, from
    store_run_results), the project's resources, the last ingest run, source freshness (the rule
    `dbt source freshness` applies, evaluated now), rows in every mart and where the docs are. `make run` ends with it:

        dbt run-operation print_pipeline_summary --target local
-#}
{% macro print_pipeline_summary(docs_path=none) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set lines = ['', 'Device analytics pipeline summary (target ' ~ target.name ~ ')'] -%}

    {#- the last build -#}
    {%- set results_relation = load_relation(_run_results_relation()) -%}
    {%- if results_relation is not none -%}
        {%- set build = run_query(
            "select invocation_id, date_format(max(generated_at), 'yyyy-MM-dd HH:mm:ss') as finished_at from " ~ results_relation
            ~ " where command = 'build' group by invocation_id order by finished_at desc limit 1"
        ) -%}
        {%- if build.rows | length > 0 -%}
            {%- set counts = run_query(
                "select resource_type, status, count(*) as nodes from " ~ results_relation
                ~ " where invocation_id = '" ~ build.rows[0][0] ~ "'"
                ~ " group by resource_type, status order by resource_type, status"
            ) -%}
            {%- do lines.append('  last dbt build, finished ' ~ build.rows[0][1] ~ ' UTC:') -%}
            {%- for row in counts.rows -%}
                {%- do lines.append('    ' ~ '%-10s'|format(row[0]) ~ ' ' ~ '%-8s'|format(row[1]) ~ ' ' ~ row[2]) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}

    {#- the project -#}
    {%- set nodes = graph.nodes.values() | list -%}
    {%- set models = nodes | selectattr('resource_type', 'equalto', 'model') | list -%}
    {%- set layer_counts = [] -%}
    {%- set mart_models = [] -%}
    {%- for layer in ['staging', 'intermediate', 'marts'] -%}
        {%- set in_layer = [] -%}
        {%- for model in models if model.fqn[1] == layer -%}
            {%- do in_layer.append(model) -%}
        {%- endfor -%}
        {%- do layer_counts.append(in_layer | length ~ ' ' ~ layer) -%}
        {%- if layer == 'marts' -%}
            {%- do mart_models.extend(in_layer) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do lines.append(
        '  project: ' ~ models | length ~ ' models (' ~ layer_counts | join(', ') ~ '), '
        ~ (nodes | selectattr('resource_type', 'equalto', 'test') | list | length) ~ ' data tests, '
        ~ (nodes | selectattr('resource_type', 'equalto', 'seed') | list | length) ~ ' seeds, '
        ~ (graph.exposures | length) ~ ' exposure(s)'
    ) -%}

    {#- the last ingest run -#}
    {%- set run_events = load_relation(
        api.Relation.create(schema='staging', identifier='stg_ingest_meta__run_events', type='view')
    ) -%}
    {%- if run_events is not none -%}
        {%- set last_run = run_query(
            "select ingest_run_id, run_status, date_format(event_at, 'yyyy-MM-dd HH:mm:ss') from " ~ run_events
            ~ " where command = 'run' and run_status != 'started' order by event_at desc limit 1"
        ) -%}
        {%- for row in last_run.rows -%}
            {%- do lines.append('  last ingest run: ' ~ row[0] ~ ' ' ~ row[1] ~ ' at ' ~ row[2] ~ ' UTC') -%}
        {%- endfor -%}
    {%- endif -%}

    {#- source freshness: the same rule `dbt source freshness` applies, evaluated now -#}
    {%- set seconds = {'minute': 60, 'hour': 3600, 'day': 86400} -%}
    {%- set stale = [] -%}
    {%- set checked = [] -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set rules = source.freshness or {} -%}
        {%- set warn = rules.get('warn_after') or {} -%}
        {%- set error = rules.get('error_after') or {} -%}
        {%- if source.loaded_at_field and warn.get('count') -%}
            {%- set relation = load_relation(
                api.Relation.create(schema=source.schema, identifier=source.identifier)
            ) -%}
            {%- if relation is not none -%}
                {%- set age = run_query(
                    'select cast(unix_timestamp(current_timestamp()) - unix_timestamp(max('
                    ~ source.loaded_at_field ~ ')) as bigint) from ' ~ relation
                ).rows[0][0] -%}
                {%- do checked.append(source.name ~ '.' ~ source.identifier) -%}
                {%- set warn_s = warn['count'] * seconds[warn['period']] -%}
                {%- set error_s = (error.get('count') or 0) * seconds[error.get('period') or 'hour'] -%}
                {%- if age is none or (error_s and age > error_s) -%}
                    {%- do stale.append(source.name ~ '.' ~ source.identifier ~ ' ERROR') -%}
                {%- elif age > warn_s -%}
                    {%- set label = source.name ~ '.' ~ source.identifier -%}
                    {%- do stale.append(label ~ ' WARN (' ~ (age // 3600) ~ ' h old)') -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do lines.append(
        '  source freshness: ' ~ (checked | length - stale | length) ~ ' of ' ~ checked | length ~ ' sources fresh'
        ~ ('; stale: ' ~ stale | join(', ') if stale else '')
    ) -%}

    {#- rows per mart -#}
    {%- do lines.append('  rows per mart:') -%}
    {%- for model in mart_models | sort(attribute='name') -%}
        {%- set relation = load_relation(
            api.Relation.create(schema=model.schema, identifier=model.alias, type='table')
        ) -%}
        {%- if relation is none -%}
            {%- do lines.append('    ' ~ '%-32s'|format(model.schema ~ '.' ~ model.alias) ~ ' (not built)') -%}
        {%- else -%}
            {%- set row_count = run_query('select count(*) from ' ~ relation).rows[0][0] -%}
            {%- do lines.append('    ' ~ '%-32s'|format(relation | string) ~ ' ' ~ '%8d'|format(row_count)) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set docs_dir = docs_path or (env_var('PWD', '.') ~ '/target') -%}
    {%- do lines.append(
        '  docs: ' ~ docs_dir ~ '/index.html (`make docs` regenerates it; `make docs-serve` serves it on http://127.0.0.1:'
        ~ env_var('DAP_DOCS_PORT', '8080') ~ '/)'
    ) -%}
    {%- do lines.append('') -%}
    {%- do print(lines | join('\n')) -%}
{%- endmacro %}

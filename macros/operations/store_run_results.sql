{#-
    on-run-end hook: append one row per executed node (model, test, unit test, seed) of this
    invocation to `<target schema>.dbt_run_results`, so `print_pipeline_summary` can report
    what the last `dbt build` did. Runs its statements itself and renders nothing.
-#}
{% macro store_run_results(results) -%}
    {%- if not execute or results | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = _run_results_relation() -%}
    {%- do run_query('create database if not exists ' ~ relation.schema) -%}
    {%- call statement('create_run_results') -%}
        create table if not exists {{ relation }} (
            invocation_id string,
            command string,
            generated_at timestamp,
            unique_id string,
            resource_type string,
            status string,
            failures bigint,
            execution_time_s double
        )
        using parquet
    {%- endcall -%}
    {%- call statement('insert_run_results') -%}
        insert into {{ relation }}
        values
        {%- for result in results %}
            (
                '{{ invocation_id }}',
                '{{ flags.WHICH }}',
                current_timestamp(),
                '{{ result.node.unique_id }}',
                '{{ result.node.resource_type }}',
                '{{ result.status }}',
                {{ result.failures if result.failures is not none else 'null' }},
                {{ result.execution_time | round(3) }}
            ){{ "," if not loop.last }}
        {%- endfor %}
    {%- endcall -%}
    {{ return('') }}
{%- endmacro %}

{#- Where store_run_results keeps node results (private helper). -#}
{% macro _run_results_relation() -%}
    {{ return(api.Relation.create(schema=target.schema, identifier='dbt_run_results', type='table')) }}
{%- endmacro %}

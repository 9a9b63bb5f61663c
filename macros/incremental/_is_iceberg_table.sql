{#-
    True when `relation` is an Iceberg table, read from `describe table extended` (its
    `Provider` row). dbt-spark's `relation.is_iceberg` comes from `show table extended`, which
    does not report the provider of Iceberg tables behind Iceberg's SparkSessionCatalog.
-#}
{% macro _is_iceberg_table(relation) -%}
    {%- if relation is none or relation.is_view -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set described = run_query('describe table extended ' ~ relation) -%}
    {%- for row in described.rows if row[0] == 'Provider' -%}
        {{ return(row[1] | lower == 'iceberg') }}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

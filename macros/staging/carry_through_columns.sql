{#-
    Every column of `relation` that is not in `exclude`, quoted, one per line, each followed by
    a comma. Staging models list the columns they rename or cast, then call this macro, then
    list the ingest lineage columns: a column that ingest adds to the raw table tomorrow (by
    dynamic DDL) appears in the staged view on the next `dbt build` without an SQL edit.

    `qualifier` (a table alias) prefixes each column where the select joins several relations.

    The column list is read from the warehouse when the model compiles, so it is empty while
    dbt parses (`execute` is false) and whenever the relation does not exist yet.
-#}
{% macro carry_through_columns(relation, exclude=[], qualifier=none) -%}
    {{ return(adapter.dispatch('carry_through_columns', 'device_analytics')(relation, exclude, qualifier)) }}
{%- endmacro %}

{% macro default__carry_through_columns(relation, exclude, qualifier) -%}
    {%- if exclude is string -%}
        {{ exceptions.raise_compiler_error(
            "carry_through_columns: `exclude` must be a list of column names, got the string '"
            ~ exclude ~ "'"
        ) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set excluded = exclude | map('lower') | list -%}
    {%- for column in _carried_columns(relation) if column.name | lower not in excluded %}
        {{ qualifier ~ '.' if qualifier }}{{ adapter.quote(column.name) }},
    {%- endfor -%}
{%- endmacro %}

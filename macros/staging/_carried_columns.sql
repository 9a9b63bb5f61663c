{#- The columns of `relation` as the warehouse reports them (private helper of carry_through_columns). -#}
{% macro _carried_columns(relation) -%}
    {%- set existing = load_cached_relation(relation) -%}
    {%- if existing is none -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.get_columns_in_relation(existing)) }}
{%- endmacro %}

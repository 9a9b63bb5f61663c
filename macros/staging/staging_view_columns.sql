{#-
    The columns each staging view has right now, as [raw table, staging model, column] triples
    (read from the warehouse when the calling model runs; [] while parsing). The caller must
    declare its dependency on each view with a `-- depends_on: {{ ref(...) }}` hint.
-#}
{% macro staging_view_columns(staging_models) -%}
    {%- set triples = [] -%}
    {%- if execute -%}
        {%- for raw_table_name, model_name in staging_models.items() -%}
            {%- for column in adapter.get_columns_in_relation(ref(model_name)) -%}
                {%- do triples.append([raw_table_name, model_name, column.name]) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(triples) }}
{%- endmacro %}

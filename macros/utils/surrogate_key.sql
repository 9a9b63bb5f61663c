{#-
    A deterministic md5 key over one or more column expressions. NULLs are replaced by a
    sentinel so that (a, NULL) and (NULL, a) hash differently; dbt_utils is not available
    offline, so this is our own generate_surrogate_key.
-#}
{% macro surrogate_key(expressions) -%}
    {%- if expressions is string -%}
        {%- set expressions = [expressions] -%}
    {%- endif -%}
    {%- if expressions | length == 0 -%}
        {{ exceptions.raise_compiler_error("surrogate_key needs at least one expression") }}
    {%- endif -%}
    md5(concat_ws('|'
    {%- for expression in expressions -%}
        , coalesce(cast({{ expression }} as string), '_null_')
    {%- endfor -%}
    ))
{%- endmacro %}

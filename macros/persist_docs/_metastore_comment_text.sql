{#-
    `description` as the text the Hive metastore stores for it (see `_metastore_comment`): trimmed
    and cut to `max_length` characters ending in "...". What `describe table` shows back.
-#}
{% macro _metastore_comment_text(description, max_length=256) -%}
    {%- set text = description | trim -%}
    {%- if text | length > max_length -%}
        {%- set text = text[:max_length - 3] ~ '...' -%}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}

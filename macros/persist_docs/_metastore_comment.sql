{#-
    `description` as a SQL string literal the Hive metastore can store as a column comment:
    the metastore keeps column comments in a VARCHAR(256) (COLUMNS_V2.COMMENT, Derby and
    PostgreSQL alike), and a longer one fails the whole DDL. Longer descriptions are cut to
    `max_length` characters ending in "...": the docs site keeps the full text.
-#}
{% macro _metastore_comment(description, max_length=256) -%}
    {%- set text = _metastore_comment_text(description, max_length) -%}
    {{ return(string_literal(text)) }}
{%- endmacro %}

{#-
    A query returning one row per date of the `reprocess_from` / `reprocess_to` range, in a
    column named `date_column`, or none when no range is set. Facts that replace whole date
    partitions use it as their affected dates when a range is reprocessed, so a date in the
    range whose recompute comes out empty is still replaced (emptied).
-#}
{% macro reprocess_date_spine(date_column) -%}
    {%- set date_range = _reprocess_date_range() -%}
    {%- if date_range is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set spine -%}
        select explode(sequence(date'{{ date_range[0] }}', date'{{ date_range[1] }}')) as {{ date_column }}
    {%- endset -%}
    {{ return(spine) }}
{%- endmacro %}

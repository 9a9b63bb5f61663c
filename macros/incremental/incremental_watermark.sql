{#-
    The watermark of an incremental model: the newest `column` in its own table, as a SQL
    expression for a filter such as `_last_ingested_at > {{ incremental_watermark() }}`.

    When the model runs, the value is read once, when the model compiles, and inlined as a
    timestamp literal: a literal lets Iceberg skip every data file whose `column` range lies
    below it (file statistics), so finding the new rows reads only the files written since
    the last run, where a scalar subquery would scan the whole table on every reference. At
    parse time, and in unit tests (where `this` is a fixture, not a table), it stays the
    equivalent subquery. An empty table gives 1970-01-01.

    The watermark is set back by the var `ingest_commit_lag_minutes`. Ingest stamps a batch's
    `_ingested_at` when it starts writing and commits later, so when two writers share a table
    (the stream beside a batch run, two concurrent runs) a commit can become visible after
    rows with a newer stamp: without the margin, a run between the two would skip it for good.
    Rows read again are harmless: every incremental model recomputes what they touch and
    merges or replaces by key.
-#}
{% macro incremental_watermark(column='_last_ingested_at', relation=none) -%}
    {%- set relation = relation if relation is not none else this -%}
    {%- set epoch = "timestamp '1970-01-01 00:00:00'" -%}
    {%- set lag_minutes = var('ingest_commit_lag_minutes') -%}
    {%- if lag_minutes is not integer or lag_minutes is boolean or lag_minutes < 0 -%}
        {{ exceptions.raise_compiler_error(
            "var ingest_commit_lag_minutes must be a whole number of minutes >= 0, got " ~ lag_minutes
        ) }}
    {%- endif -%}
    {%- set lag = " - interval " ~ lag_minutes ~ " minutes" -%}
    {%- if not execute or relation is string -%}
        {{ return("((select coalesce(max(" ~ column ~ "), " ~ epoch ~ ") from " ~ relation ~ ")" ~ lag ~ ")") }}
    {%- endif -%}
    {%- set newest = run_query(
        "select cast(max(" ~ column ~ ") as string) from " ~ relation
    ).columns[0].values()[0] -%}
    {{ return(epoch if newest is none else "(timestamp '" ~ newest ~ "'" ~ lag ~ ")") }}
{%- endmacro %}

{#-
    The rows an insert_overwrite fact recomputes on this run, as a predicate on its partition
    column `partition_column` (the same name in `upstream` and in the fact):

      * full build (not incremental): every row (`true`)
      * `reprocess_from` / `reprocess_to` set: the partitions in that date range
      * otherwise: every partition that received a row ingested after the fact's watermark
        (the newest `watermark_column` already in the fact), so late data re-opens its own
        day, and a re-run with nothing new recomputes nothing

    The fact must carry `watermark_column` (ingest's `_ingested_at`). Whole partitions are
    recomputed from `upstream`, so the predicate selects every row of those partitions.
-#}
{% macro incremental_partition_filter(partition_column, upstream, watermark_column='_ingested_at') -%}
    {%- if not is_incremental() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set reprocess = reprocess_date_filter(partition_column) -%}
    {%- if reprocess is not none -%}
        {{ return(reprocess) }}
    {%- endif -%}
    {%- set predicate -%}
        {{ partition_column }} in (
            select {{ partition_column }}
            from {{ upstream }}
            where {{ watermark_column }} > (
                select coalesce(max({{ watermark_column }}), timestamp '1970-01-01 00:00:00')
                from {{ this }}
            )
        )
    {%- endset -%}
    {{ return(predicate) }}
{%- endmacro %}

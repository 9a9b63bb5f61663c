{#-
    The rows a `merge` fact recomputes on this run, as a predicate on its key `unique_key`
    (the same name in `upstream` and in the fact):

      * full build (not incremental): every row (`true`)
      * `reprocess_from` / `reprocess_to` set: every copy of each key with a row dated in that
        range (`date_column`)
      * otherwise: every copy of each key with a row ingested after the fact's watermark (the
        newest `target_watermark_column`, by default `watermark_column`, already in the fact),
        so a late or corrected copy re-opens its own key, and a re-run with nothing new
        recomputes nothing

    Every copy of a selected key is read, so the fact's deduplication (latest copy wins,
    `landed_copies`) sees the same rows as on a full build, and the merge moves a key whose
    latest copy changed date instead of leaving the old copy behind.
-#}
{% macro incremental_key_filter(
    unique_key,
    upstream,
    date_column,
    watermark_column='_ingested_at',
    target_watermark_column=none
) -%}
    {%- if not is_incremental() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set reprocess = reprocess_date_filter(date_column) -%}
    {%- set predicate -%}
        {{ unique_key }} in (
            select {{ unique_key }}
            from {{ upstream }}
            where
            {%- if reprocess is not none %}
                {{ reprocess }}
            {%- else %}
                {{ watermark_column }} > {{ incremental_watermark(target_watermark_column or watermark_column) }}
            {%- endif %}
        )
    {%- endset -%}
    {{ return(predicate) }}
{%- endmacro %}

{#-
    One row per `unique_key` from `relation`, as one select to be used as the body of a CTE.
    The first copy by `order_by` (the last with keep='last') is kept whole, every column
    included (also the ones added by dynamic DDL), and `copies_column` counts the copies
    (1 = no duplicate). Identical events delivered twice, in the same or another file,
    collapse to one. With `last_landed_column`, that column holds the newest `_ingested_at` of
    all copies: when the row last changed (a later copy changes `copies_column`), the
    watermark of incremental models downstream.
-#}
{% macro deduplicate(
    relation,
    unique_key,
    order_by,
    keep='first',
    copies_column='landed_copies',
    last_landed_column=none
) -%}
    {%- if order_by is string or order_by | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "deduplicate: `order_by` must be a non-empty list of columns, got " ~ order_by
        ) }}
    {%- endif -%}
    {%- if keep not in ['first', 'last'] -%}
        {{ exceptions.raise_compiler_error(
            "deduplicate: `keep` must be 'first' or 'last', got '" ~ keep ~ "'"
        ) }}
    {%- endif -%}
    with

    dedup_copies as (
        select
            {{ 'min_by' if keep == 'first' else 'max_by' }}(
                struct(*),
                struct({{ order_by | join(', ') }})
            ) as kept_row,
            count(*) as {{ copies_column }}{{ ',' if last_landed_column }}
            {%- if last_landed_column %}
            max(_ingested_at) as {{ last_landed_column }}
            {%- endif %}
        from {{ relation }}
        group by {{ unique_key }}
    )

    select
        kept_row.*,
        {{ copies_column }}{{ ',' if last_landed_column }}
        {%- if last_landed_column %}
        {{ last_landed_column }}
        {%- endif %}
    from dedup_copies
{%- endmacro %}

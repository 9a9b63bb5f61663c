{#-
    The `insert_overwrite` incremental strategy, overriding dbt-spark's macro of the same name.

    On an Iceberg table it replaces exactly the partitions the model's output names, in one
    atomic commit (`insert into ... replace where <partition> in (...)`), including partitions
    whose recompute came out empty: the model emits, for such a partition, one row whose
    `unique_key` is NULL (a partition marker, e.g. from `affected dates left join rows`). Marker
    rows are never written. dbt-spark's own Iceberg path is a dynamic overwrite, which only
    touches partitions that still hold a row, so a partition whose rows all moved elsewhere
    kept them.

    The model needs one `partition_by` column (a date, string or integer) and a `unique_key`.
    Whether the table is Iceberg is read from `describe table extended` (dbt-spark's relation
    cache does not see the Provider of Iceberg tables behind the session catalog). A model
    configured `file_format: iceberg` whose table is still Parquet (built before the switch)
    stops with a hint to `--full-refresh` it; other formats get dbt-spark's dynamic
    `insert overwrite`, without the marker rows.
-#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set dest_cols_csv = dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if not _is_iceberg_table(existing_relation) -%}
        {%- if config.get('file_format') == 'iceberg' -%}
            {{ exceptions.raise_compiler_error(
                target_relation ~ " is configured file_format: iceberg but the table is not an"
                ~ " Iceberg table (built before the switch); rebuild it once with"
                ~ " `dbt run -s " ~ model.name ~ " --full-refresh`"
            ) }}
        {%- endif %}
        insert overwrite table {{ target_relation }}
        {{ partition_cols(label="partition") }}
        select {{ dest_cols_csv }} from {{ source_relation }}
        {%- if unique_key is string %} where {{ unique_key }} is not null{% endif %}
    {%- else -%}
        {%- set partition_by = config.get('partition_by') -%}
        {%- set partition_by = [partition_by] if partition_by is string else (partition_by or []) -%}
        {%- if partition_by | length != 1 or unique_key is not string -%}
            {{ exceptions.raise_compiler_error(
                "insert_overwrite on Iceberg (" ~ target_relation ~ ") needs exactly one partition_by"
                ~ " column and a single-column unique_key (NULL marks a partition to empty); got"
                ~ " partition_by=" ~ config.get('partition_by') ~ ", unique_key=" ~ unique_key
            ) }}
        {%- endif -%}
        {%- set partition_column = partition_by[0] -%}
        {%- set partition_type = (
            dest_columns | selectattr('name', 'equalto', partition_column) | map(attribute='dtype') | first
        ) | lower -%}
        {%- set replaced = run_query(
            'select distinct cast(' ~ partition_column ~ ' as string) as value from ' ~ source_relation
            ~ ' where ' ~ partition_column ~ ' is not null order by 1'
        ).columns[0].values() -%}
        {%- if replaced | length == 0 -%}
            select 'nothing to replace in {{ target_relation }}' as result
        {%- else -%}
            {%- set literals = [] -%}
            {%- for value in replaced -%}
                {%- if partition_type == 'date' -%}
                    {%- do literals.append("date'" ~ value ~ "'") -%}
                {%- elif partition_type in ('string', 'int', 'bigint', 'smallint', 'tinyint') -%}
                    {%- do literals.append(string_literal(value) if partition_type == 'string' else value) -%}
                {%- else -%}
                    {{ exceptions.raise_compiler_error(
                        "insert_overwrite on Iceberg: partition column " ~ partition_column ~ " of "
                        ~ target_relation ~ " is " ~ partition_type ~ "; use a date, string or integer"
                    ) }}
                {%- endif -%}
            {%- endfor %}
        insert into {{ target_relation }}
        replace where {{ partition_column }} in ({{ literals | join(', ') }})
        select {{ dest_cols_csv }}
        from {{ source_relation }}
        where {{ unique_key }} is not null
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#-
    Raw rows per landing file equal the rows ingest says it wrote for that file
    (ingest_meta.files.rows_written): no row lost, none duplicated. Returns one row per file
    whose counts differ, including files only one side knows about.
-#}
{% test reconciles_with_ingest_log(model, table_name, file_column='_source_file') %}

with

landed as (
    select
        {{ file_column }} as file_uri,
        count(*) as rows_in_table
    from {{ model }}
    group by {{ file_column }}
),

logged as (
    select
        file_uri,
        sum(rows_written) as rows_written
    from {{ source('ingest_meta', 'files') }}
    where table_name = '{{ table_name }}'
    group by file_uri
),

compared as (
    select
        coalesce(landed.file_uri, logged.file_uri) as file_uri,
        coalesce(landed.rows_in_table, 0) as rows_in_table,
        coalesce(logged.rows_written, 0) as rows_written
    from landed
    full outer join logged
        on landed.file_uri = logged.file_uri
)

select *
from compared
where rows_in_table != rows_written

{% endtest %}

{#-
    Raw rows per landing file equal the rows ingest says it wrote for that file
    (ingest_meta.files.rows_written): no row lost, none duplicated. Returns one row per file
    whose counts differ, including files only one side knows about. `table_name` is the name
    ingest logs (`raw.camera_events`); it defaults to the tested relation's schema.table.
    Manifest rows repeated by a crash between two ingest steps count once.
-#}
{% test reconciles_with_ingest_log(model, table_name=none, file_column='_source_file') %}

{%- set logged_table_name = table_name or (model.schema ~ '.' ~ model.identifier) %}

with

landed as (
    select
        {{ file_column }} as file_uri,
        count(*) as rows_in_table
    from {{ model }}
    group by {{ file_column }}
),

manifest as (
    select distinct
        file_uri,
        fingerprint,
        run_id,
        rows_written
    from {{ source('ingest_meta', 'files') }}
    where table_name = '{{ logged_table_name }}'
),

logged as (
    select
        file_uri,
        sum(rows_written) as rows_written
    from manifest
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

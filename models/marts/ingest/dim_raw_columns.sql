{#-
    Raw column lineage: every column ingest created from the data, where it came from (original
    JSON path or CSV header, first run, file and time), whether it arrived after the table's
    first columns (schema drift), which staging view exposes it and whether under its raw name
    (carried through) or renamed by the view. The docs site lists this model, so columns
    added by dynamic DDL are documented the moment they land.
-#}
-- depends_on: {{ ref('stg_camera__events') }}
-- depends_on: {{ ref('stg_drone__telemetry') }}
-- depends_on: {{ ref('stg_app__events') }}
-- depends_on: {{ ref('stg_shop__orders') }}
-- depends_on: {{ ref('stg_crm__contacts') }}

{%- set staging_models = {
    'raw.camera_events': 'stg_camera__events',
    'raw.drone_telemetry': 'stg_drone__telemetry',
    'raw.app_events': 'stg_app__events',
    'raw.shop_orders': 'stg_shop__orders',
    'raw.crm_contacts': 'stg_crm__contacts',
} %}

{%- set staged_columns = staging_view_columns(staging_models) %}

with

column_maps as (
    select * from {{ ref('stg_ingest_meta__column_maps') }}
),

schema_changes as (
    select * from {{ ref('stg_ingest_meta__schema_changes') }}
),

-- The latest addition: a column `ingest rollback` dropped (its run undone) and a later run
-- added again came with that run.
column_additions as (
    select
        raw_table_name,
        column_name,
        max(changed_at) as added_at,
        max_by(ingest_run_id, changed_at) as added_run_id
    from schema_changes
    where change_type = 'add_column'
    group by raw_table_name, column_name
),

-- The run that first added the table's columns that are there now: a later run's additions
-- are schema drift. (Not the run that created the table: `ingest rollback` of that run drops the
-- columns it added, and the next run adds them again.)
first_additions as (
    select
        column_additions.raw_table_name,
        min_by(column_additions.added_run_id, column_additions.added_at) as first_added_run_id
    from column_additions
    inner join column_maps
        on
            column_additions.raw_table_name = column_maps.raw_table_name
            and column_additions.column_name = column_maps.column_name
    group by column_additions.raw_table_name
),

-- Inline tables, not unions of one-row selects: Spark plans a union of ~100 selects as ~100
-- scans, three times per build (the schema, the commented view, the table): 9 s for this model.
-- Each starts with a row of nulls, filtered out, so the table is valid with no row from the loop.
staging_models as (
    select
        raw_table_name,
        staging_model
    from values
        (cast(null as string), cast(null as string))
        {%- for raw_table_name, model_name in staging_models.items() %},
        ({{ string_literal(raw_table_name) }}, {{ string_literal(model_name) }})
        {%- endfor %}
            as staging_models (raw_table_name, staging_model)
    where raw_table_name is not null
),

staged_columns as (
    select
        raw_table_name,
        staging_model,
        column_name
    from values
        (cast(null as string), cast(null as string), cast(null as string))
        {%- for raw_table_name, model_name, column_name in staged_columns %},
        ({{ string_literal(raw_table_name) }}, {{ string_literal(model_name) }}, {{ string_literal(column_name) }})
        {%- endfor %}
            as staged_columns (raw_table_name, staging_model, column_name)
    where raw_table_name is not null
),

final as (
    select
        column_maps.raw_column_id,
        column_maps.raw_table_name,
        column_maps.column_name,
        column_maps.original_path,
        column_maps.path_json,
        column_maps.data_type,
        column_maps.first_ingest_run_id,
        column_maps.first_source_file,
        column_maps.first_seen_at,
        column_additions.added_at,
        column_additions.added_run_id,
        coalesce(
            column_additions.added_run_id != first_additions.first_added_run_id, false
        ) as is_schema_drift,
        staging_models.staging_model,
        staged_columns.column_name is not null as is_staged_under_raw_name
    from column_maps
    left join column_additions
        on
            column_maps.raw_table_name = column_additions.raw_table_name
            and column_maps.column_name = column_additions.column_name
    left join first_additions
        on column_maps.raw_table_name = first_additions.raw_table_name
    left join staging_models
        on column_maps.raw_table_name = staging_models.raw_table_name
    left join staged_columns
        on
            column_maps.raw_table_name = staged_columns.raw_table_name
            and column_maps.column_name = staged_columns.column_name
)

select * from final

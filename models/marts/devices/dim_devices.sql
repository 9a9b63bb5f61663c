with

device_days as (
    select * from {{ ref('int_device_days_summarized') }}
),

app_events as (
    select * from {{ ref('stg_app__events') }}
),

products as (
    select * from {{ ref('product_catalog') }}
),

firmware_releases as (
    select * from {{ ref('firmware_releases') }}
),

countries as (
    select * from {{ ref('country_regions') }}
),

device_summaries as (
    select
        device_serial,
        max(device_type) as device_type,
        max_by(device_model, case when device_model is not null then last_seen_at end) as device_model,
        max_by(
            firmware_version, case when firmware_version is not null then last_seen_at end
        ) as firmware_version,
        max_by(battery_pct, case when battery_pct is not null then last_seen_at end) as battery_pct,
        max_by(
            storage_free_mb, case when storage_free_mb is not null then last_seen_at end
        ) as storage_free_mb,
        min(first_event_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as active_days,
        sum(event_count) as event_count
    from device_days
    group by device_serial
),

device_countries as (
    select
        device_serial,
        country_code,
        count(*) as app_events,
        max(event_at) as last_app_event_at
    from app_events
    where
        device_serial is not null
        and country_code is not null
    group by device_serial, country_code
),

home_countries as (
    select
        device_serial,
        max_by(country_code, struct(app_events, last_app_event_at)) as country_code
    from device_countries
    group by device_serial
),

final as (
    select
        device_summaries.device_serial,
        device_summaries.device_type,
        device_summaries.device_model,
        products.product_name,
        products.product_line,
        products.launch_date,
        device_summaries.firmware_version,
        firmware_releases.release_date as firmware_release_date,
        device_summaries.battery_pct,
        device_summaries.storage_free_mb,
        home_countries.country_code,
        countries.region,
        device_summaries.first_seen_at,
        device_summaries.last_seen_at,
        device_summaries.active_days,
        device_summaries.event_count
    from device_summaries
    left join products
        on device_summaries.device_model = products.model_code
    left join firmware_releases
        on
            device_summaries.device_type = firmware_releases.device_type
            and device_summaries.firmware_version = firmware_releases.firmware_version
    left join home_countries
        on device_summaries.device_serial = home_countries.device_serial
    left join countries
        on home_countries.country_code = countries.country_code
)

select * from final

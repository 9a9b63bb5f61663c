{#- Current CRM contacts: an export on a later landing date replaces the contact's earlier rows. -#}

with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

countries as (
    select * from {{ ref('country_regions') }}
),

latest_contacts as (
    {{ deduplicate(
        relation='contacts',
        unique_key='contact_id',
        order_by=['landing_date', '_ingested_at', '_source_file', '_source_line'],
        keep='last',
        copies_column='exported_copies',
    ) }}
),

final as (
    select
        latest_contacts.contact_id,
        latest_contacts.email,
        latest_contacts.first_name,
        latest_contacts.last_name,
        latest_contacts.country_code,
        countries.region,
        latest_contacts.created_at,
        latest_contacts.is_marketing_opt_in,
        latest_contacts.exported_copies,
        latest_contacts.landing_date as updated_date
    from latest_contacts
    left join countries
        on latest_contacts.country_code = countries.country_code
)

select * from final

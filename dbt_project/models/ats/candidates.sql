with

-- the opportunities whose rows can have changed since this table's last build (all of them on a full build)
opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
    where {{ loaded_since_last_build() }}
),

country_names as (
    select * from {{ ref('int_country_names') }}
),

located as (
    select
        opportunities.*,
        -- a full country name as the last comma part; never guessed from a two-letter token ("CA" is California)
        country_names.alpha_2 as location_country
    from opportunities
    left join country_names
        on lower(country_names.country_name) = lower(trim(split_part(opportunities.contact_location, ',', -1)))
),

content as (
    select
        {{ kombo_id('located.integration_id', 'candidates', 'located.opportunity_id') }} as id,
        located.opportunity_id as remote_id,
        {{ name_part('located.contact_name', 'first') }} as first_name,
        {{ name_part('located.contact_name', 'last') }} as last_name,
        -- the newest resume's most recent position, else the headline's first comma part
        coalesce(located.position_company, nullif(trim(split_part(located.contact_headline, ',', 1)), '')) as company,
        located.position_title as title,
        located.is_confidential as confidential,
        -- all sources stay in remote_data
        located.sources[1] as source,
        [
            {'phone_number': phone.value, 'type': case when upper(phone.type) in ('MOBILE', 'HOME', 'WORK', 'SKYPE', 'OTHER') then upper(phone.type) end}
            for phone in located.phones if nullif(trim(phone.value), '') is not null
        ]::struct(phone_number varchar, type varchar)[] as phone_numbers,
        [
            {'email_address': {{ valid_email('email') }}, 'type': null}
            for email in located.emails if {{ valid_email('email') }} is not null
        ]::struct(email_address varchar, type varchar)[] as email_addresses,
        [
            {{ social_media('link') }}
            for link in located.links if nullif(trim(link), '') is not null
        ]::struct(link varchar, type varchar, username varchar)[] as social_media,
        {{ location_struct('located.contact_location', 'located.location_country') }} as location,
        {{ mapped_fields('candidates', {
            'opportunity': 'staged_opportunities.payload',
            'profile_form': "(select v.field_values from {ref:int_lever__profile_form_values} as v where v.integration_id = located.integration_id and v.opportunity_id = located.opportunity_id)",
        }, integration='located.integration_id') }},
        located.profile_url as remote_url,
        located.created_at as remote_created_at,
        located.updated_at as remote_updated_at,
        {{ remote_data({
            '/opportunities': 'staged_opportunities.payload',
            '/opportunities/:opportunity/resumes':
                'case when coalesce(located.position_company, located.position_title) is not null then resumes.payload end',
        }) }} as remote_data,
        located.integration_id,
        located.remote_deleted_at,
        located.opportunity_id as _lever_opportunity_id,
        located._seq as _source_seq
    from located
    -- the verbatim payloads, for remote_data
    left join {{ ref('stg_lever__opportunities') }} as staged_opportunities
        on staged_opportunities.integration_id = located.integration_id
        and staged_opportunities.opportunity_id = located.opportunity_id
    left join {{ ref('stg_lever__resumes') }} as resumes
        on resumes.integration_id = located.integration_id
        and resumes.resume_id = located.resume_id
),

recomputed as (
    select integration_id, opportunity_id as _lever_opportunity_id from opportunities
),

{{ unified_rows('content', recomputed='recomputed') }}

{%- set scope = opportunity_scope(['stg_lever__opportunities', 'stg_lever__offers'], dimensions=['stg_lever__archive_reasons'], recompute=field_mapping_changed('offers')) -%}

with

{{ scope.cte }},

offers as (
    {{ in_scope('stg_lever__offers') }}
),

opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
),

mapped as (
    select
        offers.*,
        opportunities.outcome as opportunity_outcome,
        case {{ normalize_enum('offers.offer_status') }}
            when 'draft' then 'DRAFT'
            when 'approval-sent' then 'DRAFT'
            when 'approved' then 'APPROVED'
            when 'sent' then 'SENT'
            when 'sent-manually' then 'SENT'
            when 'opened' then 'SENT'
            when 'signed' then 'ACCEPTED'
            when 'denied' then 'ABANDONED'
        end as lever_offer_status,
        -- children inherit their opportunity's deletion; the earliest applicable time wins
        least(offers.deleted_at, offers.missing_since, opportunities.remote_deleted_at) as remote_deleted_at
    from offers
    left join opportunities
        on opportunities.integration_id = offers.integration_id
        and opportunities.opportunity_id = offers.opportunity_id
),

content as (
    select
        {{ kombo_id('integration_id', 'offers', 'offer_id') }} as id,
        offer_id as remote_id,
        -- a sent offer whose opportunity was archived as not hired was declined
        case
            when lever_offer_status = 'SENT' and opportunity_outcome = 'DECLINED' then 'DECLINED'
            else lever_offer_status
        end as status,
        -- Kombo does not fill it for Lever; fields[identifier = anticipated_start_date] stays in remote_data
        null::timestamptz as employment_start_date,
        {{ kombo_id('integration_id', 'applications', 'opportunity_id') }} as application_id,
        {{ mapped_fields('offers', {
            'offer': "(select json_group_object(f ->> '$.identifier', f -> '$.value') from unnest(json_extract(payload, '$.fields[*]')) as offered(f))",
        }, labels={
            'offer': "(select json_group_object(f ->> '$.identifier', f ->> '$.text') from unnest(json_extract(payload, '$.fields[*]')) as offered(f))",
        }) }},
        created_at as remote_created_at,
        -- offers have no updatedAt
        null::timestamptz as remote_updated_at,
        {{ remote_data({'/opportunities/:opportunity/offers': 'payload'}) }} as remote_data,
        integration_id,
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id
    from mapped
),

{{ unified_rows('content', scope=scope) }}

with

-- the offers whose row can have changed since this table's last build (all of them on a full build): loaded
-- since, or of an opportunity loaded since (its outcome decides DECLINED, its deletion is inherited)
offers as (
    {{ changed_opportunity_children(ref('stg_lever__offers')) }}
),

mapped as (
    select
        offers.*,
        case {{ normalize_enum('offers.offer_status') }}
            when 'draft' then 'DRAFT'
            when 'approval-sent' then 'DRAFT'
            when 'approved' then 'APPROVED'
            when 'sent' then 'SENT'
            when 'sent-manually' then 'SENT'
            when 'opened' then 'SENT'
            when 'signed' then 'ACCEPTED'
            when 'denied' then 'ABANDONED'
        end as lever_offer_status
    from offers
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
        opportunity_id as _lever_opportunity_id,
        _source_seq
    from mapped
),

recomputed as (
    select integration_id, offer_id as remote_id from offers
),

{{ unified_rows('content', recomputed='recomputed', recomputed_key=['integration_id', 'remote_id']) }}

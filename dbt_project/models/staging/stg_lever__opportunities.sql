{{ config(materialized='incremental', unique_key=['integration_id', 'opportunity_id']) }}

{%- set shape = {
    "name": "VARCHAR", "headline": "VARCHAR", "contact": "VARCHAR", "stage": "VARCHAR",
    "stageChanges": ["JSON"], "confidentiality": "VARCHAR", "location": "VARCHAR",
    "phones": [{"type": "VARCHAR", "value": "VARCHAR"}], "emails": ["VARCHAR"], "links": ["VARCHAR"],
    "archived": "JSON",
    "tags": ["VARCHAR"], "sources": ["VARCHAR"], "origin": "VARCHAR",
    "sourcedBy": "VARCHAR", "owner": "VARCHAR", "followers": ["VARCHAR"], "applications": ["JSON"],
    "createdAt": "DOUBLE", "updatedAt": "DOUBLE", "lastInteractionAt": "DOUBLE", "lastAdvancedAt": "DOUBLE",
    "snoozedUntil": "DOUBLE", "urls": {"show": "VARCHAR"}, "isAnonymized": "BOOLEAN",
    "opportunityLocation": "VARCHAR", "dataProtection": "JSON"
} -%}

with

source as (
    {{ staged_raw('opportunities', 'opportunity_id', shape) }}
),

-- the small nested objects kept verbatim for remote_data are parsed once more, cheaply, into typed values
parsed_nested as (
    select *, {{ parse_payload({"reason": "VARCHAR", "archivedAt": "DOUBLE"}, 'lever.archived') }} as archived
    from source
),

renamed as (
    select
        -- ids
        integration_id,
        id as opportunity_id,
        nullif(lever.contact, '') as contact_id,
        nullif(lever.stage, '') as stage_id,
        nullif(lever.owner, '') as owner_user_id,
        nullif(lever.sourcedBy, '') as sourced_by_user_id,
        lever.followers as follower_user_ids,
        -- with expand=applications the entries are objects; without it, bare ids
        [{{ lever_ref('application') }}
            for application in lever.applications] as application_ids,

        -- the person (copied from the contact)
        nullif(lever.name, '') as contact_name,
        nullif(lever.headline, '') as contact_headline,
        nullif(lever.location, '') as contact_location,
        lever.emails as emails,
        lever.phones as phones,
        lever.links as links,

        -- pipeline
        [{{ parse_payload({"toStageId": "VARCHAR", "toStageIndex": "INTEGER", "updatedAt": "DOUBLE",
                           "userId": "VARCHAR"}, 'stage_change') }}
            for stage_change in lever.stageChanges] as stage_changes,
        lever.stageChanges as stage_change_payloads,
        nullif(archived.reason, '') as archive_reason_id,
        {{ ms_to_timestamptz('archived.archivedAt') }} as archived_at,
        coalesce(archived.reason, archived.archivedAt::varchar) is not null as is_archived,
        case when json_type(lever.archived) = 'OBJECT' then lever.archived end as archive_payload,
        lever.tags as tags,
        lever.sources as sources,
        nullif(lever.origin, '') as origin,
        nullif(lever.confidentiality, '') as confidentiality,
        lever.confidentiality = 'confidential' as is_confidential,
        nullif(lever.opportunityLocation, '') as opportunity_location,
        lever.dataProtection as data_protection,
        lever.isAnonymized as is_anonymized,
        nullif(lever.urls.show, '') as profile_url,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,
        {{ ms_to_timestamptz('lever.lastInteractionAt') }} as last_interaction_at,
        {{ ms_to_timestamptz('lever.lastAdvancedAt') }} as last_advanced_at,
        {{ ms_to_timestamptz('lever.snoozedUntil') }} as snoozed_until,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from parsed_nested
)

select * from renamed

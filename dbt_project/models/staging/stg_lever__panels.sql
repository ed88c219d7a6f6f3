{{ config(materialized='incremental', unique_key=['integration_id', 'panel_id']) }}

{%- set shape = {
    "applications": ["VARCHAR"], "canceledAt": "DOUBLE", "createdAt": "DOUBLE", "start": "DOUBLE", "end": "DOUBLE",
    "timezone": "VARCHAR", "feedbackReminder": "VARCHAR", "externallyManaged": "BOOLEAN", "externalUrl": "VARCHAR",
    "note": "VARCHAR", "stage": "JSON", "user": "VARCHAR", "interviews": [{"id": "VARCHAR"}]
} -%}

with

source as (
    {{ staged_raw('panels', 'panel_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as panel_id,
        parent_id as opportunity_id,
        lever.applications as application_ids,
        [interview.id for interview in lever.interviews] as interview_ids,
        {{ lever_ref('lever.stage') }} as stage_id,
        nullif(lever.user, '') as creator_user_id,

        -- the panel
        nullif(lever.timezone, '') as timezone,
        nullif(lever.note, '') as note,
        nullif(lever.feedbackReminder, '') as feedback_reminder,
        lever.externallyManaged as is_externally_managed,
        nullif(lever.externalUrl, '') as external_url,
        lever.canceledAt is not null as is_canceled,

        -- timestamps
        {{ ms_to_timestamptz('lever.start') }} as starts_at,
        {{ ms_to_timestamptz('lever."end"') }} as ends_at,
        {{ ms_to_timestamptz('lever.canceledAt') }} as canceled_at,
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

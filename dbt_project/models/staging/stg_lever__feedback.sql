{{ config(materialized='incremental', unique_key=['integration_id', 'feedback_id']) }}

{%- set shape = {
    "type": "VARCHAR", "text": "VARCHAR", "instructions": "VARCHAR", "fields": "JSON", "baseTemplateId": "VARCHAR",
    "interview": "VARCHAR", "panel": "VARCHAR", "user": "VARCHAR", "createdAt": "DOUBLE", "completedAt": "DOUBLE",
    "updatedAt": "DOUBLE", "deletedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('feedback', 'feedback_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as feedback_id,
        parent_id as opportunity_id,
        nullif(lever.interview, '') as interview_id,
        nullif(lever.panel, '') as panel_id,
        nullif(lever.baseTemplateId, '') as feedback_template_id,
        nullif(lever.user, '') as author_user_id,

        -- the form
        {{ lever_form_columns() }},

        -- timestamps (Lever soft-deletes feedback: deleted_in_lever_at is its own deletedAt)
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.completedAt') }} as completed_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,
        {{ ms_to_timestamptz('lever.deletedAt') }} as deleted_in_lever_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

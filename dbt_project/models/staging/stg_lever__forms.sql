{{ config(materialized='incremental', unique_key=['integration_id', 'form_id']) }}

{%- set shape = {
    "type": "VARCHAR", "text": "VARCHAR", "instructions": "VARCHAR", "fields": "JSON", "baseTemplateId": "VARCHAR",
    "user": "VARCHAR", "stage": "JSON", "secret": "BOOLEAN", "createdAt": "DOUBLE", "completedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('forms', 'form_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as form_id,
        parent_id as opportunity_id,
        nullif(lever.baseTemplateId, '') as form_template_id,
        nullif(lever.user, '') as author_user_id,
        {{ lever_ref('lever.stage') }} as stage_id,

        -- the form
        {{ lever_form_columns() }},
        lever.secret as is_secret,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.completedAt') }} as completed_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

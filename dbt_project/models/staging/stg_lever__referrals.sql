{{ config(materialized='incremental', unique_key=['integration_id', 'referral_id']) }}

{%- set shape = {
    "type": "VARCHAR", "text": "VARCHAR", "instructions": "VARCHAR", "fields": "JSON", "baseTemplateId": "VARCHAR",
    "user": "VARCHAR", "referrer": "VARCHAR", "stage": "JSON", "createdAt": "DOUBLE", "completedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('referrals', 'referral_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as referral_id,
        parent_id as opportunity_id,
        nullif(lever.baseTemplateId, '') as form_template_id,
        nullif(lever.user, '') as author_user_id,
        nullif(lever.referrer, '') as referrer_user_id,
        {{ lever_ref('lever.stage') }} as stage_id,

        -- the form
        {{ lever_form_columns() }},

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.completedAt') }} as completed_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

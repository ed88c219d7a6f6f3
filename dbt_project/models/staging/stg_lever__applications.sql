{{ config(materialized='incremental', unique_key=['integration_id', 'application_id']) }}

{%- set shape = {
    "candidateId": "VARCHAR", "type": "VARCHAR", "posting": "JSON",
    "postingOwner": "VARCHAR", "postingHiringManager": "VARCHAR", "user": "VARCHAR",
    "name": "VARCHAR", "email": "VARCHAR", "company": "VARCHAR", "comments": "VARCHAR",
    "phone": {"type": "VARCHAR", "value": "VARCHAR"}, "links": ["VARCHAR"],
    "customQuestions": [{"fields": [{"id": "VARCHAR", "type": "VARCHAR", "text": "VARCHAR", "value": "JSON"}]}],
    "createdAt": "DOUBLE", "archived": {"reason": "VARCHAR", "archivedAt": "DOUBLE"},
    "requisitionForHire": "JSON"
} -%}

with

source as (
    {{ staged_raw('applications', 'application_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as application_id,
        parent_id as opportunity_id,
        nullif(lever.candidateId, '') as legacy_candidate_id,
        {{ lever_ref('lever.posting') }} as posting_id,
        nullif(lever.postingOwner, '') as posting_owner_user_id,
        nullif(lever.postingHiringManager, '') as posting_hiring_manager_user_id,
        nullif(lever.user, '') as added_by_user_id,

        -- what the applicant typed
        nullif(lever.type, '') as application_type,
        nullif(lever.name, '') as applicant_name,
        nullif(lever.email, '') as applicant_email,
        nullif(lever.company, '') as applicant_company,
        nullif(lever.comments, '') as comments,
        lever.phone as phone,
        lever.links as links,
        -- every completed form field, flattened across the application's forms in form order
        flatten([custom_question.fields for custom_question in lever.customQuestions]) as custom_question_fields,
        lever.requisitionForHire as requisition_for_hire,

        -- archive state
        nullif(lever.archived.reason, '') as archive_reason_id,
        {{ ms_to_timestamptz('lever.archived.archivedAt') }} as archived_at,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

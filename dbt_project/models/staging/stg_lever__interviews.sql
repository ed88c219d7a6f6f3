{{ config(materialized='incremental', unique_key=['integration_id', 'interview_id']) }}

{%- set shape = {
    "panel": "VARCHAR", "subject": "VARCHAR", "note": "VARCHAR",
    "interviewers": [{"id": "VARCHAR", "name": "VARCHAR", "email": "VARCHAR", "feedbackTemplate": "VARCHAR"}],
    "timezone": "VARCHAR", "createdAt": "DOUBLE", "date": "DOUBLE", "duration": "DOUBLE", "location": "VARCHAR",
    "feedbackTemplate": "VARCHAR", "feedbackForms": ["VARCHAR"], "feedbackReminder": "VARCHAR",
    "user": "VARCHAR", "stage": "JSON", "canceledAt": "DOUBLE", "postings": ["VARCHAR"], "gcalEventUrl": "VARCHAR"
} -%}

with

source as (
    {{ staged_raw('interviews', 'interview_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as interview_id,
        parent_id as opportunity_id,
        nullif(lever.panel, '') as panel_id,
        {{ lever_ref('lever.stage') }} as stage_id,
        nullif(lever.user, '') as creator_user_id,
        lever.postings as posting_ids,
        lever.feedbackForms as feedback_form_ids,
        nullif(lever.feedbackTemplate, '') as feedback_template_id,

        -- the interview
        nullif(lever.subject, '') as subject,
        nullif(lever.note, '') as note,
        lever.interviewers as interviewers,
        nullif(lever.location, '') as location,
        nullif(lever.timezone, '') as timezone,
        lever.duration as duration_minutes,
        nullif(lever.feedbackReminder, '') as feedback_reminder,
        nullif(lever.gcalEventUrl, '') as calendar_event_url,
        lever.canceledAt is not null as is_canceled,

        -- timestamps
        {{ ms_to_timestamptz('lever.date') }} as starts_at,
        {{ ms_to_timestamptz('lever.date + lever.duration * 60000') }} as ends_at,
        {{ ms_to_timestamptz('lever.canceledAt') }} as canceled_at,
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

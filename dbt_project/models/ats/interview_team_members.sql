{%- set scope = opportunity_scope(['stg_lever__opportunities', 'stg_lever__interviews']) -%}

with

{{ scope.cte }},

interviews as (
    {{ in_scope('int_lever__interviews') }}
),

-- one row per (interview, interviewer); the row shares its interview's deletion
interviewers as (
    select
        integration_id,
        interview_id,
        opportunity_id,
        unnest(list_distinct([nullif(interviewer.id, '') for interviewer in interviewers])) as user_id,
        remote_deleted_at
    from interviews
),

content as (
    select
        {{ kombo_id('integration_id', 'interview_team_members', "interview_id || ':' || user_id") }} as id,
        {{ kombo_id('integration_id', 'interviews', 'interview_id') }} as interview_id,
        {{ kombo_id('integration_id', 'users', 'user_id') }} as user_id,
        integration_id,
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id
    from interviewers
    where user_id is not null
),

{{ unified_rows('content', has_remote_id=false, scope=scope) }}

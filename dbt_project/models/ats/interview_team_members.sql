with

-- the interviews whose rows can have changed since this table's last build (all of them on a full build)
interviews as (
    {{ changed_opportunity_children(ref('stg_lever__interviews')) }}
),

-- one row per (interview, interviewer); the row shares its interview's deletion
interviewers as (
    select
        integration_id,
        interview_id,
        opportunity_id,
        unnest(list_distinct([nullif(interviewer.id, '') for interviewer in interviewers])) as user_id,
        remote_deleted_at,
        _source_seq
    from interviews
),

content as (
    select
        {{ kombo_id('integration_id', 'interview_team_members', "interview_id || ':' || user_id") }} as id,
        {{ kombo_id('integration_id', 'interviews', 'interview_id') }} as interview_id,
        {{ kombo_id('integration_id', 'users', 'user_id') }} as user_id,
        integration_id,
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id,
        _source_seq
    from interviewers
    where user_id is not null
),

-- an interviewer removed drops out of the content: the interview's other rows decide which of its rows vanished
recomputed as (
    select integration_id, {{ kombo_id('integration_id', 'interviews', 'interview_id') }} as interview_id
    from interviews
),

{{ unified_rows('content', has_remote_id=false, recomputed='recomputed', recomputed_key=['integration_id', 'interview_id']) }}

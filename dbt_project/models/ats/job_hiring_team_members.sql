with

postings as (
    select * from {{ ref('int_lever__postings') }}
),

-- owner -> RECRUITER, hiringManager -> HIRING_MANAGER; followers are not on the hiring team
assignments as (
    select integration_id, posting_id, owner_user_id as user_id, 'RECRUITER' as role, 0 as role_order, remote_deleted_at
    from postings
    union all
    select integration_id, posting_id, hiring_manager_user_id, 'HIRING_MANAGER', 1, remote_deleted_at
    from postings
),

-- one row per (job, user): someone who is both gets both roles
members as (
    select
        integration_id,
        posting_id,
        user_id,
        list(role order by role_order) as roles,
        min(remote_deleted_at) as remote_deleted_at
    from assignments
    where user_id is not null
    group by all
),

content as (
    select
        {{ kombo_id('integration_id', 'job_hiring_team_members', "posting_id || ':' || user_id") }} as id,
        {{ kombo_id('integration_id', 'jobs', 'posting_id') }} as job_id,
        {{ kombo_id('integration_id', 'users', 'user_id') }} as user_id,
        roles,
        integration_id,
        remote_deleted_at
    from members
),

{{ unified_rows('content', has_remote_id=false) }}

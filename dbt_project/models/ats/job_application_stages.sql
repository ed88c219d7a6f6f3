with

postings as (
    select * from {{ ref('int_lever__postings') }}
),

stages as (
    select * from {{ ref('application_stages') }}
),

-- Lever stages are account-wide: every job has every stage, at the stage's global position
content as (
    select
        {{ kombo_id('postings.integration_id', 'job_application_stages', "postings.posting_id || ':' || stages.remote_id") }} as id,
        {{ kombo_id('postings.integration_id', 'jobs', 'postings.posting_id') }} as job_id,
        stages.id as stage_id,
        stages.global_index as "index",
        postings.integration_id,
        least(postings.remote_deleted_at, stages.remote_deleted_at) as remote_deleted_at
    from postings
    inner join stages
        on stages.integration_id = postings.integration_id
),

{{ unified_rows('content', has_remote_id=false) }}

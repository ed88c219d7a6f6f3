-- One row per interview: the staged interview and its remote_deleted_at, the earliest of its own deletion markers
-- and its opportunity's deletion (children inherit their parent's).

with

interviews as (
    select * from {{ ref('stg_lever__interviews') }}
),

opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
),

inherited as (
    select
        interviews.*,
        least(interviews.deleted_at, interviews.missing_since, opportunities.remote_deleted_at) as remote_deleted_at
    from interviews
    left join opportunities
        on opportunities.integration_id = interviews.integration_id
        and opportunities.opportunity_id = interviews.opportunity_id
)

select * from inherited

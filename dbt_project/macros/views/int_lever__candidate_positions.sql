{# int_lever__candidate_positions (see models/intermediate/int_lever__candidate_positions.sql): its SQL, whole or for the opportunities in `scope` #}
{% macro int_lever__candidate_positions_sql(scoped=false) -%}
with

resumes as (
    select * from {{ view_input('stg_lever__resumes', scoped) }}
),

opportunities as (
    select * from {{ view_input('int_lever__opportunities', scoped) }}
),

-- resumes still on the profile; a resume that left only because its whole opportunity left still counts
listed_resumes as (
    select resumes.*
    from resumes
    inner join opportunities
        on opportunities.integration_id = resumes.integration_id
        and opportunities.opportunity_id = resumes.opportunity_id
    where
        least(resumes.deleted_at, resumes.missing_since) is null
        or least(resumes.deleted_at, resumes.missing_since) >= opportunities.remote_deleted_at
),

newest_resumes as (
    select *
    from listed_resumes
    qualify row_number() over (
        partition by integration_id, opportunity_id order by created_at desc nulls last, resume_id
    ) = 1
),

positions as (
    select
        integration_id,
        opportunity_id,
        resume_id,
        payload as resume_payload,
        unnest(positions) as position
    from newest_resumes
),

ranked as (
    select
        integration_id,
        opportunity_id,
        resume_id,
        resume_payload,
        nullif(trim(position.org), '') as company,
        nullif(trim(position.title), '') as title
    from positions
    qualify row_number() over (
        partition by integration_id, opportunity_id
        order by
            position."end".year is null desc,
            case when position."end".year is null then position.start.year * 100 + coalesce(position.start.month, 0) end desc nulls last,
            position."end".year * 100 + coalesce(position."end".month, 0) desc nulls last
    ) = 1
)

select * from ranked
{%- endmacro %}

{# int_lever__opportunities (see models/intermediate/int_lever__opportunities.sql): its SQL, whole or for the opportunities in `scope` #}
{% macro int_lever__opportunities_sql(scoped=false) -%}
with

opportunities as (
    select * from {{ view_input('stg_lever__opportunities', scoped) }}
),

applications as (
    select * from {{ view_input('stg_lever__applications', scoped) }}
),

archive_reasons as (
    select * from {{ ref('stg_lever__archive_reasons') }}
),

-- Lever allows at most one application per opportunity; should raw hold a replaced one too, the listed
-- (not deleted, not missing) and newest one is current.
current_applications as (
    select *
    from applications
    qualify row_number() over (
        partition by integration_id, opportunity_id
        order by (deleted_at is null and missing_since is null) desc, created_at desc nulls last, application_id
    ) = 1
),

joined as (
    select
        opportunities.*,
        current_applications.application_id,
        current_applications.posting_id,
        current_applications.created_at as application_created_at,
        current_applications.custom_question_fields,
        current_applications.payload as application_payload,
        archive_reasons.archive_reason_name,
        archive_reasons.archive_reason_type,
        -- an opportunity leaves the pipeline hired (the hired-type reason) or not hired (any other reason)
        case
            when not opportunities.is_archived then 'PENDING'
            when archive_reasons.archive_reason_type = 'hired' then 'HIRED'
            else 'DECLINED'
        end as outcome,
        -- candidates and applications of one opportunity are deleted together: by the opportunities deleted
        -- feed or by reconciliation; Lever lists applications only inside their opportunity
        least(opportunities.deleted_at, opportunities.missing_since) as remote_deleted_at
    from opportunities
    left join current_applications
        on current_applications.integration_id = opportunities.integration_id
        and current_applications.opportunity_id = opportunities.opportunity_id
    left join archive_reasons
        on archive_reasons.integration_id = opportunities.integration_id
        and archive_reasons.archive_reason_id = opportunities.archive_reason_id
)

select * from joined
{%- endmacro %}

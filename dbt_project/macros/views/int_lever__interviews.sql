{# int_lever__interviews (see models/intermediate/int_lever__interviews.sql): its SQL, whole or for the opportunities in `scope` #}
{% macro int_lever__interviews_sql(scoped=false) -%}
with

interviews as (
    select * from {{ view_input('stg_lever__interviews', scoped) }}
),

opportunities as (
    select * from {{ view_input('int_lever__opportunities', scoped) }}
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
{%- endmacro %}

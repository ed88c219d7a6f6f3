with

-- the interviews whose row can have changed since this table's last build (all of them on a full build)
interviews as (
    {{ changed_opportunity_children(ref('stg_lever__interviews')) }}
),

content as (
    select
        {{ kombo_id('integration_id', 'interviews', 'interview_id') }} as id,
        interview_id as remote_id,
        subject as title,
        starts_at as starting_at,
        ends_at as ending_at,
        -- free text (meeting links may sit here too); no parsing into city/country
        {{ location_struct('location', parse_city=false) }} as location,
        null::varchar as video_conferencing_url,
        {{ kombo_id('integration_id', 'applications', 'opportunity_id') }} as application_id,
        {{ kombo_id('integration_id', 'application_stages', 'stage_id') }} as stage_id,
        case when payload is not null then is_canceled end as canceled,
        created_at as remote_created_at,
        -- interviews have no updatedAt
        null::timestamptz as remote_updated_at,
        {{ remote_data({'/opportunities/:opportunity/interviews': 'payload'}) }} as remote_data,
        integration_id,
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id,
        _source_seq
    from interviews
),

recomputed as (
    select integration_id, interview_id as remote_id from interviews
),

{{ unified_rows('content', recomputed='recomputed', recomputed_key=['integration_id', 'remote_id']) }}

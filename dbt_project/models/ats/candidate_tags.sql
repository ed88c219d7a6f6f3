{%- set scope = opportunity_scope(['stg_lever__opportunities']) -%}

with

{{ scope.cte }},

opportunities as (
    {{ in_scope('int_lever__opportunities') }}
),

opportunity_tags as (
    select
        integration_id,
        opportunity_id,
        unnest(list_distinct(tags)) as tag_text,
        remote_deleted_at
    from opportunities
),

content as (
    select
        {{ kombo_id('integration_id', 'candidate_tags', "opportunity_id || ':' || tag_text") }} as id,
        {{ kombo_id('integration_id', 'candidates', 'opportunity_id') }} as candidate_id,
        {{ kombo_id('integration_id', 'tags', 'tag_text') }} as tag_id,
        integration_id,
        -- a tag taken off the opportunity drops out of this content and is soft-deleted by unified_rows
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id
    from opportunity_tags
    where tag_text is not null
),

{{ unified_rows('content', has_remote_id=false, scope=scope) }}

with

-- the opportunities whose rows can have changed since this table's last build (all of them on a full build)
opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
    where {{ loaded_since_last_build() }}
),

opportunity_tags as (
    select
        integration_id,
        opportunity_id,
        unnest(list_distinct(tags)) as tag_text,
        remote_deleted_at,
        _seq
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
        opportunity_id as _lever_opportunity_id,
        _seq as _source_seq
    from opportunity_tags
    where tag_text is not null
),

-- a tag taken off drops out of the content: the opportunity's other rows decide which of its rows vanished
recomputed as (
    select integration_id, opportunity_id as _lever_opportunity_id from opportunities
),

{{ unified_rows('content', has_remote_id=false, recomputed='recomputed') }}

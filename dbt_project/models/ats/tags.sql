with

listed_tags as (
    select * from {{ ref('stg_lever__tags') }}
),

opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
),

-- every place a tag text occurs, with the time that place left Lever (NULL while it is still there)
carriers as (
    select integration_id, tag_text, least(deleted_at, missing_since) as gone_at
    from listed_tags
    union all
    select integration_id, unnest(list_distinct(tags)) as tag_text, remote_deleted_at as gone_at
    from opportunities
),

tag_texts as (
    select
        integration_id,
        tag_text,
        -- deleted once neither /tags nor any live opportunity carries it: when the last carrier left
        case when bool_or(gone_at is null) then null else max(gone_at) end as remote_deleted_at
    from carriers
    where tag_text is not null
    group by all
),

content as (
    select
        {{ kombo_id('tag_texts.integration_id', 'tags', 'tag_texts.tag_text') }} as id,
        tag_texts.tag_text as remote_id,
        tag_texts.tag_text as name,
        -- {text, count} when /tags lists it now
        case when least(listed_tags.deleted_at, listed_tags.missing_since) is null then
            {{ remote_data({'/tags': 'listed_tags.payload'}) }}
        end as remote_data,
        tag_texts.integration_id,
        tag_texts.remote_deleted_at
    from tag_texts
    left join listed_tags
        on listed_tags.integration_id = tag_texts.integration_id
        and listed_tags.tag_text = tag_texts.tag_text
),

{{ unified_rows('content') }}

{%- set shape = {"text": "VARCHAR", "count": "BIGINT"} -%}

with

source as (
    {{ staged_raw('tags', 'tag_text', shape) }}
),

renamed as (
    select
        -- ids (a tag has no id in Lever: its text is the key)
        integration_id,
        id as tag_text,

        -- counts
        lever.count as count_candidates,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

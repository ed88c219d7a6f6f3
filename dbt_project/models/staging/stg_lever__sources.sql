{%- set shape = {"text": "VARCHAR", "count": "BIGINT"} -%}

with

source as (
    {{ staged_raw('sources', 'source_text', shape) }}
),

renamed as (
    select
        -- ids (a source has no id in Lever: its text is the key)
        integration_id,
        id as source_text,

        -- counts
        lever.count as count_candidates,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

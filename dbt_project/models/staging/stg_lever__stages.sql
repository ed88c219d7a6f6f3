{%- set shape = {"text": "VARCHAR"} -%}

with

source as (
    {{ staged_raw('stages', 'stage_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as stage_id,

        -- the stage
        nullif(lever.text, '') as stage_name,
        -- /stages is re-listed whole each sync and raw keeps its first-seen (response) order in load_order
        load_order,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

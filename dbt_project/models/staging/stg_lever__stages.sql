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
        -- /stages lists the pipeline in order; the extractor records each stage's index in that response
        list_position,

        -- read by id because a stored record references it (NULL when a list returned it)
        {{ read_by_id_columns() }},

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

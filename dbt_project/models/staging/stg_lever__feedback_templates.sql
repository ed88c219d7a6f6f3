{%- set shape = {
    "text": "VARCHAR", "group": {"id": "VARCHAR", "name": "VARCHAR"}, "instructions": "VARCHAR", "fields": "JSON",
    "createdAt": "DOUBLE", "updatedAt": "DOUBLE", "stage": "JSON"
} -%}

with

source as (
    {{ staged_raw('feedback_templates', 'feedback_template_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as feedback_template_id,
        nullif(lever."group".id, '') as template_group_id,
        {{ lever_ref('lever.stage') }} as stage_id,

        -- the template
        nullif(lever.text, '') as template_name,
        nullif(lever."group".name, '') as template_group_name,
        nullif(lever.instructions, '') as instructions,
        lever.fields as fields,

        -- timestamps (null on Lever's built-in templates)
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

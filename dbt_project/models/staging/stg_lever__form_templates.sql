{%- set shape = {
    "text": "VARCHAR", "group": {"id": "VARCHAR", "name": "VARCHAR"}, "instructions": "VARCHAR", "fields": "JSON",
    "secretByDefault": "BOOLEAN", "createdAt": "DOUBLE", "updatedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('form_templates', 'form_template_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as form_template_id,
        nullif(lever."group".id, '') as template_group_id,

        -- the template
        nullif(lever.text, '') as template_name,
        nullif(lever."group".name, '') as template_group_name,
        nullif(lever.instructions, '') as instructions,
        lever.secretByDefault as is_secret_by_default,
        lever.fields as fields,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

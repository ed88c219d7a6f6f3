{%- set shape = {"text": "VARCHAR", "type": "VARCHAR", "isRequired": "BOOLEAN", "options": "JSON", "subfields": "JSON"} -%}

with

source as (
    {{ staged_raw('requisition_fields', 'requisition_field_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as requisition_field_id,

        -- the field definition
        nullif(lever.text, '') as field_label,
        nullif(lever.type, '') as field_type,
        lever.isRequired as is_required,
        lever.options as options,
        lever.subfields as subfields,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

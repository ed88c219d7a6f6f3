{%- set shape = {"text": "VARCHAR", "status": "VARCHAR", "type": "VARCHAR"} -%}

with

source as (
    {{ staged_raw('archive_reasons', 'archive_reason_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as archive_reason_id,

        -- the reason
        nullif(lever.text, '') as archive_reason_name,
        nullif(lever.type, '') as archive_reason_type,
        nullif(lever.status, '') as archive_reason_status,
        lever.type = 'hired' as is_hired_reason,

        -- read by id because a stored record references it (NULL when a list returned it)
        {{ read_by_id_columns() }},

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

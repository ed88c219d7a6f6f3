{{ config(materialized='incremental', unique_key=['integration_id', 'file_id']) }}

{%- set shape = {
    "name": "VARCHAR", "ext": "VARCHAR", "downloadUrl": "VARCHAR", "uploadedAt": "DOUBLE",
    "status": "VARCHAR", "size": "BIGINT"
} -%}

with

source as (
    {{ staged_raw('files', 'file_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as file_id,
        parent_id as opportunity_id,

        -- the file
        nullif(lever.name, '') as file_name,
        nullif(lever.ext, '') as file_extension,
        nullif(lever.downloadUrl, '') as download_url,
        nullif(lever.status, '') as file_status,
        lever.size as file_size_bytes,

        -- timestamps
        {{ ms_to_timestamptz('lever.uploadedAt') }} as uploaded_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

{{ config(materialized='incremental', unique_key=['integration_id', 'resume_id']) }}

{%- set shape = {
    "createdAt": "DOUBLE",
    "file": {"name": "VARCHAR", "ext": "VARCHAR", "downloadUrl": "VARCHAR", "uploadedAt": "DOUBLE",
             "status": "VARCHAR", "size": "BIGINT"},
    "parsedData": {
        "positions": [{"org": "VARCHAR", "title": "VARCHAR", "summary": "VARCHAR", "location": "VARCHAR",
                       "start": {"year": "INTEGER", "month": "INTEGER"},
                       "end": {"year": "INTEGER", "month": "INTEGER"}}],
        "schools": "JSON"
    }
} -%}

with

source as (
    {{ staged_raw('resumes', 'resume_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as resume_id,
        parent_id as opportunity_id,

        -- the file
        nullif(lever.file.name, '') as file_name,
        nullif(lever.file.ext, '') as file_extension,
        nullif(lever.file.downloadUrl, '') as download_url,
        nullif(lever.file.status, '') as file_status,
        lever.file.size as file_size_bytes,

        -- parsed content
        lever.parsedData.positions as positions,
        lever.parsedData.schools as schools,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.file.uploadedAt') }} as uploaded_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

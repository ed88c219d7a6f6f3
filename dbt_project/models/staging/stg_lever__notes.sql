{{ config(materialized='incremental', unique_key=['integration_id', 'note_id']) }}

{%- set shape = {
    "text": "VARCHAR", "fields": "JSON", "user": "VARCHAR", "secret": "BOOLEAN",
    "createdAt": "DOUBLE", "completedAt": "DOUBLE", "deletedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('notes', 'note_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as note_id,
        parent_id as opportunity_id,
        nullif(lever.user, '') as author_user_id,

        -- the note
        nullif(lever.text, '') as note_text,
        lever.fields as fields,
        lever.secret as is_secret,

        -- timestamps (Lever soft-deletes notes: deleted_in_lever_at is its own deletedAt)
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.completedAt') }} as completed_at,
        {{ ms_to_timestamptz('lever.deletedAt') }} as deleted_in_lever_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

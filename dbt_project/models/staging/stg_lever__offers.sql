{{ config(materialized='incremental', unique_key=['integration_id', 'offer_id']) }}

{%- set shape = {
    "posting": "JSON", "createdAt": "DOUBLE", "status": "VARCHAR", "creator": "JSON", "fields": "JSON",
    "signatures": "JSON", "approved": "BOOLEAN", "approvedAt": "DOUBLE", "sentAt": "DOUBLE",
    "sentDocument": "JSON", "signedDocument": "JSON"
} -%}

with

source as (
    {{ staged_raw('offers', 'offer_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as offer_id,
        parent_id as opportunity_id,
        {{ lever_ref('lever.posting') }} as posting_id,
        {{ lever_ref('lever.creator') }} as creator_user_id,

        -- the offer
        nullif(lever.status, '') as offer_status,
        lever.approved as is_approved,
        lever.fields as fields,
        lever.signatures as signatures,
        lever.sentDocument as sent_document,
        lever.signedDocument as signed_document,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.approvedAt') }} as approved_at,
        {{ ms_to_timestamptz('lever.sentAt') }} as sent_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

{%- set shape = {
    "createdAt": "DOUBLE", "updatedAt": "DOUBLE", "closedAt": "DOUBLE", "confidentiality": "VARCHAR",
    "status": "VARCHAR", "name": "VARCHAR", "requisitionCode": "VARCHAR", "headcountTotal": "VARCHAR",
    "headcountHired": "VARCHAR", "headcountInfinite": "BOOLEAN", "backfill": "BOOLEAN", "creator": "VARCHAR",
    "owner": "VARCHAR", "hiringManager": "VARCHAR", "internalNotes": "VARCHAR",
    "compensationBand": {"min": "DOUBLE", "max": "DOUBLE", "currency": "VARCHAR", "interval": "VARCHAR"},
    "employmentStatus": "VARCHAR", "location": "VARCHAR", "team": "VARCHAR", "department": "VARCHAR",
    "postings": ["VARCHAR"], "offerIds": ["VARCHAR"], "customFields": "JSON"
} -%}

with

source as (
    {{ staged_raw('requisitions', 'requisition_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as requisition_id,
        nullif(lever.requisitionCode, '') as requisition_code,
        nullif(lever.creator, '') as creator_user_id,
        nullif(lever.owner, '') as owner_user_id,
        nullif(lever.hiringManager, '') as hiring_manager_user_id,
        lever.postings as posting_ids,
        lever.offerIds as offer_ids,

        -- the requisition
        nullif(lever.name, '') as requisition_name,
        nullif(lever.status, '') as requisition_status,
        nullif(lever.confidentiality, '') as confidentiality,
        -- headcounts may be the string "unlimited"; headcount_infinite is the structured flag
        try_cast(lever.headcountTotal as integer) as headcount_total,
        try_cast(lever.headcountHired as integer) as headcount_hired,
        lever.headcountInfinite as is_headcount_infinite,
        lever.backfill as is_backfill,
        nullif(lever.employmentStatus, '') as employment_status,
        nullif(lever.location, '') as location,
        nullif(lever.team, '') as team,
        nullif(lever.department, '') as department,
        lever.compensationBand.min as compensation_min,
        lever.compensationBand.max as compensation_max,
        nullif(lever.compensationBand.currency, '') as compensation_currency,
        nullif(lever.compensationBand.interval, '') as compensation_interval,
        nullif(lever.internalNotes, '') as internal_notes,
        lever.customFields as custom_fields,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,
        {{ ms_to_timestamptz('lever.closedAt') }} as closed_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

with

archive_reasons as (
    select * from {{ ref('stg_lever__archive_reasons') }}
),

content as (
    select
        {{ kombo_id('integration_id', 'rejection_reasons', 'archive_reason_id') }} as id,
        archive_reason_id as remote_id,
        archive_reason_name as name,
        {{ remote_data({'/archive_reasons': 'payload', 'lever_warehouse': read_by_id_remote_data('/archive_reasons')}) }} as remote_data,
        integration_id,
        least(deleted_at, missing_since) as remote_deleted_at
    from archive_reasons
    -- the hired-type reason is an outcome, not a rejection; inactive reasons keep their rows
    -- (a reason without a type reads as non-hired, as in applications.outcome)
    where archive_reason_type is distinct from 'hired'
),

{{ unified_rows('content') }}

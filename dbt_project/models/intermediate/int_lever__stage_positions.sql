-- One row per stage Lever lists now (not those read by id because a record still references them), with its 0-based position in the pipeline: the /stages response order,
-- which the extractor records as raw `list_position` on every sync.

with

stages as (
    select * from {{ ref('stg_lever__stages') }}
),

positioned as (
    select
        integration_id,
        stage_id,
        (row_number() over (partition by integration_id order by list_position nulls last, stage_id) - 1)::integer
            as global_index
    from stages
    -- listed stages only: a stage read by id (lookup_status) is referenced but no longer in the pipeline
    where least(deleted_at, missing_since) is null and lookup_status is null
)

select * from positioned

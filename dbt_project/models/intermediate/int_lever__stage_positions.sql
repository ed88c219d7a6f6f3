-- One row per stage Lever lists now, with its 0-based position in the pipeline (the /stages response order).
-- Raw does not keep the response order (rows of one upsert are not stored in list order), so the position comes
-- from Lever itself: stageChanges[].toStageIndex is the stage's pipeline index when an opportunity entered it;
-- the most recent entry wins, and stages nobody entered yet follow in raw load order.

with

stages as (
    select * from {{ ref('stg_lever__stages') }}
),

opportunities as (
    select * from {{ ref('stg_lever__opportunities') }}
),

entries as (
    select integration_id, unnest(stage_changes) as entry
    from opportunities
),

observed_indexes as (
    select
        integration_id,
        entry.toStageId as stage_id,
        arg_max(entry.toStageIndex, entry.updatedAt) as pipeline_index
    from entries
    where entry.toStageIndex is not null
    group by all
),

positioned as (
    select
        stages.integration_id,
        stages.stage_id,
        (row_number() over (
            partition by stages.integration_id
            order by observed_indexes.pipeline_index nulls last, stages.load_order
        ) - 1)::integer as global_index
    from stages
    left join observed_indexes
        on observed_indexes.integration_id = stages.integration_id
        and observed_indexes.stage_id = stages.stage_id
    where least(stages.deleted_at, stages.missing_since) is null
)

select * from positioned

with

stages as (
    select * from {{ ref('stg_lever__stages') }}
),

positions as (
    select * from {{ ref('int_lever__stage_positions') }}
),

content as (
    select
        {{ kombo_id('stages.integration_id', 'application_stages', 'stages.stage_id') }} as id,
        stages.stage_id as remote_id,
        stages.stage_name as name,
        -- position in the pipeline among the stages Lever lists now; NULL once a stage is no longer listed
        positions.global_index,
        -- Lever lists only current stages; a removed stage gets remote_deleted_at instead of a status
        null::varchar as status,
        null::json as custom_fields,
        {{ remote_data({
            '/stages': 'stages.payload',
            'lever_warehouse': read_by_id_remote_data('/stages', 'stages'),
        }) }} as remote_data,
        stages.integration_id,
        least(stages.deleted_at, stages.missing_since) as remote_deleted_at
    from stages
    left join positions
        on positions.integration_id = stages.integration_id
        and positions.stage_id = stages.stage_id
),

{{ unified_rows('content') }}

{# int_lever__stage_change_events (see models/intermediate/int_lever__stage_change_events.sql): its SQL, whole or for the opportunities in `scope` #}
{% macro int_lever__stage_change_events_sql(scoped=false) -%}
with

opportunities as (
    select * from {{ view_input('int_lever__opportunities', scoped) }}
),

stage_entries as (
    select
        integration_id,
        opportunity_id,
        unnest(stage_changes) as entry,
        unnest(stage_change_payloads) as entry_payload,
        generate_subscripts(stage_changes, 1) - 1 as position
    from opportunities
),

stage_changes as (
    select
        stage_entries.integration_id,
        stage_entries.opportunity_id,
        stage_entries.opportunity_id || ':stage:' || stage_entries.position as event_key,
        'STAGE_CHANGE' as event_type,
        stage_entries.position,
        nullif(stage_entries.entry.toStageId, '') as stage_id,
        lag(nullif(stage_entries.entry.toStageId, '')) over entries as from_stage_id,
        stage_entries.entry.toStageIndex as stage_index,
        {{ ms_to_timestamptz('stage_entries.entry.updatedAt') }} as entered_at,
        -- the next entry's time; for the last one the archive time while archived, else still open
        coalesce(
            lead({{ ms_to_timestamptz('stage_entries.entry.updatedAt') }}) over entries,
            case
                when lead(stage_entries.position) over entries is null and opportunities.is_archived
                    then opportunities.archived_at
            end
        ) as exited_at,
        nullif(stage_entries.entry.userId, '') as changed_by_user_id,
        null::varchar as outcome,
        null::varchar as archive_reason_id,
        null::varchar as archive_reason_name,
        stage_entries.entry_payload as event_payload
    from stage_entries
    inner join opportunities
        on opportunities.integration_id = stage_entries.integration_id
        and opportunities.opportunity_id = stage_entries.opportunity_id
    window entries as (
        partition by stage_entries.integration_id, stage_entries.opportunity_id order by stage_entries.position
    )
),

-- archiving keeps the stage and adds no stageChanges entry: the archive event comes from `archived`
archive_events as (
    select
        integration_id,
        opportunity_id,
        opportunity_id || ':archived:' || epoch_ms(archived_at) as event_key,
        'ARCHIVED' as event_type,
        len(coalesce(stage_changes, [])) as position,
        stage_id,
        nullif(stage_changes[-1].toStageId, '') as from_stage_id,
        null::integer as stage_index,
        archived_at as entered_at,
        null::timestamptz as exited_at,
        null::varchar as changed_by_user_id,
        outcome,
        case when outcome = 'DECLINED' then archive_reason_id end as archive_reason_id,
        case when outcome = 'DECLINED' then archive_reason_name end as archive_reason_name,
        archive_payload as event_payload
    from opportunities
    where is_archived and archived_at is not null
),

events as (
    select * from stage_changes
    union all
    select * from archive_events
)

select * from events
{%- endmacro %}

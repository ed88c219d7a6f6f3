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

entries as (
    select
        stage_entries.integration_id,
        stage_entries.opportunity_id,
        stage_entries.position,
        nullif(stage_entries.entry.toStageId, '') as stage_id,
        stage_entries.entry.toStageIndex as stage_index,
        {{ ms_to_timestamptz('stage_entries.entry.updatedAt') }} as entered_at,
        nullif(stage_entries.entry.userId, '') as changed_by_user_id,
        stage_entries.entry_payload,
        -- the archive time while archived
        case when opportunities.is_archived then opportunities.archived_at end as archived_at
    from stage_entries
    inner join opportunities
        on opportunities.integration_id = stage_entries.integration_id
        and opportunities.opportunity_id = stage_entries.opportunity_id
),

-- Entries in time order: real accounts have entries out of list order and entries recorded after the archive
-- time. Ties in time keep list order; an entry without a time sorts first.
stage_changes as (
    select
        integration_id,
        opportunity_id,
        opportunity_id || ':stage:' || position as event_key,
        'STAGE_CHANGE' as event_type,
        position,
        stage_id,
        lag(stage_id) over in_time as from_stage_id,
        stage_index,
        entered_at,
        case
            -- moved while archived: no time spent in that stage (the archive stays the open interval)
            when entered_at >= archived_at then entered_at
            -- the next entry's time, or the archive time when that comes first; else still open
            else least(lead(entered_at) over in_time, archived_at)
        end as exited_at,
        changed_by_user_id,
        null::varchar as outcome,
        null::varchar as archive_reason_id,
        null::varchar as archive_reason_name,
        entry_payload as event_payload
    from entries
    window in_time as (partition by integration_id, opportunity_id order by entered_at nulls first, position)
),

-- the stage each archived opportunity was in at its archive time: the last entry at or before it
stage_at_archive as (
    select
        integration_id,
        opportunity_id,
        arg_max(stage_id, {'entered_at': entered_at, 'position': position}) as stage_id
    from entries
    where entered_at <= archived_at
    group by integration_id, opportunity_id
),

-- archiving keeps the stage and adds no stageChanges entry: the archive event comes from `archived`
archive_events as (
    select
        opportunities.integration_id,
        opportunities.opportunity_id,
        opportunities.opportunity_id || ':archived:' || epoch_ms(opportunities.archived_at) as event_key,
        'ARCHIVED' as event_type,
        null::bigint as position,
        -- with no entry before the archive time, the stage it is in now
        coalesce(stage_at_archive.stage_id, opportunities.stage_id) as stage_id,
        stage_at_archive.stage_id as from_stage_id,
        null::integer as stage_index,
        opportunities.archived_at as entered_at,
        null::timestamptz as exited_at,
        null::varchar as changed_by_user_id,
        opportunities.outcome,
        case when opportunities.outcome = 'DECLINED' then opportunities.archive_reason_id end as archive_reason_id,
        case when opportunities.outcome = 'DECLINED' then opportunities.archive_reason_name end as archive_reason_name,
        opportunities.archive_payload as event_payload
    from opportunities
    left join stage_at_archive
        on stage_at_archive.integration_id = opportunities.integration_id
        and stage_at_archive.opportunity_id = opportunities.opportunity_id
    where opportunities.is_archived and opportunities.archived_at is not null
),

events as (
    select * from stage_changes
    union all
    select * from archive_events
)

select * from events
{%- endmacro %}

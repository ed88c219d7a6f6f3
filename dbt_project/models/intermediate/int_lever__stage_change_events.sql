-- One row per stage an opportunity entered (its stageChanges) plus one row for its current archive event, as Lever
-- shows them now, in time order (list position breaking ties: real accounts record entries out of list order and
-- after the archive time). Archive events seen in earlier builds but no longer current (unarchived since) are added
-- back by application_stage_changes, which keeps them. A view over int_lever__opportunities: each event carries its
-- opportunity's `_seq`, and a filter on it reaches that table's scan, so application_stage_changes computes the
-- events of the opportunities it recomputes only.

-- (int_lever__opportunities is read where it is used and `entries` is not materialized: DuckDB would otherwise
-- compute a CTE used twice in full before filtering it)

with

stage_entries as not materialized (
    select
        integration_id,
        opportunity_id,
        _seq,
        unnest(stage_changes) as entry,
        unnest(stage_change_payloads) as entry_payload,
        generate_subscripts(stage_changes, 1) - 1 as position,
        -- the archive time while archived
        case when is_archived then archived_at end as archived_at
    from {{ ref('int_lever__opportunities') }}
),

entries as not materialized (
    select
        integration_id,
        opportunity_id,
        _seq,
        position,
        nullif(entry.toStageId, '') as stage_id,
        entry.toStageIndex as stage_index,
        {{ ms_to_timestamptz('entry.updatedAt') }} as entered_at,
        nullif(entry.userId, '') as changed_by_user_id,
        entry_payload,
        archived_at
    from stage_entries
),

-- Entries in time order: real accounts have entries out of list order and entries recorded after the archive
-- time. Ties in time keep list order; an entry without a time sorts first.
stage_changes as (
    select
        integration_id,
        opportunity_id,
        _seq,
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
    -- _seq is one value per opportunity: partitioning by it too lets a filter on it reach the table scan
    window in_time as (partition by integration_id, opportunity_id, _seq order by entered_at nulls first, position)
),

-- the stage each archived opportunity was in at its archive time: the last entry at or before it
stage_at_archive as (
    select
        integration_id,
        opportunity_id,
        _seq,
        arg_max(stage_id, {'entered_at': entered_at, 'position': position}) as stage_id
    from entries
    where entered_at <= archived_at
    group by integration_id, opportunity_id, _seq
),

-- archiving keeps the stage and adds no stageChanges entry: the archive event comes from `archived`
archive_events as (
    select
        opportunities.integration_id,
        opportunities.opportunity_id,
        opportunities._seq,
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
    from {{ ref('int_lever__opportunities') }} as opportunities
    left join stage_at_archive
        on stage_at_archive.integration_id = opportunities.integration_id
        and stage_at_archive.opportunity_id = opportunities.opportunity_id
        -- equal per opportunity; joined on too so that a filter on it reaches both sides
        and stage_at_archive._seq is not distinct from opportunities._seq
    where opportunities.is_archived and opportunities.archived_at is not null
),

events as (
    select * from stage_changes
    union all
    select * from archive_events
)

select * from events

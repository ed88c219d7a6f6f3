with

-- the opportunities whose rows can have changed since this table's last build (all of them on a full build)
opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
    where {{ loaded_since_last_build() }}
),

-- their events (each carries its opportunity's `_seq`, and the filter reaches the view's table scan)
events as (
    select * from {{ ref('int_lever__stage_change_events') }}
    where {{ loaded_since_last_build() }}
),

current_events as (
    select
        {{ kombo_id('events.integration_id', 'application_stage_changes', 'events.event_key') }} as id,
        events.event_key as remote_id,
        {{ kombo_id('events.integration_id', 'applications', 'events.opportunity_id') }} as application_id,
        {{ kombo_id('events.integration_id', 'candidates', 'events.opportunity_id') }} as candidate_id,
        -- the application's current job
        {{ kombo_id('events.integration_id', 'jobs', 'opportunities.posting_id') }} as job_id,
        events.event_type,
        {{ kombo_id('events.integration_id', 'application_stages', 'events.stage_id') }} as stage_id,
        {{ kombo_id('events.integration_id', 'application_stages', 'events.from_stage_id') }} as from_stage_id,
        events.stage_index,
        events.entered_at,
        events.exited_at,
        -- NULL for imported history and for archive events (Lever does not say who archived)
        {{ kombo_id('events.integration_id', 'users', 'events.changed_by_user_id') }} as changed_by_user_id,
        events.outcome,
        {{ kombo_id('events.integration_id', 'rejection_reasons', 'events.archive_reason_id') }} as rejection_reason_id,
        events.archive_reason_name as rejection_reason_name,
        {{ remote_data({'/opportunities': 'events.event_payload'}) }} as remote_data,
        events.integration_id,
        -- rows follow their application
        opportunities.remote_deleted_at,
        events.opportunity_id as _lever_opportunity_id,
        events._seq as _source_seq
    from events
    inner join opportunities
        on opportunities.integration_id = events.integration_id
        and opportunities.opportunity_id = events.opportunity_id
),

{% if is_incremental() -%}
-- An unarchive is visible only as a change between builds: archive events this table holds that Lever no longer
-- shows are kept, and exited when the warehouse first sees their opportunity unarchived (or re-archived).
earlier_archive_events as (
    select
        previous.* exclude (changed_at, _content_hash, is_current)
            replace (
                case
                    when opportunities.has_payload then coalesce(previous.exited_at, {{ warehouse_now() }})
                    else previous.exited_at
                end as exited_at,
                opportunities.remote_deleted_at as remote_deleted_at,
                opportunities._seq as _source_seq
            )
    from {{ this }} as previous
    inner join opportunities
        on opportunities.integration_id = previous.integration_id
        and opportunities.opportunity_id = previous._lever_opportunity_id
    where
        previous.remote_id like '%:archived:%'
        and previous.id not in (select id from current_events)
),
{%- endif %}

all_events as (
    select * from current_events
    {%- if is_incremental() %}
    union all by name
    select * from earlier_archive_events
    {%- endif %}
),

content as (
    select
        columns(lambda c: c not in ('remote_data', 'integration_id', 'remote_deleted_at', '_lever_opportunity_id', '_source_seq')),
        -- the open interval: not exited and not deleted
        exited_at is null and remote_deleted_at is null as is_current,
        remote_data,
        integration_id,
        remote_deleted_at,
        _lever_opportunity_id,
        _source_seq
    from all_events
),

recomputed as (
    select integration_id, opportunity_id as _lever_opportunity_id from opportunities
),

{{ unified_rows('content', recomputed='recomputed') }}

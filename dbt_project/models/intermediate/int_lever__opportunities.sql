-- One row per opportunity: the staged opportunity with its current application, its archive reason, the unified
-- outcome, its deletion time and its candidate's current position (from the newest resume), i.e. everything
-- candidates, applications and their children share. Incremental: a build recomputes the opportunities with an
-- input row loaded since (each row's `_seq` is the highest load sequence among its inputs, which the unified
-- tables compare with theirs) and those whose personal data the clock alone removes (staging nulls the payload).
-- The verbatim payloads stay in staging (the unified tables join them for remote_data): copying them here would
-- double what a full build writes.
{{ config(materialized='incremental', unique_key=['integration_id', 'opportunity_id']) }}

{%- set opportunity_inputs = {
    'opportunities': 'stg_lever__opportunities',
    'applications': 'stg_lever__applications',
    'resumes': 'stg_lever__resumes',
} %}
{#- inputs a field mapping adds (profile forms): their changes reach the unified rows through `_seq` too -#}
{%- for relation in field_mapping_inputs('candidates') %}{% do opportunity_inputs.update({relation: relation}) %}{% endfor %}

with

{% if is_incremental() -%}
changed as (
    {%- for relation in opportunity_inputs.values() %}
    select integration_id, opportunity_id
    from {{ ref(relation) }}
    where
        {{ loaded_since_last_build(watermark='_seq') }}
        or {{ retention_passed_since_last_build('least(deleted_at, missing_since)', built_at='_built_at') }}
    union
    {%- endfor %}
    -- an archive reason changed (renamed, retyped, gone): the opportunities archived with it
    select opportunities.integration_id, opportunities.opportunity_id
    from {{ ref('stg_lever__opportunities') }} as opportunities
    inner join {{ ref('stg_lever__archive_reasons') }} as archive_reasons
        on archive_reasons.integration_id = opportunities.integration_id
        and archive_reasons.archive_reason_id = opportunities.archive_reason_id
    where archive_reasons._seq > (select max(_seq) from {{ this }})
),
{%- endif %}
{% for name, relation in opportunity_inputs.items() %}
{{ name }} as (
    select * from {{ ref(relation) }}
    {%- if is_incremental() %} semi join changed using (integration_id, opportunity_id){% endif %}
),
{% endfor %}
archive_reasons as (
    select * from {{ ref('stg_lever__archive_reasons') }}
),

-- Lever allows at most one application per opportunity; should raw hold a replaced one too, the listed
-- (not deleted, not missing) and newest one is current.
current_applications as (
    select *
    from applications
    qualify row_number() over (
        partition by integration_id, opportunity_id
        order by (deleted_at is null and missing_since is null) desc, created_at desc nulls last, application_id
    ) = 1
),

-- the newest resume still on the profile; a resume that left only because its whole opportunity left still counts
newest_resumes as (
    select resumes.*
    from resumes
    inner join opportunities
        on opportunities.integration_id = resumes.integration_id
        and opportunities.opportunity_id = resumes.opportunity_id
    where
        least(resumes.deleted_at, resumes.missing_since) is null
        or least(resumes.deleted_at, resumes.missing_since) >= least(opportunities.deleted_at, opportunities.missing_since)
    qualify row_number() over (
        partition by resumes.integration_id, resumes.opportunity_id
        order by resumes.created_at desc nulls last, resumes.resume_id
    ) = 1
),

-- its most recent position: the one with no end and the latest start, else the latest end
current_positions as (
    select
        integration_id,
        opportunity_id,
        resume_id,
        nullif(trim(position.org), '') as company,
        nullif(trim(position.title), '') as title
    from (select *, unnest(positions) as position from newest_resumes)
    qualify row_number() over (
        partition by integration_id, opportunity_id
        order by
            position."end".year is null desc,
            case when position."end".year is null then position.start.year * 100 + coalesce(position.start.month, 0) end desc nulls last,
            position."end".year * 100 + coalesce(position."end".month, 0) desc nulls last
    ) = 1
),

-- the highest load sequence among an opportunity's applications and resumes (and mapped inputs), present or not
child_seqs as (
    select integration_id, opportunity_id, max(_seq) as _seq
    from (
        {%- for name in opportunity_inputs if name != 'opportunities' %}
        select integration_id, opportunity_id, _seq from {{ name }}{{ " union all" if not loop.last }}
        {%- endfor %}
    )
    group by integration_id, opportunity_id
),

joined as (
    select
        opportunities.* exclude (_seq, payload),
        -- false once the payload is purged: then nothing about the opportunity can be seen
        opportunities.payload is not null as has_payload,
        current_applications.application_id,
        current_applications.posting_id,
        current_applications.created_at as application_created_at,
        current_applications.custom_question_fields,
        archive_reasons.archive_reason_name,
        archive_reasons.archive_reason_type,
        -- an opportunity leaves the pipeline hired (the hired-type reason) or not hired (any other reason)
        case
            when not opportunities.is_archived then 'PENDING'
            when archive_reasons.archive_reason_type = 'hired' then 'HIRED'
            else 'DECLINED'
        end as outcome,
        -- candidates and applications of one opportunity are deleted together: by the opportunities deleted
        -- feed or by reconciliation; Lever lists applications only inside their opportunity
        least(opportunities.deleted_at, opportunities.missing_since) as remote_deleted_at,
        current_positions.company as position_company,
        current_positions.title as position_title,
        current_positions.resume_id,
        greatest(opportunities._seq, child_seqs._seq, archive_reasons._seq) as _seq,
        {{ warehouse_now() }} as _built_at
    from opportunities
    left join current_applications
        on current_applications.integration_id = opportunities.integration_id
        and current_applications.opportunity_id = opportunities.opportunity_id
    left join archive_reasons
        on archive_reasons.integration_id = opportunities.integration_id
        and archive_reasons.archive_reason_id = opportunities.archive_reason_id
    left join current_positions
        on current_positions.integration_id = opportunities.integration_id
        and current_positions.opportunity_id = opportunities.opportunity_id
    left join child_seqs
        on child_seqs.integration_id = opportunities.integration_id
        and child_seqs.opportunity_id = opportunities.opportunity_id
)

select * from joined

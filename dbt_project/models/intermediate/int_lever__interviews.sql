-- One row per interview: the staged interview and its remote_deleted_at, the earliest of its own deletion markers
-- and its opportunity's deletion (children inherit their parent's). Incremental: a build recomputes the interviews
-- loaded since, those of the opportunities recomputed since (`_seq` is the higher of the interview's and its
-- opportunity's) and those whose personal data the clock alone removes (staging nulls the payload).
{{ config(materialized='incremental', unique_key=['integration_id', 'interview_id']) }}

with

opportunities as (
    select integration_id, opportunity_id, remote_deleted_at, _seq
    from {{ ref('int_lever__opportunities') }}
),

interviews as (
    {{ rows_of_changed_opportunities(
        ref('stg_lever__interviews'), 'opportunities', watermark='_seq',
        deleted_at='least(deleted_at, missing_since)', built_at='_built_at'
    ) }}
),

inherited as (
    select
        interviews.* exclude (_seq),
        least(interviews.deleted_at, interviews.missing_since, opportunities.remote_deleted_at) as remote_deleted_at,
        greatest(interviews._seq, opportunities._seq) as _seq,
        {{ warehouse_now() }} as _built_at
    from interviews
    left join opportunities
        on opportunities.integration_id = interviews.integration_id
        and opportunities.opportunity_id = interviews.opportunity_id
)

select * from inherited

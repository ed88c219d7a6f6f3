with

-- the opportunities whose rows can have changed since this table's last build (all of them on a full build)
opportunities as (
    select * from {{ ref('int_lever__opportunities') }}
    where {{ loaded_since_last_build() }}
),

-- their verbatim payloads, for remote_data
with_payloads as (
    select
        opportunities.*,
        staged_opportunities.payload as opportunity_payload,
        applications.payload as application_payload
    from opportunities
    left join {{ ref('stg_lever__opportunities') }} as staged_opportunities
        on staged_opportunities.integration_id = opportunities.integration_id
        and staged_opportunities.opportunity_id = opportunities.opportunity_id
    left join {{ ref('stg_lever__applications') }} as applications
        on applications.integration_id = opportunities.integration_id
        and applications.application_id = opportunities.application_id
),

-- every completed form field with a non-empty value; file uploads are left out, as Kombo does
answered as (
    select
        *,
        list_transform(
            list_filter(
                custom_question_fields,
                lambda field: coalesce(json_type(field.value) not in ('NULL'), false)
                    and field.value::varchar not in ('""', '[]', '{}')
                    and {{ screening_format_type('field.type') }} != 'FILE'
            ),
            lambda field: {
                'question': {
                    'remote_id': field.id,
                    'title': field.text,
                    'type': {{ screening_format_type('field.type') }}
                },
                'answer': {{ screening_answer(screening_format_type('field.type'), 'field.value') }}
            }
        ) as answers
    from with_payloads
),

content as (
    select
        {{ kombo_id('integration_id', 'applications', 'opportunity_id') }} as id,
        opportunity_id as remote_id,
        {{ kombo_id('integration_id', 'candidates', 'opportunity_id') }} as candidate_id,
        -- NULL for general (no-posting) opportunities
        {{ kombo_id('integration_id', 'jobs', 'posting_id') }} as job_id,
        -- archived opportunities keep their stage
        {{ kombo_id('integration_id', 'application_stages', 'stage_id') }} as current_stage_id,
        case when has_payload then outcome end as outcome,
        case when outcome = 'DECLINED' then archive_reason_name end as rejection_reason_name,
        case when outcome = 'DECLINED' then archived_at end as rejected_at,
        answers::struct(
            question struct(remote_id varchar, title varchar, type varchar),
            answer struct(content varchar, choice varchar, choices varchar[], checked boolean, number double, date timestamptz, raw json)
        )[] as screening_question_answers,
        {{ mapped_fields('applications', {
            'application': 'application_payload',
            'application_question': "(select json_group_object(f ->> '$.text', f -> '$.value') from unnest(json_extract(application_payload, '$.customQuestions[*].fields[*]')) as answered(f) where json_type(f -> '$.value') <> 'NULL')",
        }) }},
        profile_url as remote_url,
        coalesce(application_created_at, created_at) as remote_created_at,
        -- the opportunity's updatedAt also moves on application edits
        updated_at as remote_updated_at,
        {{ remote_data({
            '/opportunities': 'opportunity_payload',
            '/opportunities/:opportunity/applications': 'application_payload',
        }) }} as remote_data,
        integration_id,
        remote_deleted_at,
        opportunity_id as _lever_opportunity_id,
        _seq as _source_seq
    from answered
),

recomputed as (
    select integration_id, opportunity_id as _lever_opportunity_id from opportunities
),

{{ unified_rows('content', recomputed='recomputed') }}

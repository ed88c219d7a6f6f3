with

form_questions as (
    select * from {{ ref('int_lever__posting_form_questions') }}
),

-- one row per distinct question across every posting's form; the latest extracted form wins for the text and
-- format, and the question is deleted once no live posting's form holds it (when the last one left)
questions as (
    select
        *,
        case
            when bool_or(remote_deleted_at is null) over same_question then null
            else max(remote_deleted_at) over same_question
        end as question_deleted_at
    from form_questions
    window same_question as (partition by integration_id, question_remote_id)
    qualify row_number() over (
        partition by integration_id, question_remote_id
        order by remote_deleted_at is null desc, extracted_at desc, posting_id
    ) = 1
),

formatted as (
    select
        *,
        {{ screening_format_type('lever_field_type') }} as format_type
    from questions
),

content as (
    select
        {{ kombo_id('integration_id', 'screening_questions', 'question_remote_id') }} as id,
        question_remote_id as remote_id,
        question_title as title,
        question_description as description,
        case when question_payload is not null then {
            'type': format_type,
            'display_type': {{ screening_display_type('lever_field_type') }},
            'max_length': null,
            'min': null,
            'max': null,
            'accepted_mime_types': null,
            'max_file_size_bytes': null,
            'options': case when format_type in ('SINGLE_SELECT', 'MULTI_SELECT') then [
                {
                    'id': {{ kombo_id('integration_id', 'screening_question_options', "question_remote_id || ':' || option.text") }},
                    -- EEO options carry an optionId; custom options have none
                    'remote_id': nullif(option.optionId, ''),
                    'name': option.text
                }
                for option in options if option.text is not null
            ] end,
            'raw_question': case when format_type = 'UNKNOWN' then question_payload end
        } end::struct(
            type varchar, display_type varchar, max_length integer, min double, max double,
            accepted_mime_types varchar[], max_file_size_bytes bigint,
            options struct(id varchar, remote_id varchar, name varchar)[], raw_question json
        ) as format,
        category,
        {{ remote_data({'/postings/:posting/apply': 'question_payload'}) }} as remote_data,
        integration_id,
        question_deleted_at as remote_deleted_at
    from formatted
),

{{ unified_rows('content') }}

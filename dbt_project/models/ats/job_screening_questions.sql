with

form_questions as (
    select * from {{ ref('int_lever__posting_form_questions') }}
),

content as (
    select
        {{ kombo_id('integration_id', 'job_screening_questions', "posting_id || ':' || question_remote_id") }} as id,
        {{ kombo_id('integration_id', 'jobs', 'posting_id') }} as job_id,
        {{ kombo_id('integration_id', 'screening_questions', 'question_remote_id') }} as question_id,
        question_index::integer as "index",
        is_required as required,
        -- Lever has no conditional questions
        null::varchar as precondition_question_id,
        null::json as precondition_options,
        integration_id,
        remote_deleted_at
    from form_questions
    -- the same field id twice on one form would be one question
    qualify row_number() over (partition by integration_id, posting_id, question_remote_id order by question_index) = 1
),

{{ unified_rows('content', has_remote_id=false) }}

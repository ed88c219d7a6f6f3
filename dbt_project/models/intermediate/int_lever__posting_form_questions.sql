-- One row per (posting, screening question) on the posting's application form: custom question fields in form
-- order, then the EEO questions in the order gender, race, veteran, disability. personalInformation and urls
-- entries are not screening questions.

{%- set field_shape = {
    "id": "VARCHAR", "type": "VARCHAR", "text": "VARCHAR", "description": "VARCHAR", "required": "BOOLEAN",
    "options": [{"text": "VARCHAR", "optionId": "VARCHAR"}]
} %}

with

forms as (
    select * from {{ ref('stg_lever__posting_forms') }}
),

postings as (
    select * from {{ ref('int_lever__postings') }}
),

custom_fields as (
    select
        integration_id,
        posting_id,
        unnest(custom_question_fields) as question_payload,
        generate_subscripts(custom_question_fields, 1) - 1 as form_position,
        null::varchar as eeo_key
    from forms
),

eeo_fields as (
    select
        forms.integration_id,
        forms.posting_id,
        json_extract(forms.eeo_questions, '$.' || eeo.eeo_key) as question_payload,
        -- after every custom field of the same form
        len(coalesce(forms.custom_question_fields, [])) + eeo.eeo_order as form_position,
        eeo.eeo_key
    from forms
    cross join (
        values ('gender', 0), ('race', 1), ('veteran', 2), ('disability', 3)
    ) as eeo (eeo_key, eeo_order)
    where json_type(forms.eeo_questions, '$.' || eeo.eeo_key) = 'OBJECT'
),

fields as (
    select *, {{ parse_payload(field_shape, 'question_payload') }} as lever
    from (
        select * from custom_fields
        union all
        select * from eeo_fields
    )
),

questions as (
    select
        fields.integration_id,
        fields.posting_id,
        coalesce('eeo:' || fields.eeo_key, nullif(fields.lever.id, '')) as question_remote_id,
        -- 0-based position among the form's questions (a field without an id is skipped, not counted)
        row_number() over (
            partition by fields.integration_id, fields.posting_id order by fields.form_position
        ) - 1 as question_index,
        case when fields.eeo_key is not null then 'EEO' end as category,
        nullif(fields.lever.text, '') as question_title,
        nullif(fields.lever.description, '') as question_description,
        nullif(fields.lever.type, '') as lever_field_type,
        fields.lever.required as is_required,
        fields.lever.options as options,
        fields.question_payload,
        least(forms.deleted_at, forms.missing_since, postings.remote_deleted_at) as remote_deleted_at,
        forms.extracted_at
    from fields
    inner join forms
        on forms.integration_id = fields.integration_id
        and forms.posting_id = fields.posting_id
    left join postings
        on postings.integration_id = fields.integration_id
        and postings.posting_id = fields.posting_id
    where coalesce('eeo:' || fields.eeo_key, nullif(fields.lever.id, '')) is not null
)

select * from questions

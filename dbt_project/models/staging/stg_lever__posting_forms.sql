{%- set shape = {
    "customQuestions": [{"fields": ["JSON"]}], "eeoQuestions": "JSON", "personalInformation": "JSON",
    "urls": "JSON", "consentDisclosures": "JSON"
} -%}

with

source as (
    {{ staged_raw('posting_forms', 'posting_id', shape) }}
),

renamed as (
    select
        -- ids (one form per posting: the raw id is the posting id)
        integration_id,
        id as posting_id,

        -- the form: custom question fields flattened in form order, EEO questions keyed by topic
        flatten([custom_question.fields for custom_question in lever.customQuestions]) as custom_question_fields,
        lever.eeoQuestions as eeo_questions,
        lever.personalInformation as personal_information_fields,
        lever.urls as url_fields,
        lever.consentDisclosures as consent_disclosures,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

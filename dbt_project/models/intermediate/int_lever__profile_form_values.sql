{# why: field mapping reads profile form fields by their text (`profile_form.<text>`, field_mapping.py); an
   opportunity may have several forms, so each field's value is the one of the latest completed form that
   answered it. One JSON object per opportunity, so a unified row looks its fields up in one join. #}
with

answers as (
    select
        forms.integration_id,
        forms.opportunity_id,
        field ->> '$.text' as field_text,
        field -> '$.value' as field_value,
        row_number() over (
            partition by forms.integration_id, forms.opportunity_id, field ->> '$.text'
            order by coalesce(forms.completed_at, forms.created_at) desc, forms.form_id desc
        ) as newest_first
    from {{ ref('stg_lever__forms') }} as forms,
        unnest(json_extract(forms.fields, '$[*]')) as answered(field)
    where forms.deleted_at is null
        and forms.missing_since is null
        and json_type(field -> '$.value') not in ('NULL')
        and field ->> '$.text' is not null
)

select
    integration_id,
    opportunity_id,
    json_group_object(field_text, field_value) as field_values
from answers
where newest_first = 1
group by integration_id, opportunity_id

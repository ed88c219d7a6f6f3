{# why: Lever's completed forms (interview feedback, referrals, profile forms) share one model:
   type, title, instructions and the fields with their values. Expects `lever` parsed with those keys. #}
{% macro lever_form_columns() -%}
    nullif(lever.type, '') as form_type,
        nullif(lever.text, '') as form_title,
        nullif(lever.instructions, '') as instructions,
        lever.fields as fields
{%- endmacro %}

{# why: a field mapping promises each custom_fields key a type (field_mapping.TYPES); a value of another JSON type
   means a conversion is wrong. One scan per model; a failing row names the integration, key and type found.
   Unmapped (no `field_mappings` var for the model): nothing to check. #}
{% test mapped_field_types(model, unified_model) %}
{%- set json_types = {
    'text': "('VARCHAR')", 'number': "('DOUBLE', 'BIGINT', 'UBIGINT')", 'date': "('VARCHAR')",
    'boolean': "('BOOLEAN')", 'list': "('ARRAY')"
} -%}
{%- set checks = [] -%}
{%- for mapping in field_mappings(unified_model) -%}
    {%- for field in mapping.custom_fields if field.type in json_types -%}
        {%- do checks.append((mapping.integration_id, field.key, field.type)) -%}
    {%- endfor -%}
{%- endfor %}
{%- if not checks %}
select 1 as unchecked where false
{%- else %}
select integration_id, mapped_key, mapped_type, json_type(value) as found, count(*) as rows
from (
    {%- for integration_id, key, type in checks %}
    select integration_id, '{{ key }}' as mapped_key, '{{ type }}' as mapped_type,
        json_extract(custom_fields, '$."{{ key }}"') as value
    from {{ model }}
    where integration_id = '{{ integration_id }}'{{ " union all" if not loop.last }}
    {%- endfor %}
)
where json_type(value) <> 'NULL'
    and (false
    {%- for name, allowed in json_types.items() %}
        or (mapped_type = '{{ name }}' and json_type(value) not in {{ allowed }})
    {%- endfor %}
        or (mapped_type = 'date' and not regexp_full_match(json_extract_string(value, '$'), '\d{4}-\d{2}-\d{2}')))
group by all
{%- endif %}
{% endtest %}

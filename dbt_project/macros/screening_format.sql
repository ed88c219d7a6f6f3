{# why: one mapping from Lever's form field types to Kombo's screening-question format (unified-schema.md §3.7),
   shared by screening_questions and the answers on applications so both always agree. Lever type (normalized),
   Kombo type, Kombo display type; any other Lever type is UNKNOWN. #}
{% macro screening_formats() -%}
    {{ return([
        ('text', 'TEXT', 'SINGLE_LINE'),
        ('textarea', 'TEXT', 'MULTI_LINE'),
        ('dropdown', 'SINGLE_SELECT', 'DROPDOWN'),
        ('multiple-choice', 'SINGLE_SELECT', 'RADIO'),
        ('multiple-select', 'MULTI_SELECT', none),
        ('yes-no', 'BOOLEAN', none),
        ('date', 'DATE', none),
        ('file-upload', 'FILE', none),
        ('number', 'NUMBER', 'FIELD'),
        ('currency', 'NUMBER', 'FIELD'),
    ]) }}
{%- endmacro %}

{% macro screening_format_type(lever_type) -%}
    {{ _screening_format(lever_type, 1, "'UNKNOWN'") }}
{%- endmacro %}

{% macro screening_display_type(lever_type) -%}
    {{ _screening_format(lever_type, 2, 'null') }}
{%- endmacro %}

{% macro _screening_format(lever_type, position, otherwise) -%}
    case {{ normalize_enum(lever_type) }}
        {%- for format in screening_formats() if format[position] %}
        when '{{ format[0] }}' then '{{ format[position] }}'
        {%- endfor %}
        else {{ otherwise }}
    end
{%- endmacro %}

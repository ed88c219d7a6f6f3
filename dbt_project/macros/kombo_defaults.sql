{# why: Kombo's field-mapping columns exist before field mapping does (unified-schema.md §1.9): custom_fields is
   an empty JSON object and integration_fields an empty, typed list; system roles share one typed shape. #}
{% macro empty_custom_fields() -%}
    '{}'::json
{%- endmacro %}

{% macro empty_integration_fields() -%}
    []::struct(id varchar, key varchar, type varchar, value json, label varchar)[]
{%- endmacro %}

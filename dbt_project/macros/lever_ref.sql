{# why: Lever references are bare ids, or whole objects when a request used `expand`; read the id either way. #}
{% macro lever_ref(json_expr) -%}
    nullif(coalesce(json_extract_string({{ json_expr }}, '$.id'), json_extract_string({{ json_expr }}, '$')), '')
{%- endmacro %}

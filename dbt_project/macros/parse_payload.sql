{# why: one tolerant JSON parse per row: json_transform reads every field of `shape` at once, and a missing
   field, a null where an object was, or a value of the wrong type yields NULL instead of failing the build. #}
{% macro parse_payload(shape, payload='payload') -%}
    json_transform({{ payload }}, '{{ shape | tojson }}')
{%- endmacro %}

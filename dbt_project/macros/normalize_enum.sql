{# why: Lever strings vary in case and separators ("Full Time", "full_time", "Full-time"); mapping rules
   compare the normalized form (lower case, runs of spaces, underscores and hyphens -> one hyphen). #}
{% macro normalize_enum(expr) -%}
    regexp_replace(lower(trim({{ expr }})), '[\s_-]+', '-', 'g')
{%- endmacro %}

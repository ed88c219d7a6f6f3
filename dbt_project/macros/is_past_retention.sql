{# why: personal data is kept for 14 days after a record left Lever (unified-schema.md §1.7); one predicate
   for staging, intermediate and unified models so they all anonymize on the same build. #}
{% macro is_past_retention(deleted_at) -%}
    coalesce({{ deleted_at }} <= {{ warehouse_now() }} - interval 14 days, false)
{%- endmacro %}

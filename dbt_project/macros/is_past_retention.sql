{# why: personal data is kept for `retention_days` (dbt_project.yml; 14, unified-schema.md §1.7) after a record
   left Lever; one predicate for staging, intermediate and unified models so they all anonymize on the same build.
   The Python raw purge reads the same variable (orchestration/lever/retention.py). #}
{% macro is_past_retention(deleted_at) -%}
    coalesce({{ deleted_at }} <= {{ warehouse_now() }} - {{ retention_interval() }}, false)
{%- endmacro %}

{% macro retention_interval() -%}
    interval {{ var('retention_days') | int }} days
{%- endmacro %}

{# why: one injectable "now" for changed_at and anonymization: WAREHOUSE_NOW (ISO-8601) pins it for tests,
   otherwise the build's start time; either way it is one constant for the whole build. Read only when a node
   executes: reading it while parsing would make dbt re-parse every model whenever the clock moves. #}
{% macro warehouse_now() -%}
    {%- set pinned = env_var('WAREHOUSE_NOW', '') | trim if execute else '' -%}
    {%- if pinned -%}
        '{{ pinned }}'::timestamptz
    {%- else -%}
        '{{ run_started_at.isoformat() }}'::timestamptz
    {%- endif -%}
{%- endmacro %}

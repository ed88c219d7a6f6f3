{# why: every staging model carries the same raw lineage: the deletion markers remote_deleted_at derives from,
   the load sequence that drives incremental builds, and the verbatim payload that becomes remote_data. #}
{% macro raw_lineage() -%}
    deleted_at,
        missing_since,
        extracted_at,
        _seq,
        payload
{%- endmacro %}

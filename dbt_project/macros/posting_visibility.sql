{# why: jobs and job_postings share Lever's visibility rules (unified-schema.md §3.2, §3.3); only jobs has the
   CONFIDENTIAL step. First match wins; expects the int_lever__postings columns. #}
{% macro posting_visibility(with_confidential) -%}
    case
        when payload is null then null
        {%- if with_confidential %}
        when is_confidential then 'CONFIDENTIAL'
        {%- endif %}
        when {{ normalize_enum('posting_state') }} = 'internal' then 'UNLISTED'
        when list_sort(list_distinct([{{ normalize_enum('channel') }} for channel in distribution_channels])) = ['internal'] then 'INTERNAL'
        else 'PUBLIC'
    end
{%- endmacro %}

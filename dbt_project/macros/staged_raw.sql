{# why: every staging model reads raw the same way: on incremental builds only rows loaded since the last
   build (the `_seq` watermark), plus stored rows that crossed the 14-day retention line since, whose payload
   is then treated as purged even if the extractor has not purged raw yet (unified-schema.md §1.7); and it
   parses each payload once, into `lever`, a struct of the fields in `shape` (see parse_payload). #}
{% macro staged_raw(table_name, key_column, shape) -%}
    select
        *,
        {{ parse_payload(shape) }} as lever
    from (
        select
            * replace (
                case when {{ is_past_retention('least(deleted_at, missing_since)') }} then null else payload end
                    as payload
            )
        from {{ source('lever_raw', table_name) }}
    ) as raw
    {%- if is_incremental() %}
    where
        raw._seq > (select coalesce(max(_seq), -1) from {{ this }})
        or (
            {{ is_past_retention('least(raw.deleted_at, raw.missing_since)') }}
            and exists (
                select 1
                from {{ this }} as staged
                where
                    staged.integration_id = raw.integration_id
                    and staged.{{ key_column }} = raw.id
                    and staged.payload is not null
            )
        )
    {%- endif %}
{%- endmacro %}

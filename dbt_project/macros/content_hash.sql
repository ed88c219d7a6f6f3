{# why: changed_at moves only when a row's content changes (unified-schema.md §1.5); compare one hash of the whole
   row serialised as JSON. JSON columns embed Lever payloads as stored, and raw only stores a new payload when its
   sorted-key hash changed, so key order alone never counts as a change. #}
{% macro content_hash(row_alias) -%}
    md5(to_json({{ row_alias }})::varchar)
{%- endmacro %}

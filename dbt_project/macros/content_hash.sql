{# why: changed_at moves only when a row's content changes (unified-schema.md §1.5); compare one hash of the whole
   row serialised as JSON, bookkeeping of what the row was computed from (`_source_seq`) left out. JSON columns
   embed Lever payloads as stored, and raw only stores a new payload when its sorted-key hash changed, so key
   order alone never counts as a change. Expects to be selected from the row's relation. #}
{% macro content_hash() -%}
    md5(to_json(struct_pack(*columns(lambda c: c != '_source_seq')))::varchar)
{%- endmacro %}

{# why: remote_data is {"<Lever endpoint path>": <payload as received>, ...} (unified-schema.md §1.8); a payload
   that is absent (or purged) leaves its key out, and no payload at all gives NULL, not an empty object. #}
{% macro remote_data(entries) -%}
    nullif(
        to_json(map_from_entries(list_filter(
            [
                {%- for path, payload in entries.items() %}
                {'path': '{{ path }}', 'payload': ({{ payload }})::json}{{ "," if not loop.last }}
                {%- endfor %}
            ],
            lambda entry: entry.payload is not null
        ))),
        '{}'
    )
{%- endmacro %}

{# why: Kombo's answer object has one key per question type and only the variant's key is set
   (unified-schema.md §3.6); `value` is the Lever field value as JSON, `format_type` the Kombo type. #}
{% macro screening_answer(format_type, value) -%}
    {%- set text = "json_extract_string(" ~ value ~ ", '$')" -%}
    {
        'content': case when {{ format_type }} = 'TEXT' then {{ text }} end,
        'choice': case when {{ format_type }} = 'SINGLE_SELECT' then {{ text }} end,
        'choices': case when {{ format_type }} = 'MULTI_SELECT' then
            case when json_type({{ value }}) = 'ARRAY' then json_extract_string({{ value }}, '$[*]') else [{{ text }}] end
        end,
        'checked': case when {{ format_type }} = 'BOOLEAN' then
            case lower({{ text }}) when 'yes' then true when 'true' then true when 'no' then false when 'false' then false end
        end,
        -- currency answers are {currency, value} objects
        'number': case when {{ format_type }} = 'NUMBER' then
            coalesce(try_cast({{ text }} as double), try_cast(json_extract_string({{ value }}, '$.value') as double))
        end,
        -- epoch ms (Lever's date fields) or an ISO date
        'date': case when {{ format_type }} = 'DATE' then
            coalesce({{ ms_to_timestamptz(text) }}, try_cast({{ text }} as timestamptz))
        end,
        'raw': case when {{ format_type }} = 'UNKNOWN' then {{ value }} end
    }::struct(content varchar, choice varchar, choices varchar[], checked boolean, number double, date timestamptz, raw json)
{%- endmacro %}

{# why: Kombo's LOCATION shape from Lever's free text: `raw` keeps the text, `city` is the part before the first
   comma when there is one (if the caller parses cities), `country` comes from the caller (never guessed from a two-letter token);
   NULL when there is no location text. #}
{% macro location_struct(raw, country='null', parse_city=true) -%}
    case
        when nullif(trim({{ raw }}), '') is not null then {
            'city': {% if parse_city %}case when contains({{ raw }}, ',') then nullif(trim(split_part({{ raw }}, ',', 1)), '') end{% else %}null{% endif %},
            'country': {{ country }},
            'raw': {{ raw }},
            'state': null,
            'street_1': null,
            'street_2': null,
            'zip_code': null
        }::{{ location_type() }}
    end
{%- endmacro %}

{% macro location_type() -%}
    struct(city varchar, country varchar, raw varchar, state varchar, street_1 varchar, street_2 varchar, zip_code varchar)
{%- endmacro %}

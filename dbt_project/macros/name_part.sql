{# why: Kombo wants first/last names; Lever has one `name`. Split the trimmed name at the LAST whitespace:
   "Mary Ann Smith" -> "Mary Ann" / "Smith"; one token -> first name only; empty -> both NULL. #}
{% macro name_part(expr, part) -%}
    {%- set trimmed = "nullif(trim(" ~ expr ~ "), '')" -%}
    {%- if part == 'first' -%}
        coalesce(nullif(regexp_extract({{ trimmed }}, '^(.*\S)\s+\S+$', 1), ''), {{ trimmed }})
    {%- elif part == 'last' -%}
        nullif(regexp_extract({{ trimmed }}, '^.*\S\s+(\S+)$', 1), '')
    {%- else -%}
        {{ exceptions.raise_compiler_error("name_part: part must be 'first' or 'last', got " ~ part) }}
    {%- endif -%}
{%- endmacro %}

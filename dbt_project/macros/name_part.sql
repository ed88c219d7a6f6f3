{# why: Kombo wants first/last names; Lever has one `name`. Split the trimmed name after its FIRST word:
   "Elif van der Berg" -> "Elif" / "van der Berg", "Fatima García López" -> "Fatima" / "García López"; one word ->
   first name only; empty -> both NULL. Splitting at the last space instead breaks every multi-word surname
   (particles, double surnames: 11% of sandbox candidates). Limits: a compound first name written with a space
   ("Mary Ann Smith" -> "Mary" / "Ann Smith") and family-name-first orders ("佐藤 健" -> "佐藤" / "健") come out
   wrong; the full name stays in remote_data. #}
{% macro name_part(expr, part) -%}
    {%- set trimmed = "nullif(trim(" ~ expr ~ "), '')" -%}
    {%- if part == 'first' -%}
        regexp_extract({{ trimmed }}, '^\S+')
    {%- elif part == 'last' -%}
        nullif(regexp_extract({{ trimmed }}, '^\S+\s+(.+)$', 1), '')
    {%- else -%}
        {{ exceptions.raise_compiler_error("name_part: part must be 'first' or 'last', got " ~ part) }}
    {%- endif -%}
{%- endmacro %}

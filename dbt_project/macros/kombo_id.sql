{# why: every id and foreign key is the same deterministic 24-char base58 hash (unified-schema.md §1.3):
   h = sha256(integration_id || chr(31) || model || chr(31) || remote_key) as hex, char i = alphabet[byte i % 58].
   The Python twin is orchestration/lever/ids.py::unified_id; tests/dbt pins both to one vector.
   Written for speed (ids are recomputed on every build): instead of a list comprehension over 24 hex pairs, the
   first 24 bytes are read as six 4-byte words (6 casts instead of 24) and shifted out one by one. #}
{% macro kombo_id(integration_id, model, remote_key) -%}
    {%- set alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz' -%}
    {%- set digest = "sha256(" ~ integration_id ~ " || chr(31) || '" ~ model ~ "' || chr(31) || (" ~ remote_key ~ "))" -%}
    (
    {%- for word in range(6) %}
        {%- set value = "('0x' || substr(" ~ digest ~ ", " ~ (8 * word + 1) ~ ", 8))::ubigint" %}
        {%- for shift in [24, 16, 8, 0] %}
        {{ "|| " if not (word == 0 and shift == 24) }}substr('{{ alphabet }}', ((({{ value }} >> {{ shift }}) & 255) % 58)::integer + 1, 1)
        {%- endfor %}
    {%- endfor %}
    )
{%- endmacro %}

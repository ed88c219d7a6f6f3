{# why: a record that no list returns any more but that another record references (a posting deleted before the
   first sync, a stage removed from the pipeline, a deleted archive reason or user) is read by id by the extractor
   and stored in its entity's raw table with `lookup_status` 'found' (Lever answered) or 'not_found' (404: a
   tombstone, payload NULL, deleted_at at the first 404), so every reference resolves to a unified row. This is the
   `lever_warehouse` entry of such a row's remote_data, saying which and what referenced it; NULL for listed rows. #}
{% macro read_by_id_remote_data(path, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    case {{ prefix }}lookup_status
        when 'not_found' then json_object(
            'tombstone', 'GET {{ path }}/:id answered 404', 'referenced_by', {{ prefix }}referenced_by
        )
        when 'found' then json_object('read_by_id', 'GET {{ path }}/:id', 'referenced_by', {{ prefix }}referenced_by)
    end
{%- endmacro %}

{# The staging columns that carry it (account-wide entities that other records reference). #}
{% macro read_by_id_columns() -%}
    lookup_status,
        referenced_by
{%- endmacro %}

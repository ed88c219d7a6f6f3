{# why: the big unified tables (candidates, applications and the opportunity children) recompute only the
   opportunities that can have changed since their last build, so a delta build costs in proportion to the
   change: those with a staging row loaded since (`_seq` above the table's stored `_source_seq`), and those that
   left Lever 14 days before some moment between the last build and now (the clock alone anonymizes them).
   A change in a `dimensions` input (e.g. an archive reason renamed) can touch any row: then all of them.
   Returns {cte: the `scope` CTE of (integration_id, opportunity_id) rows in scope, loaded_seq: the load sequence
   reached}; `in_scope(model)` imports a model restricted to the scope. #}
{% macro opportunity_scope(inputs, dimensions=[]) -%}
    {%- set relations = [] -%}
    {%- for input in inputs + dimensions %}{% do relations.append(ref(input)) %}{% endfor -%}
    {%- set loaded_seq -%}
        (select max(_seq) from ({% for relation in relations %}select max(_seq) as _seq from {{ relation }}{{ " union all " if not loop.last }}{% endfor %}))
    {%- endset -%}
    {%- set everything -%}
        select integration_id, opportunity_id from (
            {%- for relation in relations[:inputs | length] %}
            select integration_id, opportunity_id from {{ relation }}{{ " union" if not loop.last }}
            {%- endfor %}
        )
    {%- endset -%}
    {%- if is_incremental() -%}
        {%- set previous_seq = "(select coalesce(max(_source_seq), -1) from " ~ this ~ ")" -%}
        {%- set previous_build = "(select max(changed_at) from " ~ this ~ ")" -%}
        {%- set sql -%}
            {%- for relation in relations[:inputs | length] %}
            select integration_id, opportunity_id
            from {{ relation }}
            where
                _seq > {{ previous_seq }}
                or least(deleted_at, missing_since)
                    between {{ previous_build }} - interval 14 days and {{ warehouse_now() }} - interval 14 days
            union
            {%- endfor %}
            {{ everything }}
            where false
            {%- for relation in relations[inputs | length:] %}
                or exists (select 1 from {{ relation }} where _seq > {{ previous_seq }})
            {%- endfor %}
        {%- endset -%}
    {%- else -%}
        {%- set sql = everything -%}
    {%- endif -%}
    {%- set cte -%}
-- opportunities whose rows can have changed since the last build (all of them on a full build)
scope as (
    {{ sql }}
)
    {%- endset -%}
    {{ return({'cte': cte, 'loaded_seq': loaded_seq}) }}
{%- endmacro %}

{% macro in_scope(model) -%}
    select * from {{ ref(model) }} semi join scope using (integration_id, opportunity_id)
{%- endmacro %}

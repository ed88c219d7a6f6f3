{# why: the big unified tables (candidates, applications and the opportunity children) recompute only the
   opportunities that can have changed since their last build, so a delta build costs in proportion to the
   change: those with a staging row loaded since (`_seq` above the table's stored `_source_seq`), and those that
   left Lever 14 days before some moment between the last build and now (the clock alone anonymizes them).
   A change in a `dimensions` input (e.g. an archive reason renamed) can touch any row: then all of them.
   Returns {cte: the `scope` CTE of (integration_id, opportunity_id) rows in scope, loaded_seq: the load sequence
   reached}; `in_scope(model)` imports a model restricted to the scope. `recompute` (a field mapping changed):
   all of them. #}
{% macro opportunity_scope(inputs, dimensions=[], recompute=false) -%}
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
            where {{ recompute }}
            {%- for relation in relations[inputs | length:] %}
                or exists (select 1 from {{ relation }} where _seq > {{ previous_seq }})
            {%- endfor %}
        {%- endset -%}
        {#- A temp table, not a CTE: DuckDB then knows how few rows the scope has and builds its joins on the
            scope instead of on the whole table (a no-change build of applications at 100k: 1.5 s -> 0.2 s).
            Created while the model compiles, on the connection that then runs it. -#}
        {%- set scope_table = adapter.quote(this.identifier ~ '__scope') -%}
        {%- if execute -%}
            {%- do run_query('create or replace temp table ' ~ scope_table ~ ' as ' ~ sql) -%}
        {%- endif -%}
        {%- set sql = 'select * from ' ~ scope_table -%}
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

{# why: the per-opportunity intermediate views (joins and windows keyed by the opportunity) are written as macros
   taking `scoped`, so an incremental build computes them for the opportunities in scope only: restricting their
   inputs gives the same rows as restricting their output, and the view itself computes every opportunity
   (2-4 s per unified table at 100k). Full builds read the views. #}
{% macro scoped_views() -%}
    {{ return({
        'int_lever__opportunities': int_lever__opportunities_sql,
        'int_lever__candidate_positions': int_lever__candidate_positions_sql,
        'int_lever__stage_change_events': int_lever__stage_change_events_sql,
        'int_lever__interviews': int_lever__interviews_sql,
    }) }}
{%- endmacro %}

{# A view's input: the relation, or (scoped) its rows for the opportunities in `scope`. #}
{% macro view_input(model, scoped) -%}
    {%- if not scoped -%}
        {{ ref(model) }}
    {%- elif model in scoped_views() -%}
        ({{ scoped_views()[model](scoped=true) }})
    {%- else -%}
        (select * from {{ ref(model) }} semi join scope using (integration_id, opportunity_id))
    {%- endif -%}
{%- endmacro %}

{% macro in_scope(model) -%}
    {%- set relation = ref(model) -%}
    {%- if model in scoped_views() -%}
        {#- rendered at parse time too (when is_incremental() is false), so dbt records the refs it makes -#}
        {%- set scoped_sql = scoped_views()[model](scoped=true) -%}
    {%- endif -%}
    {%- if model in scoped_views() and is_incremental() -%}
        select * from ({{ scoped_sql }})
    {%- else -%}
        select * from {{ relation }} semi join scope using (integration_id, opportunity_id)
    {%- endif -%}
{%- endmacro %}

{# why: the incremental filters of the models after staging, the ordinary dbt pattern on a load sequence instead of
   a timestamp. `loaded_since_last_build`: the rows whose inputs were loaded since this model's last build, i.e.
   whose `seq` (the highest raw `_seq` among the row's inputs) is above the highest `watermark` stored in this
   model. True on full builds, when the model's field mapping changed (field_mapping.sql), and with
   `--vars '{recompute_all: true}'`: after a change to a model's logic, that
   recomputes every row but, unlike --full-refresh, keeps the changed_at of rows whose content is the same and the
   rows only the table remembers (vanished rows, unarchived archive events). #}
{% macro loaded_since_last_build(seq='_seq', watermark='_source_seq') -%}
    {%- if is_incremental() and not var('recompute_all', false) and not field_mapping_changed(this.name) -%}
        {{ seq }} > (select coalesce(max({{ watermark }}), -1) from {{ this }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# why: the clock alone anonymizes, with no new raw rows: the rows whose record left Lever `retention_days` before
   some moment between this model's last build and now. The last build is bounded below by the latest `built_at`
   stored here (a build that writes nothing leaves it older, which only widens the window). False on full builds,
   which compute every row anyway. #}
{% macro retention_passed_since_last_build(deleted_at, built_at='changed_at') -%}
    {%- if is_incremental() -%}
        ({{ deleted_at }} > (select max({{ built_at }}) from {{ this }}) - {{ retention_interval() }}
            and {{ deleted_at }} <= {{ warehouse_now() }} - {{ retention_interval() }})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{# why: the unified tables of an opportunity's children (interviews, offers) read the child rows that can have
   changed since their last build: those loaded since and those of the opportunities loaded since (the deletion a
   child inherits, the outcome), each with that inherited deletion (the earliest of its own and its opportunity's),
   its opportunity's outcome, and `_source_seq`, the higher of the two load sequences. All of them on full builds.
   Two selects rather than one `or`: each filter then reaches the table scan, which reads only matching rows. #}
{% macro changed_opportunity_children(relation) -%}
    {%- set opportunities = ref('int_lever__opportunities') -%}
    select
        children.*,
        least(children.deleted_at, children.missing_since, opportunities.remote_deleted_at) as remote_deleted_at,
        opportunities.outcome as opportunity_outcome,
        greatest(children._seq, opportunities._seq) as _source_seq
    from (
        select * from {{ relation }}
        {%- if is_incremental() %}
        where {{ loaded_since_last_build() }}
        union all
        select *
        from {{ relation }} as children
        semi join (
            select integration_id, opportunity_id from {{ opportunities }} where {{ loaded_since_last_build() }}
        ) using (integration_id, opportunity_id)
        where not {{ loaded_since_last_build(seq='children._seq') }}
        {%- endif %}
    ) as children
    left join {{ opportunities }} as opportunities
        on opportunities.integration_id = children.integration_id
        and opportunities.opportunity_id = children.opportunity_id
{%- endmacro %}

{# why: the incremental filters of the models after staging, the ordinary dbt pattern on a load sequence instead of
   a timestamp. `loaded_since_last_build`: the rows whose inputs were loaded since this model's last build, i.e.
   whose `seq` (the highest raw `_seq` among the row's inputs) is above the highest `watermark` stored in this
   model. True on full builds, and with `--vars '{recompute_all: true}'`: after a change to a model's logic, that
   recomputes every row but, unlike --full-refresh, keeps the changed_at of rows whose content is the same and the
   rows only the table remembers (vanished rows, unarchived archive events). #}
{% macro loaded_since_last_build(seq='_seq', watermark='_source_seq') -%}
    {%- if is_incremental() and not var('recompute_all', false) -%}
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

{# why: an opportunity's child row (interview, offer) changes with its own load and with its opportunity's (the
   deletion it inherits, the outcome): an incremental build reads the child rows loaded since and those of the
   opportunities (`opportunities`: a relation with integration_id, opportunity_id, _seq) loaded since; with
   `deleted_at`, also those whose own deletion passed the retention line since. #}
{% macro rows_of_changed_opportunities(relation, opportunities, watermark='_source_seq', deleted_at=none, built_at='changed_at') -%}
    select *
    from {{ relation }} as children
    {%- if is_incremental() %}
    where
        {{ loaded_since_last_build(watermark=watermark) }}
        {%- if deleted_at %}
        or {{ retention_passed_since_last_build(deleted_at, built_at=built_at) }}
        {%- endif %}
        or exists (
            select 1
            from {{ opportunities }} as parents
            where
                parents.integration_id = children.integration_id
                and parents.opportunity_id = children.opportunity_id
                and {{ loaded_since_last_build(seq='parents._seq', watermark=watermark) }}
        )
    {%- endif %}
{%- endmacro %}

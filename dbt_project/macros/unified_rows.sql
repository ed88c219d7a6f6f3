{# why: the one pattern every unified table shares (unified-schema.md §1.5-§1.7). Given a CTE with the table's
   current content (`id`, [`remote_id`], the spec columns, `integration_id`, `remote_deleted_at`, and for
   opportunity-scoped tables `_lever_opportunity_id`), it
   1. keeps rows this table holds that the content no longer produces (a tag taken off a candidate, an
      interviewer removed): they stay, soft-deleted at the first build that missed them;
   2. nulls every column except id, remote_id, integration_id, remote_deleted_at and the hidden `_` columns from
      14 days after remote_deleted_at, on every build, so the clock alone can anonymize;
   3. hashes the result and writes only new or changed rows, stamped changed_at = warehouse_now(); unchanged rows
      are not written at all and so keep their changed_at (and hash) from the earlier build.
   With `scope` (see opportunity_scope; the model names its CTE `scope`) the content covers only the opportunities in scope; rows of the others are
   left as they are, and `_source_seq` records the load sequence the written rows were built from. #}
{% macro unified_rows(content, has_remote_id=true, scope=none) -%}
    {%- set leading = ['id', 'remote_id'] if has_remote_id else ['id'] -%}
    {%- set kept = leading + ['integration_id', 'remote_deleted_at'] -%}
    {%- set now = warehouse_now() -%}

current_and_vanished as (
    select * from {{ content }}
    {%- if is_incremental() %}
    union all by name
    select previous.* exclude (changed_at, _content_hash{{ ', _source_seq' if scope }})
        replace (coalesce(previous.remote_deleted_at, {{ now }}) as remote_deleted_at)
    from {{ this }} as previous
    anti join {{ content }} as current_rows on current_rows.id = previous.id
    {%- if scope %}
    semi join scope as in_scope
        on in_scope.integration_id = previous.integration_id
        and in_scope.opportunity_id = previous._lever_opportunity_id
    {%- endif %}
    {%- endif %}
),

anonymized as (
    select
        {{ leading | join(', ') }},
        case
            when {{ is_past_retention('remote_deleted_at') }} then null
            else columns(lambda c: c not in ('{{ kept | join("', '") }}') and not starts_with(c, '_'))
        end,
        integration_id,
        remote_deleted_at
        {%- if scope %},
        _lever_opportunity_id
        {%- endif %}
    from current_and_vanished
),

hashed as (
    select *, {{ content_hash('anonymized') }} as _content_hash
    from anonymized
)

select
    columns(lambda c: c != 'remote_deleted_at' and not starts_with(c, '_')),
    {{ now }} as changed_at,
    remote_deleted_at,
    columns(lambda c: starts_with(c, '_'))
    {%- if scope %},
    {{ scope.loaded_seq }} as _source_seq
    {%- endif %}
from hashed
{%- if is_incremental() %}
where not exists (
    select 1
    from {{ this }} as previous
    where previous.id = hashed.id and previous._content_hash = hashed._content_hash
)
{%- endif %}
{%- endmacro %}

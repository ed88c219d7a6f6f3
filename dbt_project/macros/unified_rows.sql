{# why: the one pattern every unified table shares (unified-schema.md §1.5-§1.7). Given a CTE with the table's
   current content (`id`, [`remote_id`], the spec columns, `integration_id`, `remote_deleted_at`, then hidden `_`
   columns), it
   1. keeps rows this table holds that the content no longer produces (a tag taken off a candidate, an
      interviewer removed): they stay, soft-deleted at the first build that missed them;
   2. nulls every column except id, remote_id, integration_id, remote_deleted_at and the hidden `_` columns from
      `retention_days` after remote_deleted_at, so the clock alone can anonymize;
   3. hashes the result and writes only new or changed rows, stamped changed_at = warehouse_now(); unchanged rows
      are not written at all and so keep their changed_at (and hash) from the earlier build.
   A table whose content covers only the rows recomputed since its last build (see loaded_since_last_build) passes
   `recomputed`: a CTE with the `recomputed_key` columns of the rows the content covers, so that only those can
   vanish; the rows it holds whose remote_deleted_at passed the retention line since its last build are added back
   to be anonymized. Its content carries `_source_seq`, the `_seq` it was computed from (not part of the hash); a
   recomputed row is rewritten when that moved, even with the same content (keeping its changed_at), so that the
   table's highest `_source_seq` keeps up with what it has read. #}
{% macro unified_rows(content, has_remote_id=true, recomputed=none, recomputed_key=['integration_id', '_lever_opportunity_id']) -%}
    {%- set leading = ['id', 'remote_id'] if has_remote_id else ['id'] -%}
    {%- set kept = leading + ['integration_id', 'remote_deleted_at'] -%}
    {%- set now = warehouse_now() -%}
    {%- set key = recomputed_key | join(', ') -%}

{% if is_incremental() -%}
-- rows the content no longer produces (found on the key columns alone, then read whole: usually none)
vanished_ids as (
    select previous.id
    from {{ this }} as previous
    {%- if recomputed %}
    semi join {{ recomputed }} using ({{ key }})
    {%- endif %}
    anti join {{ content }} as current_rows on current_rows.id = previous.id
),
{%- endif %}

current_and_vanished as (
    select * from {{ content }}
    {%- if is_incremental() %}
    union all by name
    -- soft-deleted
    select previous.* exclude (changed_at, _content_hash)
        replace (coalesce(previous.remote_deleted_at, {{ now }}) as remote_deleted_at)
    from {{ this }} as previous
    semi join vanished_ids using (id)
    {%- if recomputed %}
    union all by name
    -- rows not recomputed whose deletion passed the retention line since the last build: anonymized as they are
    select previous.* exclude (changed_at, _content_hash)
    from {{ this }} as previous
    anti join {{ recomputed }} using ({{ key }})
    anti join {{ content }} as current_rows on current_rows.id = previous.id
    where {{ retention_passed_since_last_build('previous.remote_deleted_at') }}
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
        columns(lambda c: c in ('integration_id', 'remote_deleted_at') or starts_with(c, '_'))
    from current_and_vanished
),

hashed as (
    select
        *,
        {{ content_hash() }} as _content_hash
    from anonymized
),

compared as (
    select
        hashed.*,
        {%- if is_incremental() %}
        previous._content_hash as _previous_hash,
        previous.changed_at as _previous_changed_at
        {%- if recomputed %},
        previous._source_seq as _previous_source_seq
        {%- endif %}
    from hashed
    left join {{ this }} as previous on previous.id = hashed.id
        {%- else %}
        null::varchar as _previous_hash,
        null::timestamptz as _previous_changed_at
    from hashed
        {%- endif %}
)

select
    columns(lambda c: c != 'remote_deleted_at' and not starts_with(c, '_')),
    case when _previous_hash = _content_hash then _previous_changed_at else {{ now }} end as changed_at,
    remote_deleted_at,
    columns(lambda c: starts_with(c, '_') and not starts_with(c, '_previous_'))
from compared
where
    _previous_hash is distinct from _content_hash
    {%- if recomputed and is_incremental() %}
    or _previous_source_seq < _source_seq
    {%- endif %}
{%- endmacro %}

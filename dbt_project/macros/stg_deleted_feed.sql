{# why: Lever's three deleted feeds (opportunities, applications, postings) have one shape, `{id, deletedAt,
   deletedBy}`; their staging models differ only in the table and the name of the deleted record's id. #}
{% macro stg_deleted_feed(table_name, key_column) -%}
with

source as (
    {{ staged_raw(table_name, key_column, {"deletedAt": "DOUBLE", "deletedBy": "VARCHAR"}) }}
),

renamed as (
    select
        -- ids (the tombstone's id is the deleted record's id)
        integration_id,
        id as {{ key_column }},
        nullif(lever.deletedBy, '') as deleted_by_user_id,

        -- timestamps
        {{ ms_to_timestamptz('lever.deletedAt') }} as deleted_in_lever_at,

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed
{%- endmacro %}

with

users as (
    select * from {{ ref('stg_lever__users') }}
),

content as (
    select
        {{ kombo_id('integration_id', 'users', 'user_id') }} as id,
        user_id as remote_id,
        {{ name_part('user_name', 'first') }} as first_name,
        {{ name_part('user_name', 'last') }} as last_name,
        {{ valid_email('email') }} as email,
        case
            when payload is null then null
            when is_deactivated then 'INACTIVE'
            else 'ACTIVE'
        end as status,
        -- roles are out of scope; Lever's accessRole stays in remote_data
        null::struct(remote_id varchar, remote_label varchar, scope varchar, unified_type varchar)[] as system_roles,
        {{ remote_data({'/users': 'payload', 'lever_warehouse': read_by_id_remote_data('/users')}) }} as remote_data,
        integration_id,
        -- users are deactivated, never deleted: only a user dropped from the list is soft-deleted
        least(deleted_at, missing_since) as remote_deleted_at
    from users
),

{{ unified_rows('content') }}

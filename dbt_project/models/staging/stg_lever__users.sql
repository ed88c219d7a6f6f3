{%- set shape = {
    "name": "VARCHAR", "username": "VARCHAR", "email": "VARCHAR", "accessRole": "VARCHAR", "photo": "VARCHAR",
    "createdAt": "DOUBLE", "deactivatedAt": "DOUBLE", "externalDirectoryId": "VARCHAR",
    "linkedContactIds": ["VARCHAR"], "jobTitle": "VARCHAR", "managerId": "VARCHAR"
} -%}

with

source as (
    {{ staged_raw('users', 'user_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as user_id,
        nullif(lever.managerId, '') as manager_user_id,
        nullif(lever.externalDirectoryId, '') as external_directory_id,
        lever.linkedContactIds as linked_contact_ids,

        -- the user
        nullif(lever.name, '') as user_name,
        nullif(lever.username, '') as username,
        nullif(lever.email, '') as email,
        nullif(lever.accessRole, '') as access_role,
        nullif(lever.jobTitle, '') as user_title,
        nullif(lever.photo, '') as photo_url,
        lever.deactivatedAt is not null as is_deactivated,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.deactivatedAt') }} as deactivated_at,

        -- read by id because a stored record references it (NULL when a list returned it)
        {{ read_by_id_columns() }},

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

{%- set shape = {
    "text": "VARCHAR", "state": "VARCHAR", "distributionChannels": ["VARCHAR"], "confidentiality": "VARCHAR",
    "user": "VARCHAR", "owner": "JSON", "hiringManager": "JSON",
    "categories": {"team": "VARCHAR", "department": "VARCHAR", "location": "VARCHAR", "commitment": "VARCHAR",
                   "level": "VARCHAR", "allLocations": ["VARCHAR"]},
    "tags": ["VARCHAR"], "followers": ["VARCHAR"],
    "content": {"description": "VARCHAR", "descriptionHtml": "VARCHAR",
                "lists": [{"text": "VARCHAR", "content": "VARCHAR"}], "closing": "VARCHAR", "closingHtml": "VARCHAR"},
    "country": "VARCHAR", "reqCode": "VARCHAR", "requisitionCodes": ["VARCHAR"],
    "salaryRange": {"min": "DOUBLE", "max": "DOUBLE", "currency": "VARCHAR", "interval": "VARCHAR"},
    "salaryDescription": "VARCHAR", "workplaceType": "VARCHAR",
    "urls": {"list": "VARCHAR", "show": "VARCHAR", "apply": "VARCHAR"},
    "createdAt": "DOUBLE", "updatedAt": "DOUBLE"
} -%}

with

source as (
    {{ staged_raw('postings', 'posting_id', shape) }}
),

renamed as (
    select
        -- ids
        integration_id,
        id as posting_id,
        nullif(lever.user, '') as creator_user_id,
        {{ lever_ref('lever.owner') }} as owner_user_id,
        {{ lever_ref('lever.hiringManager') }} as hiring_manager_user_id,
        lever.followers as follower_user_ids,
        nullif(lever.reqCode, '') as requisition_code,
        lever.requisitionCodes as requisition_codes,

        -- the posting
        nullif(lever.text, '') as job_title,
        nullif(lever.state, '') as posting_state,
        lever.distributionChannels as distribution_channels,
        nullif(lever.confidentiality, '') as confidentiality,
        lever.confidentiality = 'confidential' as is_confidential,
        nullif(lever.workplaceType, '') as workplace_type,
        lever.tags as tags,

        -- categories
        nullif(lever.categories.team, '') as team,
        nullif(lever.categories.department, '') as department,
        nullif(lever.categories.location, '') as location,
        nullif(lever.categories.commitment, '') as commitment,
        nullif(lever.categories.level, '') as level,
        lever.categories.allLocations as all_locations,
        nullif(lever.country, '') as country,

        -- content
        nullif(lever.content.description, '') as description_text,
        nullif(lever.content.descriptionHtml, '') as description_html,
        lever.content.lists as content_lists,
        nullif(lever.content.closing, '') as closing_text,
        nullif(lever.content.closingHtml, '') as closing_html,

        -- salary
        lever.salaryRange.min as salary_min,
        lever.salaryRange.max as salary_max,
        nullif(lever.salaryRange.currency, '') as salary_currency,
        nullif(lever.salaryRange.interval, '') as salary_interval,
        nullif(lever.salaryDescription, '') as salary_description,

        -- urls (null for draft and closed postings)
        nullif(lever.urls.list, '') as job_site_url,
        nullif(lever.urls.show, '') as show_url,
        nullif(lever.urls.apply, '') as apply_url,

        -- timestamps
        {{ ms_to_timestamptz('lever.createdAt') }} as created_at,
        {{ ms_to_timestamptz('lever.updatedAt') }} as updated_at,

        -- read by id because a stored record references it (NULL when a list returned it)
        {{ read_by_id_columns() }},

        -- lineage and deletion markers
        {{ raw_lineage() }}
    from source
)

select * from renamed

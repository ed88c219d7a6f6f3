with

postings as (
    select * from {{ ref('int_lever__postings') }}
),

content as (
    select
        {{ kombo_id('integration_id', 'jobs', 'posting_id') }} as id,
        posting_id as remote_id,
        job_title as name,
        -- requisitionCodes stay in remote_data: Kombo does not fill job_code for Lever
        null::varchar as job_code,
        job_description_html as description,
        is_confidential as confidential,
        null::double as weekly_hours,
        case {{ normalize_enum('commitment') }}
            when 'full-time' then 'FULL_TIME'
            when 'part-time' then 'PART_TIME'
            when 'contract' then 'CONTRACT'
            when 'contractor' then 'CONTRACT'
            when 'intern' then 'INTERNSHIP'
            when 'internship' then 'INTERNSHIP'
            when 'seasonal' then 'SEASONAL'
            when 'temporary' then 'SEASONAL'
            else commitment
        end as employment_type,
        case {{ normalize_enum('posting_state') }}
            when 'published' then 'OPEN'
            when 'internal' then 'OPEN'
            when 'closed' then 'CLOSED'
            when 'draft' then 'DRAFT'
            when 'pending' then 'DRAFT'
            when 'rejected' then 'DRAFT'
            else posting_state
        end as status,
        {{ posting_visibility(with_confidential=true) }} as visibility,
        null::varchar as category,
        department,
        show_url as post_url,
        level as experience_level,
        case {{ normalize_enum('workplace_type') }}
            when 'remote' then 'REMOTE'
            when 'hybrid' then 'HYBRID'
            when 'on-site' then 'ON_SITE'
            when 'onsite' then 'ON_SITE'
            when 'unspecified' then null
            else workplace_type
        end as remote_work_status,
        null::double as salary_amount,
        salary_min as salary_amount_from,
        salary_max as salary_amount_to,
        salary_currency,
        -- the period the amount covers, by Lever's interval prefix (per-year-salary, per-hour-wage, ...)
        case
            when {{ normalize_enum('salary_interval') }} like 'per-year%' then 'YEAR'
            when {{ normalize_enum('salary_interval') }} like 'per-month%' then 'MONTH'
            when {{ normalize_enum('salary_interval') }} like 'per-week%' then 'WEEK'
            when {{ normalize_enum('salary_interval') }} like 'per-day%' then 'DAY'
            when {{ normalize_enum('salary_interval') }} like 'per-hour%' then 'HOUR'
            else salary_interval
        end as salary_period,
        {{ location_struct('location', 'country') }} as location,
        {{ mapped_fields('jobs', {
            'posting': 'payload',
            'requisition': "(select any_value(r.custom_fields order by r.updated_at desc) from {ref:stg_lever__requisitions} as r where r.integration_id = postings.integration_id and list_contains(r.posting_ids, postings.posting_id) and r.deleted_at is null and r.missing_since is null)",
        }, labels={
            'requisition': "(select json_group_object(f.requisition_field_id, f.field_label) from {ref:stg_lever__requisition_fields} as f where f.integration_id = postings.integration_id and f.deleted_at is null and f.missing_since is null)",
        }) }},
        -- the API exposes no recruiter-UI URL for postings
        null::varchar as remote_url,
        -- drafts (draft, pending, rejected) have not opened yet
        case when {{ normalize_enum('posting_state') }} not in ('draft', 'pending', 'rejected') then created_at end as opened_at,
        -- best effort: Lever does not expose the closing time
        case when {{ normalize_enum('posting_state') }} = 'closed' then updated_at end as closed_at,
        created_at as remote_created_at,
        updated_at as remote_updated_at,
        {{ kombo_id('integration_id', 'users', 'hiring_manager_user_id') }} as contact_id,
        {{ remote_data({'/postings': 'payload', 'lever_warehouse': read_by_id_remote_data('/postings')}) }} as remote_data,
        integration_id,
        remote_deleted_at
    from postings
),

{{ unified_rows('content') }}

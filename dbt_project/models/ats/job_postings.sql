with

postings as (
    select * from {{ ref('int_lever__postings') }}
),

content as (
    select
        {{ kombo_id('integration_id', 'job_postings', 'posting_id') }} as id,
        posting_id as remote_id,
        {{ kombo_id('integration_id', 'jobs', 'posting_id') }} as job_id,
        job_title as title,
        job_description_html as description_html,
        case {{ normalize_enum('posting_state') }}
            when 'published' then 'ACTIVE'
            when 'internal' then 'ACTIVE'
            when 'closed' then 'INACTIVE'
            when 'draft' then 'DRAFT'
            when 'pending' then 'DRAFT'
            when 'rejected' then 'DRAFT'
        end as status,
        {{ posting_visibility(with_confidential=false) }} as visibility,
        show_url as url,
        {{ remote_data({'/postings': 'payload', 'lever_warehouse': read_by_id_remote_data('/postings')}) }} as remote_data,
        integration_id,
        remote_deleted_at
    from postings
),

{{ unified_rows('content') }}

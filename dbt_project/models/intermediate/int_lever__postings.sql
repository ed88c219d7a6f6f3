-- One row per posting: the staged posting with the description HTML jobs and job postings share, and its
-- deletion time (deleted feed or reconciliation).

with

postings as (
    select * from {{ ref('stg_lever__postings') }}
),

described as (
    select
        *,
        -- descriptionHtml, then each list as <h3>text</h3><ul>items</ul>, then closingHtml; empty parts skipped
        nullif(array_to_string(
            list_filter(
                flatten([
                    [description_html],
                    [
                        case when nullif(content_list.text, '') is not null or nullif(content_list.content, '') is not null
                            then '<h3>' || coalesce(content_list.text, '') || '</h3><ul>' || coalesce(content_list.content, '') || '</ul>'
                        end
                        for content_list in coalesce(content_lists, [])
                    ],
                    [closing_html]
                ]),
                lambda part: nullif(part, '') is not null
            ),
            ''
        ), '') as job_description_html,
        least(deleted_at, missing_since) as remote_deleted_at
    from postings
)

select * from described

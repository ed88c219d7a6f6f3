{# why: candidates' links become Kombo social_media entries: the platform from the host (any subdomain such as
   www., m. or a country), the username from the platform's profile path; other hosts keep the link only. #}
{% macro social_media(link) -%}
    {%- set host = "lower(regexp_extract(trim(" ~ link ~ "), '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[^@/?#]*@)?([^/?#:]+)', 1))" -%}
    {%- set path = "regexp_extract(trim(" ~ link ~ "), '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]+(/[^?#]*)', 1)" -%}
    {%- set platforms = [
        ('LINKEDIN', 'linkedin\\.com', '^/in/([^/]+)'),
        ('TWITTER', '(?:twitter|x)\\.com', '^/([^/]+)'),
        ('GITHUB', 'github\\.com', '^/([^/]+)'),
        ('FACEBOOK', 'facebook\\.com', '^/([^/]+)'),
        ('XING', 'xing\\.com', '^/profile/([^/]+)'),
        ('INSTAGRAM', 'instagram\\.com', '^/([^/]+)'),
        ('YOUTUBE', 'youtube\\.com', '^/(?:@|c/|user/)([^/]+)'),
    ] -%}
    {
        'link': {{ link }},
        'type': case
            {%- for platform, domain, _ in platforms %}
            when regexp_matches({{ host }}, '(?:^|\.){{ domain }}$') then '{{ platform }}'
            {%- endfor %}
        end,
        -- facebook's profile.php?id=... has no username in the path
        'username': nullif(case
            {%- for _, domain, username in platforms %}
            when regexp_matches({{ host }}, '(?:^|\.){{ domain }}$') then nullif(regexp_extract({{ path }}, '{{ username }}', 1), '')
            {%- endfor %}
        end, 'profile.php')
    }
{%- endmacro %}

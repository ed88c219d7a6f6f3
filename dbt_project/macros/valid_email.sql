{# why: Kombo drops invalid email addresses; "valid" = trimmed and matching ^[^@\s]+@[^@\s]+\.[^@\s]+$. #}
{% macro valid_email(expr) -%}
    case when regexp_full_match(trim({{ expr }}), '[^@\s]+@[^@\s]+\.[^@\s]+') then trim({{ expr }}) end
{%- endmacro %}

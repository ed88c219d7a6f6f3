{# why: a row-level rule that no single built-in test states (e.g. an interval never ends before it starts);
   a row fails when `condition` is false or NULL, so write the NULL cases into the condition. #}
{% test all_rows_satisfy(model, condition) %}
select *
from {{ model }}
where not coalesce(({{ condition }}), false)
{% endtest %}

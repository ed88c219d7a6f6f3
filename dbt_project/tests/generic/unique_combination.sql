{# why: staging keys are unique per integration (tag texts can repeat across Lever accounts); dbt's `unique`
   takes one column and we ship no packages (no dbt_utils). #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as count_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

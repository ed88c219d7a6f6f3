{# why: one scan per model for every column that must be filled, instead of one dbt test per column: dbt spends
   ~50 ms on each test it runs, and a build ran 124 of them. A failing row names the column and its null count. #}
{% test not_null_columns(model, columns) %}
select column_name, null_rows
from (
    select
        {%- for column in columns %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
) unpivot (null_rows for column_name in ({% for column in columns %}{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor %}))
where null_rows > 0
{% endtest %}

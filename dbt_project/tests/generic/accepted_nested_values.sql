{# why: closed enums also live inside lists and structs (phone_numbers[].type, roles[], format.type); dbt's
   accepted_values tests a plain column only. `field` picks a (dotted) struct field; `is_list` unnests first. #}
{% test accepted_nested_values(model, column_name, values, field=none, is_list=true) %}
with

elements as (
    select {% if is_list %}unnest({{ column_name }}){% else %}{{ column_name }}{% endif %} as element
    from {{ model }}
),

element_values as (
    {%- set ns = namespace(expr='element') %}
    {%- for part in (field.split('.') if field else []) %}
        {%- set ns.expr = "struct_extract(" ~ ns.expr ~ ", '" ~ part ~ "')" %}
    {%- endfor %}
    select {{ ns.expr }} as value_field
    from elements
)

select value_field, count(*) as count_rows
from element_values
where value_field is not null
    and value_field not in ({% for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %})
group by value_field
{% endtest %}

{# why: field mapping (unified-schema.md §1.9, orchestration/lever/field_mapping.py) compiles into the unified
   models: the checked YAML arrives as the dbt var `field_mappings` ({model: [{integration_id, custom_fields:
   [{key, namespace, name, type, default}], integration_fields: [{namespace, name, type}]}]}), and each mapped
   model gets one CASE on integration_id building its JSON object and list. No var, or none for a model: the
   empty defaults exactly as before, so an unmapped account is unchanged. #}

{% macro field_mappings(model) -%}
    {{ return(var('field_mappings', {}).get(model, [])) }}
{%- endmacro %}

{# `sources`: namespace -> SQL of that namespace's JSON object in the model's row (the record's payload for
   standard fields, an object keyed by field id/text/identifier for custom ones). `labels`: namespace -> SQL of
   an object of the fields' labels, where the source has them. Namespaces no mapping uses are never rendered, and
   their models are named `{ref:model}`, resolved only then: an unmapped model depends on nothing new (its dbt
   unit tests and lineage are unchanged). #}
{% macro mapped_fields(model, sources, labels={}, integration='integration_id') -%}
    {%- set mappings = field_mappings(model) -%}
    {%- if not mappings -%}
        {{ empty_custom_fields() }} as custom_fields,
        {{ empty_integration_fields() }} as integration_fields
    {%- else -%}
        case {{ integration }}
            {%- for mapping in mappings %}
            when '{{ mapping.integration_id }}' then json_object(
                {%- for field in mapping.custom_fields %}
                '{{ field.key | replace("'", "''") }}', {{ converted(field_value(sources[field.namespace], field), field) }}{{ "," if not loop.last }}
                {%- endfor %}
            )
            {%- endfor %}
            else {{ empty_custom_fields() }}
        end as custom_fields,
        case {{ integration }}
            {%- for mapping in mappings %}
            when '{{ mapping.integration_id }}' then list_filter([
                {%- for field in mapping.integration_fields %}
                {
                    'id': '{{ (field.namespace ~ "." ~ field.name) | replace("'", "''") }}',
                    'key': '{{ field.name | replace("'", "''") }}',
                    'type': '{{ field.type }}',
                    'value': {{ field_value(sources[field.namespace], field) }},
                    'label': {{ field_label(labels.get(field.namespace), field) }}
                }{{ "," if not loop.last }}
                {%- endfor %}
            ]::struct(id varchar, key varchar, type varchar, value json, label varchar)[],
                lambda passed: passed.value is not null and json_type(passed.value) <> 'NULL')
            {%- endfor %}
            else {{ empty_integration_fields() }}
        end as integration_fields
    {%- endif -%}
{%- endmacro %}

{# A JSON path of quoted segments: standard fields are dotted paths, custom ones one name that may hold dots. #}
{% macro field_path(field) -%}
    {%- set segments = field.name.split('.') if field.namespace in ('posting', 'opportunity', 'application') else [field.name] -%}
    '${% for segment in segments %}."{{ segment | replace("'", "''") | replace('"', '\\"') }}"{% endfor %}'
{%- endmacro %}

{% macro field_value(source_sql, field) -%}
    json_extract({{ with_refs(source_sql) }}, {{ field_path(field) }})
{%- endmacro %}

{% macro with_refs(sql) -%}
    {%- set resolved = namespace(sql=sql) -%}
    {%- for name in modules.re.findall('[{]ref:([a-z0-9_]+)[}]', sql) -%}
        {%- set resolved.sql = resolved.sql | replace('{ref:' ~ name ~ '}', ref(name) | string) -%}
    {%- endfor -%}
    {{ return(resolved.sql) }}
{%- endmacro %}

{% macro field_label(labels_sql, field) -%}
    {%- if labels_sql -%}
        coalesce(json_extract_string({{ with_refs(labels_sql) }}, {{ field_path(field) }}), '{{ field.name | replace("'", "''") }}')
    {%- else -%}
        '{{ field.name | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{# The typed conversions of field_mapping.TYPES; a value that cannot be converted becomes the default (or null).
   Dates: epoch ms (Lever's dates, UTC midnight for date-only values) or ISO text, as 'YYYY-MM-DD'. Numbers: a
   number, numeric text, or the `value` of a currency answer ({currency, value}). Booleans: true/false and
   Lever's yes/no. Lists: an array as is, anything else as a one-element array. #}
{% macro converted(value, field) -%}
    {%- set v = '(' ~ value ~ ')' -%}
    {%- if field.type == 'text' -%}
        {%- set expr = 'to_json(json_extract_string(' ~ v ~ ", '$'))" -%}
    {%- elif field.type == 'number' -%}
        {%- set expr = 'to_json(coalesce(try_cast(json_extract_string(' ~ v ~ ", '$') as double), try_cast(json_extract_string(" ~ v ~ ", '$.value') as double)))" -%}
    {%- elif field.type == 'date' -%}
        {%- set expr -%}
            to_json(strftime(case
                when json_type({{ v }}) in ('UBIGINT', 'BIGINT', 'DOUBLE') then epoch_ms(try_cast(json_extract_string({{ v }}, '$') as double)::bigint)::date
                else try_cast(json_extract_string({{ v }}, '$') as date)
            end, '%Y-%m-%d'))
        {%- endset -%}
    {%- elif field.type == 'boolean' -%}
        {%- set expr -%}
            to_json(case
                when json_type({{ v }}) = 'BOOLEAN' then json_extract_string({{ v }}, '$') = 'true'
                when lower(json_extract_string({{ v }}, '$')) in ('yes', 'true', 'y', '1') then true
                when lower(json_extract_string({{ v }}, '$')) in ('no', 'false', 'n', '0') then false
            end)
        {%- endset -%}
    {%- elif field.type == 'list' -%}
        {%- set expr -%}
            case
                when json_type({{ v }}) = 'ARRAY' then {{ v }}
                when json_type({{ v }}) <> 'NULL' then to_json([{{ v }}])
            end
        {%- endset -%}
    {%- else -%}
        {%- set expr = v -%}
    {%- endif -%}
    {%- if field.default is not none -%}
        coalesce(nullif({{ expr }}, 'null'::json), '{{ field.default | replace("'", "''") }}'::json)
    {%- else -%}
        {{ expr }}
    {%- endif -%}
{%- endmacro %}

{# The staging models a mapped model's rows also depend on (its incremental scope follows them). #}
{% macro field_mapping_inputs(model) -%}
    {%- set inputs = [] -%}
    {%- for mapping in field_mappings(model) -%}
        {%- for field in mapping.custom_fields + mapping.integration_fields -%}
            {%- if field.namespace == 'profile_form' and 'stg_lever__forms' not in inputs -%}
                {%- do inputs.append('stg_lever__forms') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(inputs) }}
{%- endmacro %}

{# A mapping changed since this model last built: every row must be recomputed (changed_at still moves only on
   rows whose value changed, by the content hash). The fingerprint of each model's mapping is kept in
   staging._field_mapping_state by remember_field_mappings, dbt's on-run-end hook. #}
{% macro field_mapping_fingerprint(model) -%}
    {{ return(local_md5(tojson(field_mappings(model)))) }}
{%- endmacro %}

{% macro field_mapping_changed(model) -%}
    {%- if not execute or not is_incremental() or model not in ('jobs', 'candidates', 'applications', 'offers') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set state = adapter.get_relation(database=this.database, schema=generate_schema_name('staging', none), identifier='_field_mapping_state') -%}
    {%- set previous = field_mapping_fingerprint('__none__') -%}
    {%- if state is not none -%}
        {%- set rows = run_query("select fingerprint from " ~ state ~ " where model = '" ~ model ~ "'") -%}
        {%- if rows | length > 0 -%}{%- set previous = rows[0][0] -%}{%- endif -%}
    {%- endif -%}
    {{ return(previous != field_mapping_fingerprint(model)) }}
{%- endmacro %}

{% macro remember_field_mappings(results) -%}
    {#- on-run-end, so one statement writes it after every thread is done; only models that built record theirs -#}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'model' and result.node.name in ('jobs', 'candidates', 'applications', 'offers') and result.status == 'success' -%}
            {%- do built.append(result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set schema = generate_schema_name('staging', none) -%}
    {%- set state = adapter.get_relation(database=target.database, schema=schema, identifier='_field_mapping_state') -%}
    {%- if built and (state is not none or var('field_mappings', {})) -%}
        create table if not exists {{ target.database }}.{{ schema }}._field_mapping_state (model varchar primary key, fingerprint varchar);
        {%- for model in built %}
        insert or replace into {{ target.database }}.{{ schema }}._field_mapping_state
        values ('{{ model }}', '{{ field_mapping_fingerprint(model) }}');
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

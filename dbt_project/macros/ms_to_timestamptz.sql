{# why: Lever sends epoch milliseconds; to_timestamp keeps the UTC instant (epoch_ms(..)::timestamptz would
   shift it by the session time zone), and a malformed or out-of-range value becomes NULL instead of failing. #}
{% macro ms_to_timestamptz(expr) -%}
    case
        when try_cast({{ expr }} as double) between -62135596800000 and 253402300799000
            then to_timestamp(try_cast({{ expr }} as double) / 1000.0)
    end
{%- endmacro %}

{#- The combination of `columns` is unique in the model (a composite primary key). -#}
{% test unique_combination(model, columns) %}

{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "unique_combination: `columns` must be a non-empty list of column names, got " ~ columns
    ) }}
{%- endif %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}

{#-
    No value of the timestamp column lies in the future (beyond `tolerance_minutes` of clock
    skew): a future event time means a wrong device clock or a parsing error. NULLs pass.
-#}
{% test not_in_future(model, column_name, tolerance_minutes=5) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} > current_timestamp() + make_interval(0, 0, 0, 0, 0, {{ tolerance_minutes }}, 0)

{% endtest %}

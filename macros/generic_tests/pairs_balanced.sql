{#-
    Every interval row produced by start/stop pairing is well formed: it has a start unless it
    is an orphan stop, an end unless it is still open, no end when open, no start when an
    orphan, and never ends before it starts. Returns the offending rows.
-#}
{% test pairs_balanced(
    model,
    start_column,
    end_column,
    reason_column='end_reason',
    open_reasons=['open'],
    orphan_reasons=['orphan_stop']
) %}

    {%- set open_list = "'" ~ open_reasons | join("', '") ~ "'" %}
    {%- set orphan_list = "'" ~ orphan_reasons | join("', '") ~ "'" %}

select *
from {{ model }}
where
    ({{ start_column }} is null and {{ reason_column }} not in ({{ orphan_list }}))
    or ({{ end_column }} is null and {{ reason_column }} not in ({{ open_list }}))
    or ({{ end_column }} is not null and {{ reason_column }} in ({{ open_list }}))
    or ({{ start_column }} is not null and {{ reason_column }} in ({{ orphan_list }}))
    or {{ end_column }} < {{ start_column }}

{% endtest %}

"""``ingest.local_rows``: the driver's rows reach Spark value for value, without a Python worker.

Every ``ingest_meta`` row (the run log, the schema-change log, the column map, the file manifest)
goes through ``local_frame``, so a value it bent would be a value lost from the log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pyspark.sql import types as T

from ingest.local_rows import local_frame

pytestmark = pytest.mark.spark

SCHEMA = T.StructType(
    [
        T.StructField("text", T.StringType()),
        T.StructField("count", T.LongType()),
        T.StructField("at", T.TimestampType()),
        T.StructField("day", T.DateType()),
        T.StructField("ok", T.BooleanType()),
        T.StructField("ratio", T.DoubleType()),
        T.StructField('odd `name`, with "quotes"', T.StringType()),
    ]
)

ROWS: list[dict[str, Any]] = [
    {
        # JSON's escapes, a line break (the lines are split on it), a NUL, non-BMP characters
        "text": 'a\nb\r\n"c"\\ \u2028\u2029 \x00 é 中 😀',
        "count": 2**63 - 1,
        "at": datetime(2026, 12, 3, 4, 5, 6, 123456),
        "day": date(2026, 2, 28),
        "ok": True,
        "ratio": 0.1 + 0.2,
        'odd `name`, with "quotes"': '{"not": "parsed"}',
    },
    {
        "text": "",
        "count": -(2**63),
        "at": datetime(1970, 1, 1),
        "day": date(1, 1, 1),
        "ok": False,
        "ratio": -1e-300,
        'odd `name`, with "quotes"': "   ",
    },
    {name: None for name in SCHEMA.fieldNames()},
]


def test_every_value_comes_back_exactly(spark: Any) -> None:
    frame = local_frame(spark, ROWS, SCHEMA)
    assert frame.schema == SCHEMA
    assert [row.asDict() for row in frame.collect()] == ROWS


def test_rows_as_tuples_in_field_order(spark: Any) -> None:
    tuples = [tuple(row[name] for name in SCHEMA.fieldNames()) for row in ROWS]
    assert [tuple(row) for row in local_frame(spark, tuples, SCHEMA).collect()] == tuples


def test_no_rows_gives_an_empty_frame_of_the_schema(spark: Any) -> None:
    frame = local_frame(spark, [], SCHEMA)
    assert frame.schema == SCHEMA
    assert frame.count() == 0


def test_missing_keys_are_nulls_and_unknown_keys_are_refused(spark: Any) -> None:
    assert local_frame(spark, [{"text": "only"}], SCHEMA).collect()[0].asDict() == {
        name: "only" if name == "text" else None for name in SCHEMA.fieldNames()
    }
    with pytest.raises(ValueError, match="not in the schema"):
        local_frame(spark, [{"text": "x", "typo": 1}], SCHEMA)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (T.StructField("count", T.LongType()), 2**63),  # past a bigint
        (T.StructField("count", T.LongType()), "12"),
        (T.StructField("count", T.LongType()), 1.5),
        (T.StructField("text", T.StringType()), 12),
        (T.StructField("ok", T.BooleanType()), 1),
    ],
)
def test_a_value_its_field_cannot_hold_is_an_error_not_a_null(
    spark: Any, field: T.StructField, value: Any
) -> None:
    """A log row must not lose a value to a silent null (Spark's JSON reader's permissive mode
    would): the rows are typed strictly, and the error names the field."""
    with pytest.raises(Exception, match=f"field {field.name} "):
        local_frame(spark, [{field.name: value}], T.StructType([field]))

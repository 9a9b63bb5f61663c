"""``ingest.casts.cast``: a cast by the type's SQL name is the cast by the type object, value for
value, for every kind of type the ingest casts to (the transform's columns, the meta tables)."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.casts import cast

pytestmark = pytest.mark.spark

TEXTS = [
    "12",
    "-0",
    "1e3",
    "12345678901234567",
    "9.99",
    "true",
    "2026-02-28",
    "2026-02-28 10:00:01.5",
    "x",
    None,
]
TYPES = [
    T.StringType(),
    T.BooleanType(),
    T.ByteType(),
    T.ShortType(),
    T.IntegerType(),
    T.LongType(),
    T.FloatType(),
    T.DoubleType(),
    T.DecimalType(38, 2),
    T.DecimalType(5, 0),
    T.DateType(),
    T.TimestampType(),
    T.TimestampNTZType(),
    T.BinaryType(),
    T.ArrayType(T.StringType()),
]


@pytest.mark.parametrize("data_type", TYPES, ids=lambda t: t.simpleString())
def test_a_cast_by_name_is_the_cast_by_type(spark: Any, data_type: T.DataType) -> None:
    frame = spark.createDataFrame([(t,) for t in TEXTS], "v string")
    source = F.array("v") if isinstance(data_type, T.ArrayType) else F.col("v")
    by_name = frame.select(cast(source, data_type).alias("c"))
    by_type = frame.select(source.cast(data_type).alias("c"))
    assert by_name.schema == by_type.schema
    assert by_name.schema["c"].dataType == data_type
    assert by_name.collect() == by_type.collect()


def test_nested_types_with_field_names_sql_would_need_quoted(spark: Any) -> None:
    data_type = T.StructType([T.StructField("a b`c", T.LongType()), T.StructField("d,e", T.StringType())])
    frame = spark.createDataFrame([("7", "x")], "p string, q string")
    row = frame.select(cast(F.struct("p", "q"), data_type).alias("c")).first()
    assert row.c.asDict() == {"a b`c": 7, "d,e": "x"}


def test_a_timestamp_stays_a_timestamp_when_the_session_defaults_to_ntz(spark: Any) -> None:
    """``timestamp`` alone is what ``spark.sql.timestampType`` says; the cast keeps the zone."""
    frame = spark.createDataFrame([("2026-02-28 10:00:01.5",)], "v string")
    before = spark.conf.get("spark.sql.timestampType")
    spark.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
    try:
        assert (
            frame.select(cast(F.col("v"), T.TimestampType()).alias("c")).schema["c"].dataType
            == T.TimestampType()
        )
    finally:
        spark.conf.set("spark.sql.timestampType", before)

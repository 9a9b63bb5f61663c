"""Rows the driver holds (a run's log, a source's new columns, one row per file) as a DataFrame.

``spark.createDataFrame(rows)`` parallelizes pickled rows, so the job that later reads them runs
a Python worker to hand them to the JVM: on an idle machine a one-row ``ingest_meta`` append
took 0.33-0.38 s that way and 0.20-0.23 s from a local relation (bench/RESULTS.md, session
27), and a small run makes about ten such frames. Here the rows cross to the driver's JVM in
one py4j call, as JSON lines, and become a local relation that Spark's JSON reader parses with
the schema, in the JVM. The rows' values never become SQL text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.naming import quote_identifier
from ingest.storage import jvm

_NEWLINE = "\n"  # never inside a line: json.dumps escapes it in strings
# Read as text, then cast in the session time zone: exact to the microsecond, whatever the
# JSON reader's timestampFormat would accept.
_AS_TEXT = (T.TimestampType, T.TimestampNTZType, T.DateType)


def local_frame(
    spark: SparkSession, rows: Sequence[Mapping[str, Any] | Sequence[Any]], schema: T.StructType
) -> DataFrame:
    """``rows`` (mappings by field name, or tuples in field order) as a DataFrame of ``schema``.

    Values are str, int, float, bool, None, datetime (naive, in the session time zone) or date.
    """
    names = schema.fieldNames()
    lines = _NEWLINE.join(json.dumps(_record(row, names), default=_text) for row in rows)
    read_schema = T.StructType(
        [
            T.StructField(f.name, T.StringType() if isinstance(f.dataType, _AS_TEXT) else f.dataType)
            for f in schema
        ]
    )
    java = jvm(spark)
    texts = java.java.util.ArrayList()
    if rows:  # one line per row, split in the JVM
        texts = (
            java.java.util.regex.Pattern.compile(_NEWLINE)
            .splitAsStream(lines)
            .collect(java.java.util.stream.Collectors.toList())
        )
    dataset = spark._jsparkSession.createDataset(texts, java.org.apache.spark.sql.Encoders.STRING())
    parsed = spark._jsparkSession.read().schema(spark._jsparkSession.parseDataType(read_schema.json()))
    return DataFrame(parsed.json(dataset), spark).select(*[_typed(f) for f in schema])


def _record(row: Mapping[str, Any] | Sequence[Any], names: list[str]) -> dict[str, Any]:
    if isinstance(row, Mapping):
        unknown = set(row) - set(names)
        if unknown:  # a value with no column would be dropped without a word
            raise ValueError(f"keys not in the schema: {sorted(unknown)}; fields: {names}")
        return {name: row.get(name) for name in names}
    if len(row) != len(names):
        raise ValueError(f"a row of {len(row)} values for {len(names)} fields: {names}")
    return dict(zip(names, row, strict=True))


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _typed(field: T.StructField) -> Column:
    column = F.col(quote_identifier(field.name))
    return column.cast(field.dataType).alias(field.name) if isinstance(field.dataType, _AS_TEXT) else column

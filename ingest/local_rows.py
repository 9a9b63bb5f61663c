"""Rows the driver holds (a run's log, a source's new columns, one row per file) as a DataFrame.

``spark.createDataFrame(rows)`` parallelizes pickled rows, so the job that later reads them runs
a Python worker to hand them to the JVM: on an idle machine a one-row ``ingest_meta`` append
took 0.33-0.38 s that way and 0.20-0.23 s from JSON lines that Spark's JSON reader parsed in the
JVM (bench/RESULTS.md, session 27). Here the rows cross to the driver's JVM in one py4j call, as
one JSON text, and ``dap.ingest.LocalRows`` (ingest/java, in ingest's functions jar) types them
by the schema into a local relation, which a write or a broadcast join reads from the driver's
memory without a scan: the one-row append 0.20 -> 0.15 s (session 51). The rows' values never
become SQL text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest import casts
from ingest.naming import quote_identifier
from ingest.storage import jvm

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
    payload = json.dumps([list(_record(row, names).values()) for row in rows], default=_text)
    read_schema = T.StructType(
        [
            T.StructField(f.name, T.StringType() if isinstance(f.dataType, _AS_TEXT) else f.dataType)
            for f in schema
        ]
    )
    local = jvm(spark).dap.ingest.LocalRows.fromJson(spark._jsparkSession, payload, read_schema.json())
    return DataFrame(local, spark).select(*[_typed(f) for f in schema])


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
    return (
        casts.cast(column, field.dataType).alias(field.name)
        if isinstance(field.dataType, _AS_TEXT)
        else column
    )

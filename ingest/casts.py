"""Casting a column to a Spark type by the type's SQL name.

``Column.cast(DataType)`` costs pyspark four round trips to the JVM (the active session found
through the JVM, then the type sent as JSON and parsed there); ``Column.cast("bigint")`` costs
one. A small run casts some seventy columns, so the name saves about a tenth of a second a run
(bench/RESULTS.md, session 52). Nested types keep the object form: their SQL name would need
every field name quoted.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import types as T

_NESTED = (T.ArrayType, T.MapType, T.StructType, T.UserDefinedType)


def cast(column: Column, data_type: T.DataType) -> Column:
    """``column`` cast to ``data_type``: the same expression ``column.cast(data_type)`` makes."""
    if isinstance(data_type, _NESTED):
        return column.cast(data_type)
    return column.cast(sql_name(data_type))


def sql_name(data_type: T.DataType) -> str:
    """The name Spark's SQL parser reads back as ``data_type`` whatever the session's settings:
    ``timestamp`` alone means ``spark.sql.timestampType``, which may be ``TIMESTAMP_NTZ``."""
    if isinstance(data_type, T.TimestampType):
        return "timestamp_ltz"
    return data_type.simpleString()

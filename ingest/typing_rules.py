"""Type rules (plain Python): which Spark type a column gets and how later values may change it.

- A new column's type is the type Spark inferred for the batch (JSON) or the narrowest type every
  value of the batch parses as (CSV, see ``infer_text_type``). All-null fields create no column.
- A column's type never changes once the table has it. Incoming values of another type are cast
  only if the cast is lossless, checked value by value by a round trip (cast to the table type and
  back must give the original); any value that fails is kept as text in ``_rescued_data``.
- Some pairs are never cast (boolean <-> number): those values are always rescued.
- The exception is a widening Iceberg makes losslessly in metadata (int -> bigint, float ->
  double, decimal(P,S) -> decimal(P',S) with P' > P): ``promotion`` names it, and the plan
  widens the column instead of rescuing (see ``ingest.schema_plan``).
"""

from __future__ import annotations

import re
from enum import Enum

from pyspark.sql.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    NullType,
    ShortType,
    StringType,
    TimestampType,
)


class Reconcile(Enum):
    SAME = "same"  # store as is
    CAST_CHECKED = "cast_checked"  # cast; values that do not round-trip are rescued
    RESCUE_ALL = "rescue_all"  # never cast; every non-null value is rescued
    # a new path the table's schema_policy keeps out of the table (see ingest.schema_plan)
    DISCARD_ROW = "discard_row"  # a record with a value here is quarantined whole
    DISCARD_VALUE = "discard_value"  # the value leaves the columns, kept in _rescued_data


def canonical(data_type: DataType) -> DataType:
    """The storage type for an inferred type: integers widen to bigint, floats to double."""
    if isinstance(data_type, ByteType | ShortType | IntegerType | LongType):
        return LongType()
    if isinstance(data_type, FloatType | DoubleType):
        return DoubleType()
    if isinstance(data_type, NullType):
        return StringType()
    return data_type


_NUMERIC = (IntegerType, LongType, FloatType, DoubleType, DecimalType)


def reconcile(table_type: DataType, batch_type: DataType) -> Reconcile:
    """How values of ``batch_type`` enter a column of ``table_type``.

    A table column may be narrower than any inferred type (``int`` or ``float`` from a schema
    hint): a bigint batch entering an int column is checked value by value, never stored as is.
    """
    batch_type = canonical(batch_type)
    if not isinstance(table_type, IntegerType | FloatType):
        table_type = canonical(table_type)
    if table_type == batch_type:
        return Reconcile.SAME
    if isinstance(table_type, StringType):
        return Reconcile.CAST_CHECKED  # any scalar has a text form; the round trip proves it
    if isinstance(table_type, BooleanType) != isinstance(batch_type, BooleanType) and not isinstance(
        batch_type, StringType
    ):
        return Reconcile.RESCUE_ALL
    if isinstance(table_type, _NUMERIC + (BooleanType, DateType, TimestampType)):
        return Reconcile.CAST_CHECKED
    return Reconcile.RESCUE_ALL


def promotion(table_type: DataType, wanted: DataType) -> DataType | None:
    """``wanted`` if Iceberg widens ``table_type`` to it losslessly in metadata, else None.

    Exactly Iceberg's type promotions: int -> bigint, float -> double, decimal(P,S) ->
    decimal(P',S) with P' > P (same scale). Anything else (bigint -> double, a scale change,
    text vs number) is not a widening: values that do not fit are rescued as before.
    """
    if isinstance(table_type, IntegerType) and isinstance(wanted, LongType):
        return wanted
    if isinstance(table_type, FloatType) and isinstance(wanted, DoubleType):
        return wanted
    if (
        isinstance(table_type, DecimalType)
        and isinstance(wanted, DecimalType)
        and wanted.scale == table_type.scale
        and wanted.precision > table_type.precision
    ):
        return wanted
    return None


# Text type inference for CSV (and any all-text source): the narrowest type all values parse as.
# The Java function dap_number_text (ingest/java/dap/ingest/NumberText.java) answers them in one
# pass over a value's bytes, each over the whole text (tests/spark/test_jvm_functions.py checks it
# against these patterns); kept here so they are unit-tested and documented in one place. Leading
# zeros ("01") keep a column as text. A double holds a decimal exactly within its normal range
# (DOUBLE_MIN_NORMAL to DOUBLE_MAX) and at most EXACT_DOUBLE_DIGITS significant digits: "1e400"
# would become Infinity, "1e-400" 0, "3e-324" a subnormal with fewer digits.
INTEGER_PATTERN = r"^-?(0|[1-9][0-9]{0,17})$"
GROUPED_INTEGER_PATTERN = r"^-?[1-9][0-9]{0,2}(,[0-9]{3}){1,5}$"  # at most 18 digits: fits bigint
DOUBLE_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
BOOLEAN_PATTERN = r"^(?i)(true|false)$"
# A number written without exponent: integers of any length, decimals. Such a column that a double
# cannot hold exactly becomes decimal(38, s) when its digits fit 38, else text.
PLAIN_NUMBER_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
# A double holds every decimal of at most 15 significant digits exactly (IEEE 754 binary64: DBL_DIG).
EXACT_DOUBLE_DIGITS = 15
DOUBLE_MIN_NORMAL = 2.2250738585072014e-308
DOUBLE_MAX = 1.7976931348623157e308
DECIMAL_PRECISION = 38


def significant_digits(text: str) -> int:
    """Significant digits of a number's text (plain Python; the Java twin is ``NumberText``)."""
    mantissa = re.sub(r"[eE].*$", "", text)
    return len(re.sub(r"^0+|0+$", "", re.sub(r"[^0-9]", "", mantissa)))


def text_type(
    *,
    all_integer: bool,
    all_grouped_integer: bool,
    all_double: bool,
    all_boolean: bool,
    all_exact_double: bool = True,
    all_plain_number: bool = False,
    max_integer_digits: int = 0,
    max_scale: int = 0,
) -> tuple[DataType, bool]:
    """Choose a type from per-column facts; the flag says "strip thousands separators first".

    Integers that do not fit bigint and decimals with more digits than a double holds exactly
    become ``decimal(38, s)`` (``s`` the largest scale seen), or text when 38 digits do not hold
    them: never a double that would change their digits.
    """
    if all_boolean:
        return BooleanType(), False
    if all_integer:
        return LongType(), False
    if all_grouped_integer:
        return LongType(), True
    if all_double and all_exact_double:
        return DoubleType(), False
    if all_plain_number and max_integer_digits + max_scale <= DECIMAL_PRECISION:
        return DecimalType(DECIMAL_PRECISION, max_scale), False
    return StringType(), False

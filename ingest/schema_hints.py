"""Schema hints (plain Python): a source's ``types:`` fixes the type of a new column by its path.

```yaml
sources:
  orders:
    types: {zip: string, amount: "decimal(12,2)", device.fw_build: bigint, created: timestamp}
```

Keys are original key paths as ``partition.column`` writes them (``a.b``); the hint wins over
inference when the column is created. Values that do not fit the hinted type are rescued like
any other (never turned into NULL): a hint is the ceiling the data must fit. A hint changes a
column that already exists only by a lossless Iceberg widening (``int`` -> ``bigint``,
``decimal(10,2)`` -> ``decimal(20,2)``, see ``ingest.typing_rules.promotion``); any other
disagreement leaves the column as it is, and ``hint_conflicts`` lists it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

from ingest.flatten import FlatField
from ingest.naming import Path
from ingest.typing_rules import promotion

_SIMPLE: dict[str, DataType] = {
    "string": StringType(),
    "int": IntegerType(),
    "bigint": LongType(),
    "float": FloatType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "date": DateType(),
    "timestamp": TimestampType(),
}
_DECIMAL_MAX_PRECISION = 38  # Spark's DecimalType.MAX_PRECISION (Scala side only)
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
HINT_TYPES = ", ".join([*_SIMPLE, "decimal(p,s)"])


def parse_hint_type(text: str) -> DataType:
    """``"decimal(12, 2)"`` -> ``DecimalType(12, 2)``; ``ValueError`` naming the allowed types."""
    name = text.strip().lower()
    if name in _SIMPLE:
        return _SIMPLE[name]
    match = _DECIMAL.match(name)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if 1 <= precision <= _DECIMAL_MAX_PRECISION and scale <= precision:
            return DecimalType(precision, scale)
        raise ValueError(
            f"invalid type {text!r}: decimal(p,s) needs a precision p from 1 to "
            f"{_DECIMAL_MAX_PRECISION} (Spark's limit) and a scale s from 0 to p"
        )
    raise ValueError(f"unknown type {text!r} (use one of: {HINT_TYPES})")


def hint_path(text: str) -> Path:
    return tuple(text.split("."))


def apply_type_hints(fields: list[FlatField], hints: dict[Path, DataType]) -> list[FlatField]:
    """Fields whose path has a hint take it as their column type (as ``first_type`` does)."""
    if not hints:
        return fields
    return [replace(f, first_type=hints[f.path], hinted=True) if f.path in hints else f for f in fields]


def hint_conflicts(
    hints: dict[Path, DataType], current: StructType | None, columns: dict[Path, str]
) -> list[str]:
    """Hints that disagree with a column that already exists (the column keeps its type)."""
    if current is None:
        return []
    types = {f.name: f.dataType for f in current.fields}
    found = []
    for path, hinted in sorted(hints.items()):
        column = columns.get(path)
        if column in types and types[column] != hinted and promotion(types[column], hinted) is None:
            found.append(
                f"{'.'.join(path)}: hinted {hinted.simpleString()}, column {column} is "
                f"{types[column].simpleString()} (a column only widens losslessly)"
            )
    return found

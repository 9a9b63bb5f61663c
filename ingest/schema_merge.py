"""Merge the schemas inferred for consecutive groups of files (plain Python, no Spark).

Spark infers one schema for a whole batch and widens conflicting leaves (a number in day 1, a
string in day 5) to string, so the batch alone cannot say which type came first. ``ingest``
therefore infers one schema per landing day, in order, and merges them here:
- the merged schema is what the batch is parsed with (the common type Spark would pick), except
  that a leaf whose type changed is parsed as text: a wider parse (a day-one integer read as a
  double) would change digits before the round-trip check could see the original;
- ``first_types`` records, for every leaf whose type changed across days, the type of the first
  day that had a value. A new column takes that type; later values that do not cast losslessly
  into it are rescued (see ``ingest.typing_rules``).
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DataType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from ingest.naming import Path
from ingest.typing_rules import canonical

_NUMBERS = (LongType, DoubleType)


def widen(a: DataType, b: DataType) -> DataType:
    """The common type of two inferred types, as Spark's JSON inference picks it."""
    a, b = canonical(a), canonical(b)
    if a == b:
        return a
    if isinstance(a, StructType) and isinstance(b, StructType):
        return merge_structs(a, b)
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return ArrayType(widen(a.elementType, b.elementType), True)
    if isinstance(a, _NUMBERS) and isinstance(b, _NUMBERS):
        return DoubleType()
    return StringType()


def merge_structs(a: StructType, b: StructType) -> StructType:
    fields = {f.name: f.dataType for f in a.fields}
    order = [f.name for f in a.fields]
    for field in b.fields:
        if field.name in fields:
            fields[field.name] = widen(fields[field.name], field.dataType)
        else:
            fields[field.name] = field.dataType
            order.append(field.name)
    return StructType([StructField(name, fields[name], True) for name in sorted(order)])


def dedupe_fields(schema: StructType) -> StructType:
    """Drop repeated field names (``{"a": 1, "a": 2}`` infers two ``a``), in arrays' elements too;
    the parser keeps the last value (``ParseLosses`` in ingest/java rescues the others)."""
    fields: dict[str, DataType] = {}
    for field in schema.fields:
        data_type = _dedupe_within(field.dataType)
        fields[field.name] = widen(fields[field.name], data_type) if field.name in fields else data_type
    return StructType([StructField(name, data_type, True) for name, data_type in fields.items()])


def _dedupe_within(data_type: DataType) -> DataType:
    if isinstance(data_type, StructType):
        return dedupe_fields(data_type)
    if isinstance(data_type, ArrayType):
        return ArrayType(_dedupe_within(data_type.elementType), data_type.containsNull)
    return data_type


def _leaves(schema: StructType, prefix: Path = ()) -> dict[Path, DataType]:
    found: dict[Path, DataType] = {}
    for field in schema.fields:
        path = (*prefix, field.name)
        if isinstance(field.dataType, StructType):
            found.update(_leaves(field.dataType, path))
        else:
            found[path] = canonical(field.dataType)
    return found


def merge_in_order(schemas: list[StructType]) -> tuple[StructType, dict[Path, DataType]]:
    """(merged schema, first type of each leaf whose type changed after its first day)."""
    if not schemas:
        return StructType([]), {}
    merged = schemas[0]
    first: dict[Path, DataType] = dict(_leaves(schemas[0]))
    # A leaf that had another type on a later day, even one the merge widens back to the first
    # (a double, then a big integer: still a double), is parsed as text: a double parse would
    # round the integer's digits with nothing left to rescue.
    drifted: set[Path] = set()
    for schema in schemas[1:]:
        merged = merge_structs(merged, schema)
        for path, data_type in _leaves(schema).items():
            if first.setdefault(path, data_type) != data_type:
                drifted.add(path)
    final = _leaves(merged)
    changed = {
        path: data_type
        for path, data_type in first.items()
        if path in final
        and (final[path] != data_type or path in drifted)
        and not isinstance(data_type, StructType | ArrayType)
        and not isinstance(final[path], StructType | ArrayType)
    }
    for path in changed:
        merged = _with_type(merged, path, StringType())
    return merged, changed


def _with_type(schema: StructType, path: Path, data_type: DataType) -> StructType:
    fields = []
    for field in schema.fields:
        if field.name == path[0]:
            inner = field.dataType
            new_type = data_type if len(path) == 1 else _with_type(inner, path[1:], data_type)  # type: ignore[arg-type]
            fields.append(StructField(field.name, new_type, True))
        else:
            fields.append(field)
    return StructType(fields)

"""Find the values Spark's JSON schema inference cannot see, and give them a place in the schema.

Spark infers ``""`` and ``[]`` as null (``dropFieldIfAllNull`` then drops a field whose every
value is one of them), always drops an empty object ``{}`` and a key that is the empty string, and
a field holding ``""`` in one record and a number in another is inferred as the number, so the
record with ``""`` would fail to parse. Every one of those is a value, so nothing may drop it.

``empty_value_paths`` (plain Python, run in Spark only on records whose text contains ``""``,
``[]`` or ``{}``) lists where such values are; ``add_empty_values`` adds them to the inferred
schema:
- a field only ever ``""`` becomes a string column, only ever ``[]`` a JSON-text column ("[]"),
  only ever ``{}`` a JSON-text column ("{}");
- a field holding ``""`` and values of another type becomes a string column (the others as text);
- the value of an empty key, and an array that contains ``""``, ``{}`` or an empty key anywhere,
  are kept as JSON text (Spark's text of the value);
- ``{}`` at a path whose other records hold objects with keys is flattened like them: its
  leaves are NULL (an empty object has no leaves). This is the one place ``{}`` is not stored.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pyspark.sql.types import ArrayType, DataType, StringType, StructField, StructType

from ingest.naming import Path

EmptyKind = Literal["empty_string", "empty_array", "empty_object", "text"]
# A cheap JVM-side filter: only records whose text matches can hold one of the values above.
MAY_HOLD_EMPTY = r'""|\[\s*\]|\{\s*\}'


def _holds_empty(value: Any) -> bool:
    """Does a value inside an array hold something Spark's inference would lose?"""
    if isinstance(value, dict):
        return not value or "" in value or any(_holds_empty(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_empty(v) for v in value)
    return isinstance(value, str) and not value


def _walk(record: dict[str, Any], prefix: Path, found: set[tuple[Path, EmptyKind]]) -> None:
    for key, value in record.items():
        path = (*prefix, key)
        if key == "":
            found.add((path, "text"))
        elif value == "":
            found.add((path, "empty_string"))
        elif isinstance(value, list):
            if not value:
                found.add((path, "empty_array"))
            elif _holds_empty(value):
                found.add((path, "text"))
        elif isinstance(value, dict):
            if not value:
                found.add((path, "empty_object"))
            else:
                _walk(value, path, found)


def empty_value_paths(raw: str | None) -> list[str]:
    """Where a record holds ``""``, ``[]``, ``{}`` or an empty key: JSON ``[path, kind]`` texts.

    Records that are not JSON objects give nothing (they are quarantined elsewhere).
    """
    if raw is None:
        return []
    try:
        record = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(record, dict):
        return []
    found: set[tuple[Path, EmptyKind]] = set()
    _walk(record, (), found)
    return sorted(json.dumps([list(path), kind], ensure_ascii=False) for path, kind in found)


def _new_type(kind: EmptyKind) -> DataType:
    if kind == "empty_array":
        return ArrayType(StringType(), True)
    if kind == "empty_object":
        return StructType([])
    return StringType()


def _keeps(existing: DataType, kind: EmptyKind) -> bool:
    """Can values of ``kind`` be parsed (and kept) with the type Spark inferred?"""
    if isinstance(existing, StringType):
        return True
    if kind == "empty_array":
        return isinstance(existing, ArrayType)
    if kind == "empty_object":
        return isinstance(existing, StructType)
    return False


def _place(schema: StructType, path: Path, kind: EmptyKind) -> StructType:
    fields = {f.name: f.dataType for f in schema.fields}
    key, rest = path[0], path[1:]
    existing = fields.get(key)
    if rest:
        if existing is None:
            fields[key] = _place(StructType([]), rest, kind)
        elif isinstance(existing, StructType):
            fields[key] = _place(existing, rest, kind)
        else:
            return schema  # an ancestor is stored as text (or an array): the value is inside it
    elif existing is None:
        fields[key] = _new_type(kind)
    elif not _keeps(existing, kind):
        fields[key] = StringType()
    else:
        return schema
    return StructType([StructField(name, fields[name], True) for name in sorted(fields)])


def add_empty_values(schema: StructType, found: list[str]) -> StructType:
    """The inferred ``schema`` with a place for every value ``empty_value_paths`` reported."""
    entries = sorted({(tuple(p), k) for p, k in (json.loads(item) for item in found)}, key=lambda e: e[0])
    for path, kind in entries:
        # "text" wins over other kinds at the same path: apply it last
        if kind != "text":
            schema = _place(schema, path, kind)
    for path, kind in entries:
        if kind == "text":
            schema = _place(schema, path, kind)
    return schema

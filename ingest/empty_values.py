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
- the value of an empty key is kept as text (a string as it is, anything else as its JSON);
- inside arrays the same rules apply to the element type (``[""]``, ``[{}]``, ``[{"": 1}]``), so an
  array keeps every element in its JSON text and can still be exploded into a child table;
- ``{}`` at a path whose other records hold objects with keys is flattened like them: its
  leaves are NULL (an empty object has no leaves). This is the one place ``{}`` is not stored.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pyspark.sql.types import ArrayType, DataType, StringType, StructField, StructType

EmptyKind = Literal["empty_string", "empty_array", "empty_object", "text"]
# Only records whose text matches can hold one of the values above. The filter runs in the JVM as
# ``dap_may_hold_empty`` (ingest.jvm_functions), which gives this regex's answer in one pass.
MAY_HOLD_EMPTY = r'""|\[\s*\]|\{\s*\}'


# A path into a record; ``None`` steps into the elements of an array.
ElementPath = tuple[str | None, ...]


def _walk(value: Any, path: ElementPath, found: set[tuple[ElementPath, EmptyKind]]) -> None:
    if isinstance(value, dict):
        if not value:
            found.add((path, "empty_object"))
        for key, inner in value.items():
            if key == "":
                found.add(((*path, key), "text"))
            else:
                _walk(inner, (*path, key), found)
    elif isinstance(value, list):
        if not value:
            found.add((path, "empty_array"))
        for element in value:
            _walk(element, (*path, None), found)
    elif isinstance(value, str) and not value:
        found.add((path, "empty_string"))


def empty_value_paths(raw: str | None) -> list[str]:
    """Where a record holds ``""``, ``[]``, ``{}`` or an empty key: JSON ``[path, kind]`` texts.

    Records that are not JSON objects give nothing (they are quarantined elsewhere).
    """
    if raw is None:
        return []
    found: set[tuple[ElementPath, EmptyKind]] = set()
    try:
        record = json.loads(raw)
        if not isinstance(record, dict):
            return []
        _walk(record, (), found)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return []
    found.discard(((), "empty_object"))  # an empty record: no field to keep (it lands as a row)
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


def _place_in(existing: DataType | None, rest: ElementPath, kind: EmptyKind) -> DataType | None:
    """The type at a path after placing ``kind`` below it; ``None`` means "leave it as it is"."""
    if not rest:
        if existing is None:
            return _new_type(kind)
        return None if _keeps(existing, kind) else StringType()
    step, below = rest[0], rest[1:]
    if step is None:  # into the elements of an array
        if existing is None:
            element = _place_in(None, below, kind)
            return ArrayType(element, True) if element is not None else None
        if not isinstance(existing, ArrayType):
            return None  # stored as text: the value is inside it
        element = _place_in(existing.elementType, below, kind)
        return ArrayType(element, True) if element is not None else None
    if existing is None:
        return _place(StructType([]), rest, kind)
    if not isinstance(existing, StructType):
        return None
    placed = _place(existing, rest, kind)
    return placed if placed != existing else None


def _place(schema: StructType, path: ElementPath, kind: EmptyKind) -> StructType:
    key, rest = path[0], path[1:]
    assert key is not None, "a record is an object: its first step is a key"
    fields = {f.name: f.dataType for f in schema.fields}
    placed = _place_in(fields.get(key), rest, kind)
    if placed is None:
        return schema
    fields[key] = placed
    return StructType([StructField(name, fields[name], True) for name in sorted(fields)])


def add_empty_values(schema: StructType, found: list[str]) -> StructType:
    """The inferred ``schema`` with a place for every value ``empty_value_paths`` reported."""
    entries = sorted(
        {(tuple(p), k) for p, k in (json.loads(item) for item in found)},
        key=lambda e: [(step is None, step or "") for step in e[0]],
    )
    for path, kind in entries:
        # "text" wins over other kinds at the same path: apply it last
        if kind != "text":
            schema = _place(schema, path, kind)
    for path, kind in entries:
        if kind == "text":
            schema = _place(schema, path, kind)
    return schema

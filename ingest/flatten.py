"""Flatten a nested Spark schema into leaf fields named by their key path (plain Python).

Nested objects become one field per leaf path down to ``max_depth`` levels; an object deeper than
that is kept whole as JSON text, so nothing is dropped. Arrays are kept as JSON text, unless their
path is listed in ``explode`` (then they become a child table, see ``ingest.transform``). A value
kept as JSON text is parsed as text (``text_parse_schema``): Spark then writes it again as it
reads it, not as the inferred type holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructField, StructType

from ingest.naming import Path

FieldKind = Literal["leaf", "json"]


@dataclass(frozen=True)
class FlatField:
    """One output column before naming: where it is in the record and how it is stored."""

    path: Path
    source_type: DataType  # the type Spark inferred at that path
    kind: FieldKind  # "leaf": stored as is; "json": stored as its JSON text (``text_parse_schema``)
    first_type: DataType | None = None  # set when the type changed after the first landing day
    hinted: bool = False  # first_type is the source's schema hint (``types:``) for this path

    @property
    def stored_type(self) -> DataType:
        return StringType() if self.kind == "json" else self.source_type


@dataclass(frozen=True)
class ArrayField:
    """An array configured to become a child table ``<table>__<path>``."""

    path: Path
    element_type: DataType


def flatten_schema(
    schema: StructType,
    *,
    max_depth: int = 4,
    explode: frozenset[Path] = frozenset(),
    prefix: Path = (),
) -> tuple[list[FlatField], list[ArrayField]]:
    """Return the leaf fields of ``schema`` (in schema order) and the arrays to explode."""
    fields: list[FlatField] = []
    arrays: list[ArrayField] = []
    for field in schema.fields:
        path = (*prefix, field.name)
        data_type = field.dataType
        if _kept_as_json_text(path, data_type, max_depth, explode):
            fields.append(FlatField(path, data_type, "json"))
        elif isinstance(data_type, StructType):
            sub_fields, sub_arrays = flatten_schema(
                data_type, max_depth=max_depth, explode=explode, prefix=path
            )
            fields.extend(sub_fields)
            arrays.extend(sub_arrays)
        elif isinstance(data_type, ArrayType):
            arrays.append(ArrayField(path, data_type.elementType))
        else:
            fields.append(FlatField(path, data_type, "leaf"))
    return fields, arrays


def _kept_as_json_text(path: Path, data_type: DataType, max_depth: int, explode: frozenset[Path]) -> bool:
    """Is the value at ``path`` kept whole as JSON text: an object ``max_depth`` keys deep or with
    no keys, an array not exploded, a map? (``flatten_schema`` and ``text_parse_schema`` ask.)"""
    if isinstance(data_type, StructType):
        return len(path) >= max_depth or not data_type.fields
    if isinstance(data_type, ArrayType):
        return path not in explode
    return isinstance(data_type, MapType)


def text_paths(fields: list[FlatField]) -> list[Path]:
    """The paths of ``fields`` Spark parses as text: a value kept as JSON text, and a text leaf,
    where a record holding an object or a number gets Spark's own JSON of it
    (``ingest.jvm_functions.lost_values``)."""
    return [
        field.path for field in fields if field.kind == "json" or isinstance(field.source_type, StringType)
    ]


def text_parse_schema(
    schema: StructType, *, max_depth: int = 4, explode: frozenset[Path] = frozenset(), prefix: Path = ()
) -> StructType:
    """``schema`` with every value ``flatten_schema`` keeps as JSON text typed as text, in the
    main record and in an exploded array's elements (flattened from the element, as
    ``ingest.pipeline.child_batches`` does): the schema to parse records with.

    Spark parses a JSON value into a text field by writing the value again, token by token, as it
    reads it. Parsed into the inferred type first, a number where another record holds text would
    come back as a string (``{"a": 5}`` as ``{"a":"5"}``), an object there as a string of JSON,
    keys in the schema's order, and null members would be left out."""
    fields = []
    for field in schema.fields:
        path = (*prefix, field.name)
        data_type = field.dataType
        if _kept_as_json_text(path, data_type, max_depth, explode):
            data_type = StringType()
        elif isinstance(data_type, StructType):
            data_type = text_parse_schema(data_type, max_depth=max_depth, explode=explode, prefix=path)
        elif isinstance(data_type, ArrayType):  # exploded
            data_type = ArrayType(
                _element_parse_type(data_type.elementType, max_depth), data_type.containsNull
            )
        fields.append(StructField(field.name, data_type, field.nullable, field.metadata))
    return StructType(fields)


def _element_parse_type(element_type: DataType, max_depth: int) -> DataType:
    """An exploded array's element type to parse with: its own values kept as JSON text typed as
    text (a child table flattens its element from the element, with no array exploded)."""
    if isinstance(element_type, StructType):
        return text_parse_schema(element_type, max_depth=max_depth)
    if isinstance(element_type, ArrayType | MapType):
        return StringType()  # a scalar child's ``value`` kept as JSON text
    return element_type

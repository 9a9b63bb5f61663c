"""Flatten a nested Spark schema into leaf fields named by their key path (plain Python).

Nested objects become one field per leaf path down to ``max_depth`` levels; an object deeper than
that is kept whole as JSON text, so nothing is dropped. Arrays are kept as JSON text, unless their
path is listed in ``explode`` (then they become a child table, see ``ingest.transform``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructType

from ingest.naming import Path

FieldKind = Literal["leaf", "json"]


@dataclass(frozen=True)
class FlatField:
    """One output column before naming: where it is in the record and how it is stored."""

    path: Path
    source_type: DataType  # the type Spark inferred at that path
    kind: FieldKind  # "leaf": stored as is; "json": serialised with to_json
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
        if isinstance(data_type, StructType):
            if len(path) >= max_depth or not data_type.fields:
                fields.append(FlatField(path, data_type, "json"))
            else:
                sub_fields, sub_arrays = flatten_schema(
                    data_type, max_depth=max_depth, explode=explode, prefix=path
                )
                fields.extend(sub_fields)
                arrays.extend(sub_arrays)
        elif isinstance(data_type, ArrayType):
            if path in explode:
                arrays.append(ArrayField(path, data_type.elementType))
            else:
                fields.append(FlatField(path, data_type, "json"))
        elif isinstance(data_type, MapType):
            fields.append(FlatField(path, data_type, "json"))
        else:
            fields.append(FlatField(path, data_type, "leaf"))
    return fields, arrays


def text_paths(fields: list[FlatField]) -> list[Path]:
    """The paths of ``fields`` Spark parses as text: a text leaf, where a record holding an object
    or a number gets Spark's own JSON of it (``ingest.jvm_functions.lost_values``)."""
    return [
        field.path for field in fields if field.kind == "leaf" and isinstance(field.source_type, StringType)
    ]

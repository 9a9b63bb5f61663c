"""Flattening rules (ingest.flatten), without Spark: leaf paths, depth bound, arrays as JSON text."""

from __future__ import annotations

import pytest
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from ingest.flatten import ArrayField, FlatField, flatten_schema


def struct(**fields: object) -> StructType:
    return StructType([StructField(name, data_type) for name, data_type in fields.items()])  # type: ignore[arg-type]


def nested(depth: int, leaf: object = LongType()) -> StructType:
    """``{"l1": {"l2": ... {"l<depth>": leaf}}}``."""
    inner: object = leaf
    for level in range(depth, 0, -1):
        inner = struct(**{f"l{level}": inner})
    return inner  # type: ignore[return-value]


def by_path(fields: list[FlatField]) -> dict[tuple[str, ...], FlatField]:
    return {f.path: f for f in fields}


EVENT = struct(
    header=struct(device=struct(serial=StringType(), fw=StringType()), ts=StringType()),
    record=struct(userId=LongType(), attributes=struct(iso=LongType(), hdr=BooleanType())),
    kind=StringType(),
)


def test_nested_objects_become_leaf_paths_in_schema_order() -> None:
    fields, arrays = flatten_schema(EVENT)
    assert [f.path for f in fields] == [
        ("header", "device", "serial"),
        ("header", "device", "fw"),
        ("header", "ts"),
        ("record", "userId"),
        ("record", "attributes", "iso"),
        ("record", "attributes", "hdr"),
        ("kind",),
    ]
    assert all(f.kind == "leaf" for f in fields)
    assert arrays == []


def test_leaf_types_are_kept() -> None:
    fields = by_path(flatten_schema(EVENT)[0])
    assert fields[("record", "userId")].stored_type == LongType()
    assert fields[("record", "attributes", "hdr")].stored_type == BooleanType()


@pytest.mark.parametrize("max_depth", [1, 2, 3, 4, 6])
def test_depth_bound_keeps_deeper_objects_whole_as_json(max_depth: int) -> None:
    schema = nested(8)
    fields, _ = flatten_schema(schema, max_depth=max_depth)
    assert len(fields) == 1  # nothing dropped: one column holds the rest of the object
    (field,) = fields
    assert len(field.path) == max_depth
    assert field.kind == "json"
    assert field.stored_type == StringType()
    assert field.path == tuple(f"l{i}" for i in range(1, max_depth + 1))


def test_leaf_at_exactly_the_depth_bound_stays_a_leaf() -> None:
    fields, _ = flatten_schema(nested(4), max_depth=4)
    assert [(f.path, f.kind, f.stored_type) for f in fields] == [
        (("l1", "l2", "l3", "l4"), "leaf", LongType())
    ]


def test_no_column_is_deeper_than_the_bound() -> None:
    schema = struct(a=nested(5), b=struct(c=nested(2)), d=DoubleType())
    for depth in range(1, 7):
        fields, _ = flatten_schema(schema, max_depth=depth)
        assert all(len(f.path) <= depth for f in fields), depth
        # every top-level key still has a column
        assert {f.path[0] for f in fields} == {"a", "b", "d"}


def test_arrays_are_json_text_by_default() -> None:
    schema = struct(
        tags=ArrayType(StringType()),
        payload=struct(reviewers=ArrayType(struct(login=StringType(), id=LongType()))),
    )
    fields, arrays = flatten_schema(schema)
    assert arrays == []
    assert [(f.path, f.kind, f.stored_type) for f in fields] == [
        (("tags",), "json", StringType()),
        (("payload", "reviewers"), "json", StringType()),
    ]
    assert fields[1].source_type == ArrayType(struct(login=StringType(), id=LongType()))


def test_configured_array_becomes_a_child_table_field() -> None:
    element = struct(login=StringType(), id=LongType())
    schema = struct(
        id=LongType(), payload=struct(reviewers=ArrayType(element), labels=ArrayType(StringType()))
    )
    fields, arrays = flatten_schema(schema, explode=frozenset({("payload", "reviewers")}))
    assert arrays == [ArrayField(("payload", "reviewers"), element)]
    assert [f.path for f in fields] == [("id",), ("payload", "labels")]  # the other array stays JSON


def test_maps_and_empty_objects_are_json_text() -> None:
    schema = struct(m=MapType(StringType(), LongType()), empty=StructType([]), x=LongType())
    fields = by_path(flatten_schema(schema)[0])
    assert fields[("m",)].kind == "json"
    assert fields[("empty",)].kind == "json"
    assert fields[("x",)].kind == "leaf"


def test_keys_with_dots_stay_one_path_element() -> None:
    schema = struct(**{"a.b": struct(c=LongType())})
    fields, _ = flatten_schema(schema)
    assert [f.path for f in fields] == [("a.b", "c")]

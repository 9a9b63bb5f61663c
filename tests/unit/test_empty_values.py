"""Where ``""``, ``[]``, ``{}`` and empty keys are, and the schema that keeps them (no Spark)."""

from __future__ import annotations

import json

from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

from ingest.empty_values import add_empty_values, empty_value_paths
from ingest.flatten import flatten_schema


def found(raw: str) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(p), k) for p, k in map(json.loads, empty_value_paths(raw))}


def test_each_empty_value_is_found_at_its_path() -> None:
    raw = '{"a": "", "b": [], "c": {}, "": "v", "d": {"e": "", "f": {"": 1}}, "g": [1, {}], "h": 0}'
    assert found(raw) == {
        (("a",), "empty_string"),
        (("b",), "empty_array"),
        (("c",), "empty_object"),
        (("",), "text"),
        (("d", "e"), "empty_string"),
        (("d", "f", ""), "text"),
        (("g", None), "empty_object"),
    }


def test_records_without_empty_values_or_not_objects_give_nothing() -> None:
    assert found('{"a": "x", "b": [1], "c": {"d": null}, "e": null}') == set()
    assert found('[{"a": ""}]') == set()
    assert found('{"a": ') == set()
    assert empty_value_paths(None) == []


def test_fields_spark_dropped_are_added_with_a_type_that_keeps_the_value() -> None:
    inferred = StructType([StructField("n", LongType())])
    schema = add_empty_values(
        inferred,
        empty_value_paths('{"a": "", "b": [], "c": {}, "": "v", "d": {"e": ""}, "n": 1}'),
    )
    assert schema == StructType(
        [
            StructField("", StringType()),
            StructField("a", StringType()),
            StructField("b", ArrayType(StringType())),
            StructField("c", StructType([])),
            StructField("d", StructType([StructField("e", StringType())])),
            StructField("n", LongType()),
        ]
    )
    fields, _arrays = flatten_schema(schema)
    assert {f.path: (f.kind, f.stored_type) for f in fields} == {
        ("",): ("leaf", StringType()),
        ("a",): ("leaf", StringType()),
        ("b",): ("json", StringType()),
        ("c",): ("json", StringType()),
        ("d", "e"): ("leaf", StringType()),
        ("n",): ("leaf", LongType()),
    }


def test_empty_string_beside_numbers_makes_the_field_text_so_no_record_fails_to_parse() -> None:
    inferred = StructType([StructField("n", LongType())])  # Spark: "" and 5 infer as bigint
    assert add_empty_values(inferred, empty_value_paths('{"n": ""}')) == StructType(
        [StructField("n", StringType())]
    )


def test_an_empty_object_where_other_records_have_keys_keeps_the_flattened_struct() -> None:
    inferred = StructType([StructField("o", StructType([StructField("k", LongType())]))])
    assert add_empty_values(inferred, empty_value_paths('{"o": {}}')) == inferred


def test_inside_arrays_the_element_type_gets_the_place_so_the_array_stays_an_array() -> None:
    element = StructType([StructField("login", StringType())])
    inferred = StructType(
        [StructField("reviewers", ArrayType(element)), StructField("n", ArrayType(LongType()))]
    )
    raw = '{"reviewers": [{"login": "a", "gravatar_id": "", "": 1, "m": {}}], "n": [1, ""], "e": [{}]}'
    schema = add_empty_values(inferred, empty_value_paths(raw))
    assert schema == StructType(
        [
            StructField("e", ArrayType(StructType([]))),
            StructField("n", ArrayType(StringType())),  # "" beside numbers: the elements become text
            StructField(
                "reviewers",
                ArrayType(
                    StructType(
                        [
                            StructField("", StringType()),
                            StructField("gravatar_id", StringType()),
                            StructField("login", StringType()),
                            StructField("m", StructType([])),
                        ]
                    )
                ),
            ),
        ]
    )


def test_an_empty_record_needs_no_field() -> None:
    assert empty_value_paths("{}") == []


def test_a_value_inside_a_field_stored_as_text_needs_no_place_of_its_own() -> None:
    inferred = StructType([StructField("o", StringType())])
    assert add_empty_values(inferred, empty_value_paths('{"o": {"p": ""}}')) == inferred


def test_nesting_deeper_than_python_recurses_gives_nothing_instead_of_failing() -> None:
    assert empty_value_paths("[" * 100_000) == []
    assert empty_value_paths('{"a": ' * 5000 + '""' + "}" * 5000) == []

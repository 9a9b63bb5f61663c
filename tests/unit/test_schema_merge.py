"""Merging per-day schemas: the common type for parsing, the first day's type for the column."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from ingest.schema_merge import merge_in_order, widen


def struct(**fields: object) -> StructType:
    return StructType([StructField(name, data_type, True) for name, data_type in fields.items()])  # type: ignore[arg-type]


def test_widen_follows_spark_json_inference() -> None:
    assert widen(LongType(), DoubleType()) == DoubleType()
    assert widen(LongType(), StringType()) == StringType()
    assert widen(BooleanType(), DoubleType()) == StringType()
    assert widen(ArrayType(LongType()), ArrayType(DoubleType())) == ArrayType(DoubleType())
    assert widen(struct(a=LongType()), struct(b=StringType())) == struct(a=LongType(), b=StringType())


def test_a_leaf_that_changes_type_on_a_later_day_keeps_its_first_type() -> None:
    day1 = struct(rec=struct(iso=LongType(), ev=DoubleType()))
    day5 = struct(rec=struct(iso=StringType(), ev=DoubleType(), hdr=BooleanType()))
    merged, first = merge_in_order([day1, day5])
    assert merged == struct(rec=struct(ev=DoubleType(), hdr=BooleanType(), iso=StringType()))
    assert first == {("rec", "iso"): LongType()}


def test_a_column_first_seen_on_a_later_day_takes_that_days_type() -> None:
    merged, first = merge_in_order(
        [struct(a=LongType()), struct(a=LongType(), extra=BooleanType()), struct(extra=DoubleType())]
    )
    assert merged == struct(a=LongType(), extra=StringType())
    assert first == {("extra",): BooleanType()}


def test_a_leaf_whose_type_changed_is_parsed_as_text_so_no_digit_is_lost_before_the_check() -> None:
    # day 1: 12345678901234567 (bigint); day 2: 2.5. Parsed as double, the day-one value would
    # already be 12345678901234568 when the round trip into the bigint column is checked.
    merged, first = merge_in_order(
        [struct(n=LongType(), r=struct(v=LongType())), struct(n=DoubleType(), r=struct(v=DoubleType()))]
    )
    assert merged == struct(n=StringType(), r=struct(v=StringType()))
    assert first == {("n",): LongType(), ("r", "v"): LongType()}


def test_a_leaf_whose_later_type_widens_back_to_the_first_is_parsed_as_text_too() -> None:
    # day 1: 2.5 (double); day 2: 12345678901234567 (bigint). The merge is still a double, but a
    # double parse would round the integer to 12345678901234568, with nothing left to rescue.
    merged, first = merge_in_order(
        [struct(n=DoubleType(), s=StringType()), struct(n=LongType(), s=LongType())]
    )
    assert merged == struct(n=StringType(), s=StringType())
    assert first == {("n",): DoubleType(), ("s",): StringType()}


def test_stable_types_record_nothing() -> None:
    merged, first = merge_in_order([struct(a=LongType()), struct(a=LongType())])
    assert merged == struct(a=LongType()) and first == {}


def test_object_then_scalar_is_text_without_a_first_type() -> None:
    merged, first = merge_in_order([struct(a=struct(b=LongType())), struct(a=StringType())])
    assert merged == struct(a=StringType())
    assert first == {}

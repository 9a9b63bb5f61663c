"""Schema hints (ingest.schema_hints + config ``types:``), without Spark."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pyspark.sql.types import (
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from ingest.config import load_config
from ingest.errors import ConfigError
from ingest.flatten import FlatField
from ingest.schema_hints import apply_type_hints, hint_conflicts, parse_hint_type
from ingest.schema_plan import plan_table
from ingest.typing_rules import Reconcile


def test_hint_types_parse_and_unknown_ones_name_the_allowed_types() -> None:
    assert parse_hint_type("decimal(12, 2)") == DecimalType(12, 2)
    assert parse_hint_type(" BIGINT ") == LongType()
    assert parse_hint_type("timestamp") == TimestampType()
    assert parse_hint_type("int") == IntegerType()
    assert parse_hint_type("float") == FloatType()
    with pytest.raises(ValueError, match="use one of: string, int, bigint, float, double"):
        parse_hint_type("integer")
    with pytest.raises(
        ValueError, match=r"'decimal\(40,2\)': decimal\(p,s\) needs a precision p from 1 to 38"
    ):
        parse_hint_type("decimal(40,2)")
    with pytest.raises(ValueError, match="and a scale s from 0 to p"):
        parse_hint_type("decimal(5,7)")


def test_config_types_map_original_paths_to_types(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(
        textwrap.dedent(
            """
            sources:
              ev: {path: /l, table: raw.ev, format: json, types: {zip: string, order.amount: "decimal(12,2)"}}
            """
        )
    )
    (source,) = load_config(path).sources
    assert source.type_hints == {("zip",): StringType(), ("order", "amount"): DecimalType(12, 2)}


def test_a_bad_hint_is_a_config_error_naming_source_and_path(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("sources:\n  ev: {path: /l, table: raw.ev, format: json, types: {zip: integer}}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (
        "sources.ev.types" in info.value.render()
        and "types.zip: unknown type 'integer'" in info.value.render()
    )


def test_the_hint_wins_over_inference_for_a_new_column() -> None:
    fields = [
        FlatField(("zip",), LongType(), "leaf"),
        FlatField(("order", "amount"), DoubleType(), "leaf"),
        FlatField(("day",), StringType(), "leaf"),
        FlatField(("n",), LongType(), "leaf"),
    ]
    hints = {("zip",): StringType(), ("order", "amount"): DecimalType(12, 2), ("day",): DateType()}
    plan = plan_table("raw.ev", apply_type_hints(fields, hints), current=None, column_map={})
    by_column = {c.column: (c.table_type, c.action) for c in plan.columns}
    assert by_column == {
        "zip": (StringType(), Reconcile.CAST_CHECKED),
        "order_amount": (DecimalType(12, 2), Reconcile.CAST_CHECKED),
        "day": (DateType(), Reconcile.CAST_CHECKED),
        "n": (LongType(), Reconcile.SAME),
    }
    assert "`zip` string" in plan.ddl[0] and "`order_amount` decimal(12,2)" in plan.ddl[0]


def test_a_hint_never_changes_an_existing_column_and_the_conflict_is_listed() -> None:
    current = StructType([StructField("zip", LongType())])
    fields = apply_type_hints([FlatField(("zip",), LongType(), "leaf")], {("zip",): StringType()})
    plan = plan_table("raw.ev", fields, current=current, column_map={("zip",): "zip"})
    assert [(c.table_type, c.action) for c in plan.columns] == [(LongType(), Reconcile.SAME)]
    assert hint_conflicts({("zip",): StringType()}, current, {("zip",): "zip"}) == [
        "zip: hinted string, column zip is bigint (a column only widens losslessly)"
    ]

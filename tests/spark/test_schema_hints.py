"""Schema hints end to end: ``types:`` fixes new columns' types; values that do not fit are rescued."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.spark.helpers import columns, ingest, rows

pytestmark = pytest.mark.spark


def test_hinted_types_win_over_inference_and_misfits_are_rescued(spark: Any, tmp_path: Path) -> None:
    records = [
        {"id": 1, "zip": 1234, "order": {"amount": 10.5}, "created": "2026-01-05T10:00:00Z"},
        {"id": 2, "zip": 98765, "order": {"amount": 0.125}, "created": "not a time"},
    ]
    path = tmp_path / "h" / "h.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    table = "hints.orders"
    hints = {"zip": "string", "order.amount": "decimal(12,2)", "created": "timestamp"}
    ingest(spark, path, table, types=hints)
    types = columns(spark, table)
    assert (types["zip"], types["order_amount"], types["created"], types["id"]) == (
        "string",
        "decimal(12,2)",
        "timestamp",
        "bigint",
    )
    first, second = rows(spark, table)
    assert (first["zip"], first["order_amount"], first["created"]) == (
        "1234",
        Decimal("10.50"),
        datetime(2026, 1, 5, 10, 0),
    )
    assert first["_rescued_data"] is None
    # 0.125 does not fit decimal(12,2) and "not a time" is no timestamp: both kept as text
    assert (second["zip"], second["order_amount"], second["created"]) == ("98765", None, None)
    assert json.loads(second["_rescued_data"]) == {"order_amount": "0.125", "created": "not a time"}


def test_a_date_hint_on_numbers_and_booleans_rescues_them_instead_of_failing(
    spark: Any, tmp_path: Path
) -> None:
    """Spark cannot cast a number or a boolean to a date at all: such values are rescued, the
    dates land, and the run succeeds (it used to fail the source with Spark's analysis error)."""
    records = [
        {"id": 1, "day": "2026-01-05", "n": {"x": 20260105}, "flag": True},
        {"id": 2, "day": "2026-01-06", "n": {"x": 7}, "flag": False},
    ]
    path = tmp_path / "d" / "d.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    table = "hints.dates"
    report = ingest(spark, path, table, types={"day": "date", "n.x": "date", "flag": "date"})
    assert report.ok
    types = columns(spark, table)
    assert (types["day"], types["n_x"], types["flag"]) == ("date", "date", "date")
    first, second = rows(spark, table)
    assert [str(r["day"]) for r in (first, second)] == ["2026-01-05", "2026-01-06"]
    assert (first["n_x"], first["flag"], second["n_x"], second["flag"]) == (None, None, None, None)
    assert json.loads(first["_rescued_data"]) == {"n_x": "20260105", "flag": "true"}
    assert json.loads(second["_rescued_data"]) == {"n_x": "7", "flag": "false"}

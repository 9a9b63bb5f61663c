"""Lossless type widening: a column widens (ALTER COLUMN ... TYPE) instead of rescuing values.

int -> bigint and decimal(P,S) -> decimal(P',S) are Iceberg promotions: metadata only, old data
files read as the new type. A schema hint is the ceiling: while it still says ``int``, a value
beyond int is rescued; a wider hint, or none, widens the column.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.spark.helpers import columns, ingest, rows

pytestmark = pytest.mark.spark


def _changes(spark: Any, table: str) -> list[tuple[str, str, str]]:
    found = spark.sql(
        "select column_name, data_type, ddl from ingest_meta.schema_changes "
        f"where table_name = '{table}' and change = 'widen_column' order by column_name"
    ).collect()
    return [(r.column_name, r.data_type, r.ddl) for r in found]


def test_int_column_widens_to_bigint_and_keeps_every_value(spark: Any, landing: Path) -> None:
    table = "widen.ints"
    first = landing / "2026-06-01" / "a.jsonl"
    first.parent.mkdir()
    first.write_text('{"id": 1, "n": 1, "m": 10}\n{"id": 2, "n": -2147483648, "m": 20}\n')
    ingest(spark, landing, table, types={"n": "int", "m": "int"})
    assert (columns(spark, table)["n"], columns(spark, table)["m"]) == ("int", "int")

    second = landing / "2026-06-02" / "b.jsonl"
    second.parent.mkdir()
    second.write_text('{"id": 3, "n": 3000000000, "m": 5000000000}\n{"id": 4, "n": 7, "m": 30}\n')
    # n has no hint any more: it widens; m is still hinted int: a value beyond int is rescued
    report = ingest(spark, landing, table, types={"m": "int"})
    assert report.sources[0].columns_widened == [f"{table}.n: int -> bigint"]
    assert (columns(spark, table)["n"], columns(spark, table)["m"]) == ("bigint", "int")
    landed = {r["id"]: r for r in rows(spark, table)}
    assert [landed[i]["n"] for i in (1, 2, 3, 4)] == [1, -2147483648, 3000000000, 7]
    assert [landed[i]["_rescued_data"] for i in (1, 2, 4)] == [None, None, None]
    assert json.loads(landed[3]["_rescued_data"]) == {"m": "5000000000"}  # n was not rescued
    ((column, data_type, ddl),) = _changes(spark, table)
    assert (column, data_type) == ("n", "bigint")
    assert "ALTER TABLE `widen`.`ints` ALTER COLUMN `n` TYPE bigint" in ddl
    # a rerun with nothing new changes nothing and logs nothing again
    ingest(spark, landing, table)
    assert len(_changes(spark, table)) == 1


def test_decimal_precision_widens_by_a_wider_hint(spark: Any, landing: Path) -> None:
    table = "widen.amounts"
    first = landing / "2026-06-01" / "a.csv"
    first.parent.mkdir()
    first.write_text("id,amount\n1,12.50\n2,99999999.99\n")
    ingest(spark, landing, table, fmt="csv", types={"amount": "decimal(10,2)"})
    assert columns(spark, table)["amount"] == "decimal(10,2)"

    second = landing / "2026-06-02" / "b.csv"
    second.parent.mkdir()
    second.write_text("id,amount\n3,123456789012345678.25\n4,1.10\n")
    report = ingest(spark, landing, table, fmt="csv", types={"amount": "decimal(20,2)"})
    assert report.sources[0].columns_widened == [f"{table}.amount: decimal(10,2) -> decimal(20,2)"]
    assert columns(spark, table)["amount"] == "decimal(20,2)"
    landed = {r["id"]: r for r in rows(spark, table)}
    assert [landed[i]["amount"] for i in (1, 2, 3, 4)] == [
        Decimal("12.50"),
        Decimal("99999999.99"),
        Decimal("123456789012345678.25"),
        Decimal("1.10"),
    ]
    assert all(r["_rescued_data"] is None for r in landed.values())
    assert [(c, t) for c, t, _ddl in _changes(spark, table)] == [("amount", "decimal(20,2)")]

"""Reruns with nothing new change nothing; new files land next to the old ones, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.spark.helpers import ingest

pytestmark = pytest.mark.spark


def _snapshot(spark: Any, table: str) -> tuple[list[tuple[Any, ...]], int, int, int]:
    data = sorted(tuple(r) for r in spark.table(table).drop("_ingested_at").collect())
    files = spark.sql(f"select count(*) from ingest_meta.files where table_name = '{table}'").first()[0]
    changes = spark.sql(
        f"select count(*) from ingest_meta.schema_changes where table_name = '{table}'"
    ).first()[0]
    quarantined = spark.sql(
        f"select count(*) from ingest_meta.quarantine where table_name = '{table}'"
    ).first()[0]
    return data, files, changes, quarantined


def test_rerun_with_nothing_new_changes_nothing(spark: Any, landing: Path) -> None:
    day = landing / "2026-02-01"
    day.mkdir()
    (day / "a.jsonl").write_text(
        "\n".join(json.dumps({"id": i, "ts": f"2026-02-01T0{i}:00:00Z", "v": {"x": i}}) for i in range(5))
        + "\n{oops\n"
    )
    first = ingest(spark, landing, "raw.rerun_noop")
    assert first.sources[0].rows_written == 5 and first.sources[0].rows_quarantined == 1
    before = _snapshot(spark, "raw.rerun_noop")

    second = ingest(spark, landing, "raw.rerun_noop")
    assert second.sources[0].status == "noop"
    assert second.sources[0].files == []
    assert _snapshot(spark, "raw.rerun_noop") == before

    (landing / "2026-02-02").mkdir()
    (landing / "2026-02-02" / "b.jsonl").write_text(
        json.dumps({"id": 9, "ts": "2026-02-02T00:00:00Z"}) + "\n"
    )
    third = ingest(spark, landing, "raw.rerun_noop")
    assert [f.file.rsplit("/", 1)[-1] for f in third.sources[0].files] == ["b.jsonl"]
    assert spark.table("raw.rerun_noop").count() == 6

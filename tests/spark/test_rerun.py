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


def _manifest_commits(spark: Any) -> int:
    return int(spark.sql("select count(*) from ingest_meta.files.snapshots").first()[0])


def test_a_run_mirrors_its_files_once_and_each_file_once(spark: Any, landing: Path) -> None:
    """The file manifest is one commit per run, not per source; a second source writing to a
    table an earlier source of the run wrote to still finds those files mirrored (no repair, no
    duplicate), and a rerun lands nothing again."""
    from ingest import pipeline
    from ingest.config import IngestConfig

    written: dict[str, str] = {}
    for folder, count in (("one", 2), ("two", 3), ("three", 1)):
        for n in range(count):
            path = landing / folder / "2026-02-03" / f"{folder}-{n}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"id": f"{folder}{n}", "ts": "2026-02-03T08:00:00Z"}) + "\n")
            written[str(path)] = folder
    tables = {"one": "raw.manifest_a", "two": "raw.manifest_b", "three": "raw.manifest_a"}
    config = IngestConfig(
        sources=[
            {"name": f"m_{f}", "path": str(landing / f), "table": t, "format": "json"}
            for f, t in tables.items()
        ],
    )
    commits = _manifest_commits(spark)
    report = pipeline.run(spark, config.sources, command="test")
    assert report.ok and [s.rows_written for s in report.sources] == [2, 3, 1]
    # One append at the run's end, and one before source "three" reads raw.manifest_a's files.
    assert _manifest_commits(spark) == commits + 2
    mirrored = spark.sql(
        "select file_uri, table_name, run_id from ingest_meta.files "
        "where table_name in ('raw.manifest_a', 'raw.manifest_b')"
    ).collect()
    assert sorted(r.file_uri for r in mirrored) == sorted(written)  # each file once
    assert {r.file_uri: r.table_name for r in mirrored} == {p: tables[f] for p, f in written.items()}
    assert {r.run_id for r in mirrored} == {report.run_id}

    again = pipeline.run(spark, config.sources, command="test")
    assert [s.status for s in again.sources] == ["noop"] * 3
    assert _manifest_commits(spark) == commits + 2

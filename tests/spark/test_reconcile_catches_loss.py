"""The reconciliation can fail: a record dropped on purpose between parsing and the write is caught.

The expected count comes from the raw file (``ingest.formats.record_count``), not from the rows the
pipeline produced, so a bug that loses a row fails the source before anything is committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import functions as F

from ingest import pipeline
from ingest.config import IngestConfig

pytestmark = pytest.mark.spark


def test_a_record_dropped_on_purpose_fails_the_source_and_commits_nothing(
    spark: Any, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = landing / "2026-05-01"
    day.mkdir()
    path = day / "events.jsonl"
    path.write_text("".join(json.dumps({"id": n, "ts": "2026-05-01T00:00:00Z"}) + "\n" for n in range(5)))
    source = IngestConfig(
        sources=[{"name": "lossy", "path": str(landing), "table": "reconcile.lossy", "format": "json"}]
    ).sources[0]

    rows = pipeline.Target.rows

    def lose_line_3(self: pipeline.Target, *args: Any, **kwargs: Any) -> Any:  # the planted bug
        return rows(self, *args, **kwargs).where(F.col("_source_line") != 3)

    monkeypatch.setattr(pipeline.Target, "rows", lose_line_3)
    report = pipeline.run(spark, [source], command="test")
    (failed,) = report.sources
    assert failed.status == "failed"
    assert failed.error == (
        f"records read do not reconcile: {path}: 5 records in the file, 4 written + 0 quarantined (1 missing)"
    )
    assert not spark.catalog.tableExists("reconcile.lossy") or spark.table("reconcile.lossy").count() == 0

    monkeypatch.setattr(pipeline.Target, "rows", rows)  # the bug fixed: the file is still new, and lands
    again = pipeline.run(spark, [source], command="test")
    assert again.sources[0].status == "ingested"
    assert sorted(r.id for r in spark.table("reconcile.lossy").collect()) == [0, 1, 2, 3, 4]

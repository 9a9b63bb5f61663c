"""Arrays exploded into child tables, and compaction of small files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REALDATA
from tests.spark.helpers import ingest

pytestmark = pytest.mark.spark

GITHUB_EVENTS = (
    REALDATA / "dlt-cases" / "tests" / "normalize" / "cases" / "github.events.load_page_1_duck.json"
)
REVIEWERS = "payload.pull_request.requested_reviewers"


@pytest.mark.realdata(GITHUB_EVENTS)
def test_configured_array_becomes_a_child_table_keyed_to_its_parent(spark: Any) -> None:
    events = json.loads(GITHUB_EVENTS.read_text(encoding="utf-8"))
    expected = [
        (index + 1, position, reviewer["login"])
        for index, event in enumerate(events)
        for position, reviewer in enumerate(
            ((event.get("payload") or {}).get("pull_request") or {}).get("requested_reviewers") or []
        )
    ]
    assert len(expected) == 24  # dlt's stated expectation for this file

    report = ingest(spark, GITHUB_EVENTS, "child.events", arrays={"explode": [REVIEWERS]})
    child = "child.events__payload__pull_request__requested_reviewers"
    assert f"{child}.login" in report.sources[0].columns_added
    landed = sorted(
        (r._source_line, r._position, r.login)
        for r in spark.table(child).select("_source_line", "_position", "login").collect()
    )
    assert landed == sorted(expected)
    # every child row points at a parent row, and the parent no longer carries the array
    orphans = spark.sql(
        f"select count(*) from {child} c left anti join child.events p "
        "on c._source_file = p._source_file and c._source_line = p._source_line"
    ).first()[0]
    assert orphans == 0
    assert "payload_pull_request_requested_reviewers" not in spark.table("child.events").columns
    assert spark.table("child.events").count() == 100


def test_compact_merges_small_files_without_changing_rows(spark: Any, landing: Path) -> None:
    day = landing / "2026-03-01"
    day.mkdir()
    for run in range(3):  # three runs -> three files in the same partition
        (day / f"part-{run}.jsonl").write_text(
            "\n".join(json.dumps({"id": run * 10 + i, "ts": "2026-03-01T00:00:00Z"}) for i in range(10))
            + "\n"
        )
        ingest(spark, landing, "compact.events")
    location = Path(
        spark.sql("describe table extended compact.events")
        .where("col_name = 'Location'")
        .first()["data_type"]
        .removeprefix("file:")
    )
    partition = location / "event_date=2026-03-01"
    assert len(list(partition.glob("*.parquet"))) == 3
    before = sorted(tuple(r) for r in spark.table("compact.events").collect())

    from ingest.compact import compact_table

    result = compact_table(spark, "compact.events", max_files=1)
    assert (result["files_before"], result["files_after"], result["rows"]) == (3, 1, 30)
    assert len(list(partition.glob("*.parquet"))) == 1
    assert sorted(tuple(r) for r in spark.table("compact.events").collect()) == before

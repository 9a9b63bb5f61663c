"""Which commits count as "in the table": the current snapshot's lineage in Iceberg's metadata JSON.

``ingest.tables.commit.lineage_summaries`` reads the metadata file's JSON (as Iceberg's
``TableMetadataParser`` writes it) instead of querying the ``snapshots`` and ``history`` metadata
tables; these cases are what that query answered (no Spark).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest.tables.commit import RUN_KEY, FileEntry, encode_files, files_in_summaries, lineage_summaries


def _snapshot(snapshot_id: int, parent: int | None, at_ms: int, run: str, *files: str) -> dict[str, Any]:
    summary = {"operation": "append", RUN_KEY: run, "added-records": "1"}
    if files:
        summary["dap.files"] = encode_files(FileEntry(f, 1, "x", 1, 1, 0, "ingested") for f in files)
    snapshot: dict[str, Any] = {"snapshot-id": snapshot_id, "timestamp-ms": at_ms, "summary": summary}
    if parent is not None:
        snapshot["parent-snapshot-id"] = parent
    return snapshot


def test_the_lineage_is_the_current_snapshot_and_its_ancestors_oldest_first() -> None:
    # 1 <- 2 <- 4 is current; 3 (a child of 2) was rolled back: not an ancestor of 4.
    metadata = {
        "current-snapshot-id": 4,
        "snapshots": [
            _snapshot(3, 2, 3_000, "r3", "c.json"),
            _snapshot(1, None, 1_000, "r1", "a.json"),
            _snapshot(4, 2, 4_000, "r4", "d.json"),
            _snapshot(2, 1, 2_000, "r2", "b.json"),
        ],
    }
    lineage = lineage_summaries(metadata)
    assert [summary[RUN_KEY] for _at, summary in lineage] == ["r1", "r2", "r4"]
    assert lineage[0][0] == datetime(1970, 1, 1, 0, 0, 1)  # UTC, without a zone, like Spark's timestamps
    assert "operation" not in lineage[0][1]  # Snapshot.summary() has no operation: it is a field of its own
    assert sorted(files_in_summaries(lineage)) == ["a.json", "b.json", "d.json"]


def test_a_table_without_a_snapshot_has_no_lineage() -> None:
    assert lineage_summaries({"current-snapshot-id": -1, "snapshots": []}) == []
    assert lineage_summaries({"format-version": 2}) == []


def test_a_parent_expired_from_the_metadata_ends_the_lineage() -> None:
    # expire_snapshots removed 1: the lineage starts at 2 (ingest_meta.files keeps 1's files).
    metadata = {"current-snapshot-id": 2, "snapshots": [_snapshot(2, 1, 2_000, "r2", "b.json")]}
    assert [summary[RUN_KEY] for _at, summary in lineage_summaries(metadata)] == ["r2"]

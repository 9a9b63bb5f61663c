"""``ingest status``'s "last runs" without Spark: which run events it lists, and how it draws them."""

from __future__ import annotations

import io
from datetime import datetime
from typing import get_args

from rich.console import Console

from ingest import meta
from ingest.status import LAST_RUN_STATUSES, render_status


def test_last_runs_list_every_status_a_run_or_rollback_ends_with() -> None:
    # "started" is followed by the run's outcome, so a run shows once; a rollback ("rolled_back")
    # shows too, and no status the runs table never holds is asked for.
    assert set(LAST_RUN_STATUSES) == set(get_args(meta.RunStatus)) - {"started"}
    assert {"succeeded", "failed", "noop", "rolled_back"} <= set(LAST_RUN_STATUSES)
    assert "aborted" not in LAST_RUN_STATUSES


def test_a_rolled_back_run_shows_with_the_table_it_was_undone_in() -> None:
    console = Console(file=io.StringIO(), width=200)
    run_id, at = "20260106T093000Z-abc123", datetime(2026, 1, 6, 9, 30)
    runs: list[dict[str, object]] = [
        {
            "run_id": run_id,
            "command": "rollback",
            "status": "rolled_back",
            "event_at": at,
            "table": "raw.cam",
        },
        {"run_id": run_id, "command": "run", "status": "succeeded", "event_at": at, "table": None},
    ]
    render_status(console, {"tables": [], "runs": runs, "schema_changes": [], "quarantined_records": 0})
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    (rollback,) = [line for line in lines if "rolled_back" in line]
    assert run_id in rollback and " rollback " in rollback and "raw.cam" in rollback
    (run,) = [line for line in lines if "succeeded" in line]
    assert "None" not in run  # a run's row has no table: an empty cell


def test_the_quarantine_shows_by_reason_with_a_query_for_the_most_frequent() -> None:
    console = Console(file=io.StringIO(), width=100)
    reason = "row before the header (taken to be record 3): a title row? [it's 'Report']"
    by_reason = [
        {
            "table_name": "raw.shop",
            "reason": reason,
            "records": 7,
            "files": 2,
            "last_run": "20260106T093000Z-abc123",
        },
        {
            "table_name": "raw.cam",
            "reason": "malformed JSON",
            "records": 1,
            "files": 1,
            "last_run": "20260105T093000Z-def456",
        },
    ]
    data = {
        "tables": [],
        "runs": [],
        "schema_changes": [],
        "quarantined_records": 8,
        "quarantine_by_reason": by_reason,
    }
    render_status(console, data)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "quarantine by reason (most records first)" in text
    assert "[it's 'Report']" in text  # brackets kept: not read as rich markup
    assert "quarantined records: 8" in text
    (query,) = [line for line in text.splitlines() if "the most frequent:" in line]  # one line, however wide
    assert query.endswith(
        "select file_uri, line, raw from ingest_meta.quarantine where table_name = 'raw.shop' and "
        "reason = 'row before the header (taken to be record 3): a title row? [it\\'s \\'Report\\']'"
    )

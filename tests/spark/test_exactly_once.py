"""Exactly once under SIGKILL: a run killed at any step, then run again, equals one clean run.

Each step runs the real CLI in its own process (its own JVM) against one state dir; the process is
killed with SIGKILL at a named point of the commit protocol (``DAP_FAULT``, see ingest.commit).
"""

from __future__ import annotations

import gzip
import json
import signal
from pathlib import Path

import pytest

from tests.conftest import ingest_cli

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY1 = "2026-01-05"
DAY2 = "2026-01-06"


def _write_day(landing: Path, day: str, *, files: int, drift: bool) -> int:
    """Write ``files`` JSON-lines files for ``day``; return the number of good records."""
    folder = landing / "ev" / day
    folder.mkdir(parents=True, exist_ok=True)
    good = 0
    for index in range(files):
        lines = []
        for n in range(20):
            record = {
                "id": f"{day}-{index}-{n}",
                "ts": f"{day}T10:{n:02d}:00.000Z",
                "dev": {"serial": f"S{n % 3}"},
            }
            if drift:
                record["dev"]["firmware"] = "2.0"
            lines.append(json.dumps(record))
            good += 1
        lines.append("{not json")
        body = ("\n".join(lines) + "\n").encode()
        if index % 2:
            (folder / f"part-{index}.jsonl.gz").write_bytes(gzip.compress(body, mtime=0))
        else:
            (folder / f"part-{index}.jsonl").write_bytes(body)
    return good


def _config(tmp_path: Path, landing: Path) -> Path:
    config = tmp_path / "sources.yml"
    config.write_text(
        f"landing: {landing}\nsources:\n  ev: {{path: ev, table: raw.ev, format: json, partition: {{column: ts}}}}\n"
    )
    return config


def _status(state: Path) -> dict[str, dict[str, object]]:
    result = ingest_cli("status", "--json", state_dir=state)
    assert result.returncode == 0, result.stderr
    return {t["table_name"]: t for t in json.loads(result.stdout)["tables"]}


def _table_rows(state: Path) -> list[tuple[object, ...]]:
    """Every row of raw.ev as (file, line, id, serial, firmware), read from the warehouse files."""
    import pyarrow.parquet as pq

    rows = []
    for part in sorted((state / "warehouse" / "raw.db" / "ev").glob("event_date=*/*.parquet")):
        table = pq.read_table(part)
        columns = table.column_names
        data = table.to_pylist()
        for record in data:
            rows.append(
                (
                    record["_source_file"],
                    record["_source_line"],
                    record["id"],
                    record["dev_serial"],
                    record.get("dev_firmware") if "dev_firmware" in columns else None,
                )
            )
    return sorted(rows, key=lambda r: (str(r[0]), r[1]))


def test_sigkill_at_every_commit_step_then_rerun_equals_one_clean_run(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    good = _write_day(landing, DAY1, files=3, drift=False)
    config = _config(tmp_path, landing)
    state = tmp_path / "state"

    # Each run is killed at a later step; the next run must repair what the previous one left.
    for point in ("after_stage", "after_schema_log", "after_ddl", "after_commit"):
        result = ingest_cli("run", "-c", str(config), state_dir=state, env={"DAP_FAULT": point})
        assert result.returncode == -signal.SIGKILL, (point, result.returncode, result.stderr[-2000:])

    good += _write_day(landing, DAY2, files=2, drift=True)  # new files and a new column
    result = ingest_cli("run", "-c", str(config), state_dir=state, env={"DAP_FAULT": "publish_file"})
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]

    result = ingest_cli("run", "-c", str(config), "--json", state_dir=state)
    assert result.returncode == 0, result.stderr[-2000:]
    repaired = json.loads(result.stdout)
    assert repaired["recovered"]["published"], "the run killed while publishing must be finished"
    assert repaired["sources"][0]["status"] == "noop"

    clean_state = tmp_path / "clean"
    clean = ingest_cli("run", "-c", str(config), "--json", state_dir=clean_state)
    assert clean.returncode == 0, clean.stderr[-2000:]

    faulted_rows, clean_rows = _table_rows(state), _table_rows(clean_state)
    assert len(clean_rows) == good
    assert faulted_rows == clean_rows
    assert len({(r[0], r[1]) for r in faulted_rows}) == good  # no record twice

    status = _status(state)["raw.ev"]
    assert status["rows_in_table"] == good  # visible through the metastore's partitions
    assert status["rows_written"] == good
    assert status["rows_quarantined"] == 5  # one bad line per file, each quarantined once
    assert status["files"] == 5

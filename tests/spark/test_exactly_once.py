"""Exactly once under SIGKILL: a run killed at any step, then run again, leaves what one clean run
would: every input record once, with its values, as the input files say.

Each step runs the real CLI in its own process (its own JVM) against one state dir; the process is
killed with SIGKILL at a named point of the commit protocol (``DAP_FAULT``, see ingest.faults):
holding its first commit lock, after the DDL, after a child table's commit, after the quarantine
commit, after the main table's commit and after the manifest mirror. Every step brings new files,
so every kill point is reached, and each next run has to complete what the killed one left:
release the dead run's lock rather than wait for it to expire, append to each table only the
files it lacks, and repair the manifest from the table's snapshots. A last test kills
``ingest compact`` while Iceberg's rewrite is writing its files (the three runs that give it
files to rewrite are its set-up, not under test: they share one process).
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli_env, ingest_cli

pytestmark = [pytest.mark.spark, pytest.mark.slow]

KILL_POINTS = (
    "holding_commit_lock",
    "after_ddl",
    "after_child_commit",
    "after_quarantine",
    "after_commit",
    "after_manifest",
)

DUMP = """
import json, sys
from ingest.settings import load_settings
from ingest.spark_session import build_spark
spark = build_spark(load_settings(), "dump")
out = {}
for table, columns in json.loads(sys.argv[1]).items():
    if not spark.catalog.tableExists(table):
        out[table] = None
        continue
    frame = spark.table(table)
    present = [c for c in columns if c in frame.columns]
    out[table] = sorted(
        [[r[c] if c in present else None for c in columns] for r in frame.select(*present).collect()],
        key=lambda row: json.dumps(row, default=str),
    )
print(json.dumps(out, default=str))
"""


THREE_RUNS = """
import sys
from pathlib import Path
from ingest import pipeline
from ingest.config import load_config
from ingest.settings import load_settings
from ingest.spark_session import build_spark
from tests.spark.test_exactly_once import _write_day
landing, config = Path(sys.argv[1]), Path(sys.argv[2])
spark = build_spark(load_settings(), "three runs")
for run in range(3):  # three runs into one day: three small files in its partition, a column added
    _write_day(landing, "2026-01-05", files=2, drift=run == 2, batch=f"r{run}-")
    report = pipeline.run(spark, load_config(config).sources, command="run")
    assert report.ok, [source.error for source in report.sources]
spark.stop()
"""


def _python(state: Path, script: str, *args: str) -> str:
    """Run ``script`` in a fresh process (its own JVM) on ``state``; its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=cli_env(state),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _dump(state: Path, tables: dict[str, list[str]]) -> dict[str, list[list[object]] | None]:
    """Every row of ``tables`` (selected columns), read through the catalog in a fresh JVM."""
    stdout = _python(state, DUMP, json.dumps(tables))
    return json.loads(stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _write_day(landing: Path, day: str, *, files: int, drift: bool, batch: str = "") -> int:
    """Write ``files`` JSON-lines files for ``day`` (one bad line each); return the good records."""
    folder = landing / "ev" / day
    folder.mkdir(parents=True, exist_ok=True)
    good = 0
    for index in range(files):
        lines = []
        for n in range(20):
            record: dict[str, object] = {
                "id": f"{day}-{batch}{index}-{n}",
                "ts": f"{day}T10:{n:02d}:00.000Z",
                "dev": {"serial": f"S{n % 3}"},
                "tags": [f"t{n}", f"u{index}"],
            }
            if drift:
                record["dev"] = {"serial": f"S{n % 3}", "firmware": f"2.{n}"}
            lines.append(json.dumps(record))
            good += 1
        lines.append("{not json")
        body = ("\n".join(lines) + "\n").encode()
        if index % 2:
            (folder / f"part-{batch}{index}.jsonl.gz").write_bytes(gzip.compress(body, mtime=0))
        else:
            (folder / f"part-{batch}{index}.jsonl").write_bytes(body)
    return good


def _config(tmp_path: Path, landing: Path) -> Path:
    config = tmp_path / "sources.yml"
    config.write_text(
        f"landing: {landing}\nsources:\n  ev:\n    path: ev\n    table: raw.ev\n    format: json\n"
        "    partition: {column: ts}\n    arrays: {explode: [tags]}\n"
    )
    return config


TABLES = {
    "raw.ev": ["_source_file", "_source_line", "id", "dev_serial", "dev_firmware", "event_date"],
    "raw.ev__tags": ["_source_file", "_source_line", "_position", "value", "event_date"],
    "ingest_meta.quarantine": ["file_uri", "line", "raw", "reason"],
    "ingest_meta.files": ["file_uri", "rows_read", "rows_written", "rows_quarantined", "status"],
}


def _expected(landing: Path) -> dict[str, list[list[object]]]:
    """What one clean run of every file under ``landing`` must leave in ``TABLES``, derived from
    the files alone (the standard library's JSON, none of ingest's code), sorted as ``_dump``
    sorts. A quarantine row's reason is ingest's own wording: it is left out here and checked
    apart."""
    tables: dict[str, list[list[object]]] = {table: [] for table in TABLES}
    for path in sorted((landing / "ev").rglob("part-*")):
        data = path.read_bytes()
        lines = (gzip.decompress(data) if path.suffix == ".gz" else data).decode().splitlines()
        day = path.parent.name
        for line, text in enumerate(lines, start=1):
            try:
                record = json.loads(text)
            except ValueError:
                tables["ingest_meta.quarantine"].append([str(path), line, text])
                continue
            device = record["dev"]
            tables["raw.ev"].append(
                [str(path), line, record["id"], device["serial"], device.get("firmware"), day]
            )
            for position, tag in enumerate(record["tags"]):
                tables["raw.ev__tags"].append([str(path), line, position, tag, day])
        good = len(lines) - sum(1 for row in tables["ingest_meta.quarantine"] if row[0] == str(path))
        tables["ingest_meta.files"].append([str(path), len(lines), good, len(lines) - good, "ingested"])
    return {
        table: sorted(rows, key=lambda row: json.dumps(row, default=str)) for table, rows in tables.items()
    }


def test_sigkill_at_every_commit_step_then_rerun_holds_every_record_once(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    config = _config(tmp_path, landing)
    state = tmp_path / "state"
    stderr: dict[str, str] = {}
    for day, point in enumerate(KILL_POINTS, start=5):
        _write_day(landing, f"2026-01-{day:02d}", files=2, drift=day >= 7)  # a new column mid-way
        result = ingest_cli("run", "-c", str(config), state_dir=state, env={"DAP_FAULT": point})
        assert result.returncode == -signal.SIGKILL, (point, result.returncode, result.stderr[-2000:])
        stderr[point] = result.stderr
    # The run after the one killed holding a lock took that lock at once (the metastore would
    # have kept it for hive.txn.timeout, 60 s): it saw that the lock's process no longer runs.
    assert "released the commit lock of raw.ev" in stderr["after_ddl"], stderr["after_ddl"][-2000:]

    result = ingest_cli("run", "-c", str(config), "--json", state_dir=state)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["ok"] is True

    # Row for row and value for value what one clean run leaves, derived from the input files
    # rather than from a second run of the same code.
    faulted, expected = _dump(state, TABLES), _expected(landing)
    assert len(expected["raw.ev"]) == 20 * 2 * len(KILL_POINTS)
    assert len(expected["ingest_meta.quarantine"]) == 2 * len(KILL_POINTS)  # a bad line in each file
    quarantined = faulted["ingest_meta.quarantine"] or []
    assert len({reason for *_, reason in quarantined}) == 1, quarantined  # every bad line alike
    faulted["ingest_meta.quarantine"] = sorted((row[:3] for row in quarantined), key=json.dumps)
    for table in TABLES:
        assert faulted[table] == expected[table], table
    firmware = {row[4] for row in faulted["raw.ev"] or []}
    assert "2.19" in firmware  # the drifted column kept its values

    rerun = ingest_cli("run", "-c", str(config), "--json", state_dir=state)
    assert json.loads(rerun.stdout)["sources"][0]["status"] == "noop"


def test_sigkill_during_compaction_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    config = _config(tmp_path, landing)
    state = tmp_path / "state"
    _python(state, THREE_RUNS, str(landing), str(config))
    expected = {"raw.ev": _expected(landing)["raw.ev"]}  # every record of the three runs, from the files

    data_dir = state / "warehouse" / "raw.db" / "ev" / "data"
    existing = set(data_dir.rglob("*.parquet"))
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", "compact", "--table", "raw.ev"],
        cwd=ROOT,
        env=cli_env(state),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if set(data_dir.rglob("*.parquet")) - existing:  # the rewrite has written a new file
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    assert process.wait() == -signal.SIGKILL, "compaction finished before it could be killed"

    assert _dump(state, {"raw.ev": TABLES["raw.ev"]}) == expected
    again = ingest_cli("compact", "--table", "raw.ev", "--json", state_dir=state)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _dump(state, {"raw.ev": TABLES["raw.ev"]}) == expected

"""dbt benchmark: is an incremental `dbt build` priced by the new data, not by the history?

In one invocation, each case in its own state dir (own Derby metastore and warehouse):

- ``incremental``: the sample generator writes ``--days + 1`` days at ``--scale``; the first
  ``--days`` landing days are ingested and built (``dbt build``, not timed), then the last day
  lands, is ingested, and the second ``dbt build`` is timed;
- ``scratch``: ``--small-days`` days at the same scale are ingested and ``dbt build`` runs once,
  from scratch, timed.

The ratio is incremental ÷ scratch (target ≤ 1.3). After the incremental build the recording
sessions and flights in the marts are compared with the generator's ground truth for all
``--days + 1`` days (``--no-check`` skips it), so the incremental path is checked where it is
hardest: the new day's events pair with sessions and boots left open by the history.

    python bench/dbt_bench.py                           # --days 30 --scale 10 --small-days 3
    python bench/dbt_bench.py --lock /tmp/dap-spark.lock  # take this lock for every Spark step only

Every step is its own process (embedded Derby admits one JVM at a time). ``--lock`` holds an
exclusive ``flock`` on the file for the duration of each Spark step; waiting for it is not timed.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ingest.sample import ground_truth

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START = date(2026, 1, 5)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Case:
    """One state dir: its landing zone, environment and the Spark steps run in it."""

    def __init__(self, state: Path, lock: Path | None) -> None:
        self.state = state
        self.landing = state / "landing"
        self.lock = lock
        self.env = {
            **os.environ,
            "DAP_STATE_DIR": str(state),
            "DAP_LANDING": str(self.landing),
            "DBT_PROFILES_DIR": str(ROOT / "profiles"),
            "DBT_TARGET_PATH": str(state / "dbt-target"),
            "DBT_LOG_PATH": str(state / "dbt-logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # The jars `make jars` fetched, not a copy per state dir.
            "DAP_JARS_DIR": os.environ.get("DAP_JARS_DIR", str(ROOT / ".state" / "jars")),
        }

    def run(self, args: list[str], *, spark: bool) -> float:
        """Run one step in the repository root; the wall time of the process, lock wait excluded."""
        with _locked(self.lock) if spark and self.lock else nullcontext():
            started = time.perf_counter()
            result = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(
                f"{' '.join(args)} exited {result.returncode}\n"
                f"--- stdout (tail)\n{result.stdout[-6000:]}\n--- stderr (tail)\n{result.stderr[-3000:]}"
            )
        return elapsed

    def ingest(self) -> float:
        return self.run([sys.executable, "-m", "ingest", "run", "--config", "ingest.yml"], spark=True)

    def dbt_build(self) -> float:
        # The history is ingested minutes before the new day, so the default commit lag (every
        # watermark set back an hour) would read all of it again; in production an hour holds
        # an hour of data. One writer here: the exact watermark prices the new day alone.
        exact = json.dumps({"ingest_commit_lag_minutes": 0})
        return self.run([str(BIN / "dbt"), "build", "--target", "local", "--vars", exact], spark=True)


def _generate(into: Path, days: int, scale: float) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ingest",
            "generate",
            "--landing",
            str(into),
            "--days",
            str(days),
            "--scale",
            str(scale),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def _land(generated: Path, landing: Path, days: set[date] | None) -> None:
    """Copy the generated day folders (all when `days` is None) into the landing zone."""
    for folder in sorted(generated.glob("*/*")):
        source = folder.parent.name
        if source.startswith("_") or not folder.is_dir():
            continue
        if days is not None and date.fromisoformat(folder.name) not in days:
            continue
        shutil.copytree(folder, landing / source / folder.name, dirs_exist_ok=True)


def _read_marts(case: Case) -> dict[str, list[tuple[str, ...]]]:
    out = case.state / "marts.json"
    case.run([sys.executable, str(Path(__file__).resolve()), "--dump-marts", str(out)], spark=True)
    rows: dict[str, list[tuple[str, ...]]] = json.loads(out.read_text(encoding="utf-8"))
    return {name: sorted(tuple(row) for row in table) for name, table in rows.items()}


def _dump_marts(out: Path) -> None:
    """In a subprocess, after dbt exited: the marts' ground-truth columns, as CSV cells."""
    from ingest.settings import load_settings
    from ingest.spark_session import build_spark

    spark = build_spark(load_settings(), "dbt-bench-read")
    queries = {
        "recording_sessions": (
            "select device_serial, started_at, ended_at, end_reason, session_date from marts.fct_recording_sessions"
        ),
        "flights": (
            "select device_serial, boot_id, took_off_at, landed_at, end_reason, is_clock_corrected, "
            "flight_date, duration_s from marts.fct_flights"
        ),
    }
    dump = {
        name: [[_cell(v) for v in row] for row in spark.sql(sql).collect()] for name, sql in queries.items()
    }
    spark.stop()
    out.write_text(json.dumps(dump), encoding="utf-8")


def _cell(value: Any) -> str:
    """A value in the ground truth's CSV conventions."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if hasattr(value, "microsecond"):
        return str(value.strftime("%Y-%m-%dT%H:%M:%S.")) + f"{value.microsecond // 1000:03d}Z"
    return str(value)


def _ground_truth(generated: Path) -> dict[str, list[tuple[str, ...]]]:
    truth: dict[str, list[tuple[str, ...]]] = {}
    for name, columns in (
        ("recording_sessions", ground_truth.SESSION_COLUMNS),
        ("flights", ground_truth.FLIGHT_COLUMNS),
    ):
        with (generated / "_ground_truth" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            truth[name] = sorted(tuple(record[c] for c in columns) for record in csv.DictReader(handle))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=30, help="days of history before the new day (30)")
    parser.add_argument("--scale", type=float, default=10.0, help="generator scale (10)")
    parser.add_argument("--small-days", type=int, default=3, help="days of the from-scratch case (3)")
    parser.add_argument("--work", type=Path, default=ROOT / ".state" / "dbt-bench", help="work dir (emptied)")
    parser.add_argument("--lock", type=Path, help="flock this file around every Spark step")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with the ground truth")
    parser.add_argument("--dump-marts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump_marts:
        _dump_marts(args.dump_marts)
        return

    args.work = args.work.resolve()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    generated = args.work / "generated-history"
    _generate(generated, args.days + 1, args.scale)
    history = Case(args.work / "history", args.lock)
    new_day = START + timedelta(days=args.days)
    _land(generated, history.landing, {START + timedelta(days=d) for d in range(args.days)})
    t_history_ingest = history.ingest()
    t_history_build = history.dbt_build()
    print(f"history: {args.days} days ingested in {t_history_ingest:.1f} s, built in {t_history_build:.1f} s")
    _land(generated, history.landing, {new_day})
    t_new_ingest = history.ingest()
    t_incremental = history.dbt_build()
    print(f"new day {new_day}: ingested in {t_new_ingest:.1f} s; dbt build {t_incremental:.1f} s")

    small_generated = args.work / "generated-small"
    _generate(small_generated, args.small_days, args.scale)
    scratch = Case(args.work / "scratch", args.lock)
    _land(small_generated, scratch.landing, None)
    scratch.ingest()
    t_scratch = scratch.dbt_build()
    print(f"scratch: {args.small_days} days, dbt build {t_scratch:.1f} s")

    checked = "not checked"
    if not args.no_check:
        marts, truth = _read_marts(history), _ground_truth(generated)
        for name in truth:
            if marts[name] != truth[name]:
                missing = sorted(set(truth[name]) - set(marts[name]))[:5]
                extra = sorted(set(marts[name]) - set(truth[name]))[:5]
                sys.exit(
                    f"{name}: the marts differ from the ground truth\nmissing: {missing}\nextra: {extra}"
                )
        checked = (
            "marts equal the ground truth ("
            + ", ".join(f"{n}: {len(r)} rows" for n, r in truth.items())
            + ")"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"incremental: dbt build after 1 new day on {args.days} days (scale {args.scale:g}): {t_incremental:.1f} s"
    )
    print(
        f"scratch: dbt build of {args.small_days} days (scale {args.scale:g}) from scratch: {t_scratch:.1f} s"
    )
    print(checked)
    print(f"incremental/scratch {t_incremental / t_scratch:.2f}")


if __name__ == "__main__":
    main()

"""Ingest benchmark: the plain-Spark floor, our ingest and dlt on the same files, in one invocation.

Workloads (bench/workload.py, seeded):
- W1: N nested JSON-lines events in F files, with 5 schema drift points;
- W2: M events in many small files (the small-files problem).
For each workload, three engines run one after another, each in its own fresh process (so JVM or
interpreter start is in every time, and the peak RSS is that process tree's alone):
- ``floor``: ``spark.read.json`` + flatten + partitioned Parquet write (bench/floor_spark.py);
- ``ours``:  ``ingest run --json`` into an Iceberg table: DDL, exactly-once commit, quarantine;
- ``dlt``:   dlt's filesystem source + ``read_jsonl`` to its filesystem destination as Parquet
  (bench/dlt_load.py, in its own venv from bench/dlt-constraints.txt; 2 normalize workers,
  rotated writer files: the best settings found on this machine).
Printed per engine: wall time, rows/s, peak RSS of the process tree, output files per partition.
The last four lines are the ratios of wall times, for scripts:

    W1 ours/floor R
    W2 ours/floor R
    W1 ours/dlt R
    W2 ours/dlt R

    python bench/ingest_bench.py                                  # full size (1M / 200, 500k in 20k files)
    python bench/ingest_bench.py --events 100000 --files 50 --small-files 2000 --small-events 50000
    python bench/ingest_bench.py --quick                          # the line above
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from workload import write_small_files, write_workload  # noqa: E402

# dlt at its best on this machine (issue 9): parallel normalize, writer files rotated so the
# normalize workers have several files to share.
DLT_ENV = {
    "NORMALIZE__WORKERS": "2",
    "DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "DATA_WRITER__BUFFER_MAX_ITEMS": "10000",
    "RUNTIME__LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class Result:
    engine: str
    seconds: float
    rows: int
    peak_rss_bytes: int
    partitions: int
    files_per_partition_avg: float
    files_per_partition_max: int

    def line(self) -> str:
        layout = (
            f"files/partition avg {self.files_per_partition_avg:.1f} max {self.files_per_partition_max} "
            f"({self.partitions} partitions)"
            if self.partitions
            else f"{self.files_per_partition_max} files, not partitioned"
        )
        return (
            f"  {self.engine:5s} {self.seconds:8.1f} s {self.rows / self.seconds:11,.0f} rows/s "
            f"{self.rows:>10,} rows  peak RSS {self.peak_rss_bytes / 2**30:5.2f} GiB  {layout}"
        )


class PeakRss:
    """Samples the summed RSS of a process and all its descendants every 100 ms."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):  # it ended between the two calls
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measure(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, int, dict[str, object]]:
    """Run one engine; return its wall time, peak RSS and the JSON object its stdout ends with."""
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        rss = PeakRss(process.pid)
        stdout, _ = process.communicate()
    seconds = time.perf_counter() - started
    peak = rss.stop()
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed with exit code {process.returncode}; see {log}")
    text = stdout.strip()
    try:  # `ingest run --json` prints one (indented) JSON document; the other engines one line
        report = json.loads(text)
    except json.JSONDecodeError:
        report = json.loads(text.splitlines()[-1])
    return seconds, peak, report


def file_layout(data_dir: Path) -> tuple[int, float, int]:
    """(partitions, average and max Parquet files per ``event_date=`` partition) under ``data_dir``;
    for an unpartitioned output, (0, 0, files)."""
    counts = [len(list(p.glob("*.parquet"))) for p in data_dir.rglob("event_date=*") if p.is_dir()]
    if counts:
        return len(counts), sum(counts) / len(counts), max(counts)
    return 0, 0.0, sum(1 for _ in data_dir.rglob("*.parquet"))


def run_floor(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    out = work / f"{name}-floor"
    argv = [sys.executable, str(BENCH / "floor_spark.py"), str(landing), str(out)]
    seconds, peak, report = measure(
        [*argv, "--state", str(work / f"{name}-floor-state")], env, work / f"{name}-floor.log"
    )
    return Result("floor", seconds, int(report["rows"]), peak, *file_layout(out))  # type: ignore[call-overload]


def run_ours(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    state = work / f"{name}-ours-state"
    config = work / f"{name}-ingest.yml"
    config.write_text(
        f"landing: {landing.parent}\n"
        f"sources:\n  {name}:\n    path: {landing.name}\n    table: bench.{name}\n"
        "    format: json\n    partition: {column: event_ts}\n"
    )
    argv = [str(Path(sys.executable).parent / "ingest"), "run", "--config", str(config), "--json"]
    seconds, peak, report = measure(argv, {**env, "DAP_STATE_DIR": str(state)}, work / f"{name}-ours.log")
    sources = report["sources"]
    assert isinstance(sources, list)
    rows = sum(int(source["rows_written"]) for source in sources)
    steps = report.get("seconds_per_step") or {}
    assert isinstance(steps, dict)
    print("  ours, seconds per step: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    return Result("ours", seconds, rows, peak, *file_layout(state / "warehouse" / "bench.db" / name))


def run_dlt(name: str, landing: Path, work: Path, env: dict[str, str], python: Path) -> Result:
    out = work / f"{name}-dlt"
    argv = [str(python), str(BENCH / "dlt_load.py"), str(landing), str(out), "--table", name]
    seconds, peak, report = measure(argv, {**env, **DLT_ENV}, work / f"{name}-dlt.log")
    return Result("dlt", seconds, int(report["rows"]), peak, *file_layout(out / "data"))  # type: ignore[call-overload]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="W1 events")
    parser.add_argument("--files", type=int, default=200, help="W1 files")
    parser.add_argument("--drift-points", type=int, default=5)
    parser.add_argument("--small-files", type=int, default=20_000, help="W2 files")
    parser.add_argument("--small-events", type=int, default=500_000, help="W2 events")
    parser.add_argument("--quick", action="store_true", help="W1 100k events / 50 files, W2 50k in 2k files")
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    parser.add_argument(
        "--dlt-python",
        type=Path,
        default=Path(os.environ.get("DAP_STATE_DIR", ROOT / ".state")) / "bench-dlt" / "bin" / "python",
        help="the python of the dlt venv (make bench-dlt)",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.files, args.small_files, args.small_events = 100_000, 50, 2_000, 50_000
    if not args.dlt_python.exists():
        sys.exit(f"bench: no dlt venv at {args.dlt_python}; run `make bench-dlt` (or pass --dlt-python)")

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    per_file = max(1, args.small_events // args.small_files)
    print(
        f"W1: {args.events:,} nested events in {args.files} files ({args.drift_points} drift points); "
        f"W2: {args.small_files * per_file:,} events in {args.small_files:,} files"
    )
    w1, w2 = args.work / "landing" / "w1", args.work / "landing" / "w2"
    started = time.perf_counter()
    write_workload(w1, events=args.events, files=args.files, drift_points=args.drift_points)
    write_small_files(w2, files=args.small_files, events_per_file=per_file)
    print(f"generated in {time.perf_counter() - started:.1f} s")

    env = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
    env["DAP_JARS_DIR"] = os.environ.get("DAP_JARS_DIR", str(ROOT / ".state" / "jars"))
    ratios: list[str] = []
    for name, landing in (("w1", w1), ("w2", w2)):
        print(f"\n== {name.upper()}")
        results: dict[str, Result] = {}
        for engine in ("floor", "ours", "dlt"):
            if engine == "floor":
                result = run_floor(name, landing, args.work, env)
            elif engine == "ours":
                result = run_ours(name, landing, args.work, env)
            else:
                result = run_dlt(name, landing, args.work, env, args.dlt_python)
            results[engine] = result
            print(result.line(), flush=True)
        expected = {r.rows for r in results.values()}
        if len(expected) != 1:
            print(f"  WARNING: the engines wrote different row counts: {sorted(expected)}")
        ratios.append(f"{name.upper()} ours/floor {results['ours'].seconds / results['floor'].seconds:.2f}")
        ratios.append(f"{name.upper()} ours/dlt {results['ours'].seconds / results['dlt'].seconds:.2f}")
    print()
    # Fixed order for scripts: both ours/floor lines, then both ours/dlt lines.
    for line in sorted(ratios, key=lambda line: ("dlt" in line, line)):
        print(line)


if __name__ == "__main__":
    main()

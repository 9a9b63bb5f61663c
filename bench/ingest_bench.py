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
With ``--s3`` (needs the local platform, ``make platform-up``), each workload also runs a fourth
time (W2 because many small files cost most per file on an object store):
- ``s3``:    the workload uploaded to the SeaweedFS landing (``s3a://landing/bench-<id>/w1``, not
  timed), then ``ingest run --json`` in the platform profile into ``raw.bench_w1_<id>`` in the S3
  warehouse (PostgreSQL metastore, the platform's Spark cluster); its peak RSS adds the
  executors the cluster started for it. The table is dropped with its files afterwards, and the
  upload deleted; the run's rows in ``ingest_meta`` stay, as for any run.
and ``W1 s3/local R`` and ``W2 s3/local R`` (its time over ``ours``) are printed just before the
ratio lines.
The last four lines are the ratios of wall times, for scripts:

    W1 ours/floor R
    W2 ours/floor R
    W1 ours/dlt R
    W2 ours/dlt R

    python bench/ingest_bench.py                                  # full size (1M / 200, 500k in 20k files)
    python bench/ingest_bench.py --events 100000 --files 50 --small-files 2000 --small-events 50000
    python bench/ingest_bench.py --quick                          # the line above
    python bench/ingest_bench.py --s3                             # and both from S3 into S3 (platform)
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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
STATE = Path(os.environ.get("DAP_STATE_DIR", ROOT / ".state"))
PLATFORMCTL = ROOT / "platform" / "platformctl.py"
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
    """Samples the summed RSS of a process and all its descendants every 100 ms, plus that of the
    other processes ``also`` picks (the executors a Spark cluster starts for it)."""

    def __init__(self, pid: int, also: Callable[[psutil.Process], bool] | None = None) -> None:
        self.peak = 0
        self._root = psutil.Process(pid)
        self._also = also
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            if self._also is not None:
                tree += [p for p in psutil.process_iter() if p.pid != self._root.pid and self._picked(p)]
            total = 0
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):  # it ended between the two calls
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)

    def _picked(self, process: psutil.Process) -> bool:
        try:
            return self._also is not None and self._also(process)
        except psutil.Error:  # ended, or not ours to read
            return False

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measure(
    argv: list[str],
    env: dict[str, str],
    log: Path,
    also: Callable[[psutil.Process], bool] | None = None,
) -> tuple[float, int, dict[str, object]]:
    """Run one engine; return its wall time, peak RSS and the JSON object its stdout ends with."""
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        rss = PeakRss(process.pid, also)
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
    return layout_of([str(p.relative_to(data_dir)) for p in data_dir.rglob("*.parquet")])


def layout_of(parquet_files: list[str]) -> tuple[int, float, int]:
    """``file_layout`` of Parquet file paths (relative, or S3 keys): grouped by the
    ``event_date=`` folder they are in."""
    per_partition: dict[str, int] = {}
    for path in parquet_files:
        folder = next((part for part in path.split("/") if part.startswith("event_date=")), None)
        if folder is not None:
            per_partition[folder] = per_partition.get(folder, 0) + 1
    if per_partition:
        counts = list(per_partition.values())
        return len(counts), sum(counts) / len(counts), max(counts)
    return 0, 0.0, len(parquet_files)


def run_floor(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    out = work / f"{name}-floor"
    argv = [sys.executable, str(BENCH / "floor_spark.py"), str(landing), str(out)]
    seconds, peak, report = measure(
        [*argv, "--state", str(work / f"{name}-floor-state")], env, work / f"{name}-floor.log"
    )
    return Result("floor", seconds, int(report["rows"]), peak, *file_layout(out))  # type: ignore[call-overload]


def ingest_config(path: Path, landing: str, source: str, table: str, fmt: str = "json") -> Path:
    """A one-source ``ingest.yml``: every file under ``landing/source`` into ``table``."""
    path.write_text(
        f"landing: {landing}\n"
        f"sources:\n  {source}:\n    path: {source}\n    table: {table}\n"
        f"    format: {fmt}\n    partition: {{column: event_ts}}\n"
    )
    return path


def ingest_run(
    engine: str,
    config: Path,
    env: dict[str, str],
    log: Path,
    also: Callable[[psutil.Process], bool] | None = None,
) -> tuple[float, int, int]:
    """``ingest run --json`` of ``config``: wall seconds, peak RSS, rows written. Prints its steps."""
    argv = [str(Path(sys.executable).parent / "ingest"), "run", "--config", str(config), "--json"]
    seconds, peak, report = measure(argv, env, log, also)
    sources = report["sources"]
    assert isinstance(sources, list)
    rows = sum(int(source["rows_written"]) for source in sources)
    steps = report.get("seconds_per_step") or {}
    assert isinstance(steps, dict)
    print(f"  {engine}, seconds per step: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    return seconds, peak, rows


def run_ours(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    state = work / f"{name}-ours-state"
    config = ingest_config(work / f"{name}-ingest.yml", str(landing.parent), landing.name, f"bench.{name}")
    seconds, peak, rows = ingest_run(
        "ours", config, {**env, "DAP_STATE_DIR": str(state)}, work / f"{name}-ours.log"
    )
    return Result("ours", seconds, rows, peak, *file_layout(state / "warehouse" / "bench.db" / name))


def platform_env(env: dict[str, str], state: Path) -> dict[str, str]:
    """``env`` in the platform profile, with its own state dir, pointed at the local platform."""
    return {
        **env,
        "DAP_PROFILE": "platform",
        "DAP_STATE_DIR": str(state),
        "DAP_PLATFORM_DIR": os.environ.get("DAP_PLATFORM_DIR", str(STATE / "platform")),
    }


# What an ingest run on the platform uses: not the Thrift Server, nor the Kafka broker (whose
# data dir follows DAP_STATE_DIR, which the run sets to a state dir of its own).
NOT_NEEDED = ("thrift", "kafka")


def require_platform(env: dict[str, str]) -> None:
    """Exit with what to do unless the platform's storage, metastore and cluster are up and healthy."""
    status = subprocess.run(
        [sys.executable, str(PLATFORMCTL), "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        services = {k: v for k, v in json.loads(status.stdout).items() if k not in NOT_NEEDED}
    except json.JSONDecodeError:
        services = {}
    down = sorted(name for name, item in services.items() if not item.get("healthy"))
    if not services or down:  # (its exit code counts the services not needed here too)
        sys.exit(
            f"bench: --s3 needs the local platform up (down: {', '.join(down) or 'all'}); run `make platform-up`"
        )


def run_s3(name: str, landing: Path, work: Path, env: dict[str, str], fmt: str = "json") -> Result:
    """``ours`` on the local platform: from the SeaweedFS landing into the S3 warehouse."""
    run_id = uuid.uuid4().hex[:8]
    prefix, table = f"bench-{run_id}", f"raw.bench_{name}_{run_id}"  # ingest may write only raw.*
    on_platform = platform_env(env, work / f"{name}-s3-state")
    uploaded = f"s3a://landing/{prefix}"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(PLATFORMCTL), "upload", str(landing), f"{uploaded}/{name}"],
        env=on_platform,
        check=True,
    )
    print(f"  (uploaded in {time.perf_counter() - started:.1f} s, not timed)", flush=True)
    config = ingest_config(work / f"{name}-s3.yml", uploaded, name, table, fmt)
    since = time.time()

    def executor(process: psutil.Process) -> bool:  # what the cluster's workers start for this run
        return process.create_time() >= since and "CoarseGrainedExecutorBackend" in " ".join(
            process.cmdline()
        )

    try:
        seconds, peak, rows = ingest_run("s3", config, on_platform, work / f"{name}-s3.log", executor)
    finally:
        data_files = drop_s3_run(on_platform, table, uploaded)
    return Result("s3", seconds, rows, peak, *layout_of(data_files))


DROP = """
import json, sys
from ingest.landing_s3 import iter_objects, s3_client
from ingest.settings import load_settings
from ingest.spark_session import build_spark
table, landing = sys.argv[1:]
spark = build_spark(load_settings(), "bench cleanup")
files = []
if spark.catalog.tableExists(table):
    files = [r.file_path for r in spark.sql(f"SELECT file_path FROM {table}.files").collect()]
    spark.sql(f"DROP TABLE {table} PURGE")
bucket, prefix = landing.split("://", 1)[1].split("/", 1)
client = s3_client()
for item in iter_objects(client, bucket, prefix + "/"):
    client.delete_object(Bucket=bucket, Key=item["Key"])
print(json.dumps(files))
"""


def drop_s3_run(env: dict[str, str], table: str, landing: str) -> list[str]:
    """The data files of ``table`` (as Iceberg lists them), then the table dropped with its files
    and the upload under ``landing`` deleted: the platform keeps no benchmark data. A failure is
    reported, not raised (the timing stands)."""
    result = subprocess.run(
        [sys.executable, "-c", DROP, table, landing],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"  WARNING: could not drop {table} or delete {landing}:\n{result.stderr[-1500:]}")
        return []
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def run_dlt(name: str, landing: Path, work: Path, env: dict[str, str], python: Path) -> Result:
    out = work / f"{name}-dlt"
    argv = [str(python), str(BENCH / "dlt_load.py"), str(landing), str(out), "--table", name]
    seconds, peak, report = measure(argv, {**env, **DLT_ENV}, work / f"{name}-dlt.log")
    return Result("dlt", seconds, int(report["rows"]), peak, *file_layout(out / "data"))  # type: ignore[call-overload]


def engine_env() -> dict[str, str]:
    """The engines' environment: the caller's without its ``DAP_*`` settings (each engine gets its
    own state dir), but the jars dir, so no engine fetches or builds jars."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
    env["DAP_JARS_DIR"] = os.environ.get("DAP_JARS_DIR", str(ROOT / ".state" / "jars"))
    return env


def machine_line() -> str:
    """The machine a bench runs on, for its first line."""
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


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
        "--s3",
        action="store_true",
        help="W1 and W2 also from the S3 landing into the S3 warehouse (make platform-up)",
    )
    parser.add_argument(
        "--dlt-python",
        type=Path,
        default=STATE / "bench-dlt" / "bin" / "python",
        help="the python of the dlt venv (make bench-dlt)",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.files, args.small_files, args.small_events = 100_000, 50, 2_000, 50_000
    if not args.dlt_python.exists():
        sys.exit(f"bench: no dlt venv at {args.dlt_python}; run `make bench-dlt` (or pass --dlt-python)")

    env = engine_env()
    if args.s3:
        on_platform = platform_env(env, args.work / "s3-state")
        require_platform(on_platform)
        # The platform driver's class archive, as `make platform-up` makes it (once; not timed).
        subprocess.run([sys.executable, "-m", "ingest.class_archive"], env=on_platform, cwd=ROOT, check=True)

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(machine_line())
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

    ratios: list[str] = []
    s3_ratios: list[str] = []
    for name, landing in (("w1", w1), ("w2", w2)):
        print(f"\n== {name.upper()}")
        results: dict[str, Result] = {}
        for engine in ("floor", "ours", "dlt", *(("s3",) if args.s3 else ())):
            if engine == "floor":
                result = run_floor(name, landing, args.work, env)
            elif engine == "ours":
                result = run_ours(name, landing, args.work, env)
            elif engine == "s3":
                result = run_s3(name, landing, args.work, env)
                s3_ratios.append(f"{name.upper()} s3/local {result.seconds / results['ours'].seconds:.2f}")
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
    for line in s3_ratios:
        print(line)
    # Fixed order for scripts: both ours/floor lines, then both ours/dlt lines.
    for line in sorted(ratios, key=lambda line: ("dlt" in line, line)):
        print(line)


if __name__ == "__main__":
    main()

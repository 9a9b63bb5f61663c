"""CSV benchmark: the plain-Spark floor and our ingest on the same CSV files, in one invocation.

Three workloads, seeded, each a CSV export with a header:
- ``long``: N rows of 12 typed columns (integers, decimals, grouped integers in quotes, booleans,
  timestamps, codes with leading zeros, text with commas in quotes) in F files;
- ``small``: rows of the same kind in many small files (a source exporting every few minutes: the cost
  that grows with the files, each with its own header to read);
- ``wide``: R rows of C columns (a CRM export hundreds of columns wide: the cost that grows with
  the width, not the rows);
- ``drift``: the long workload's rows in files under H headers (columns dropped and reordered from
  release to release: the cost that grows with the headers). The floor reads every file with the
  first file's header, as ``spark.read.csv`` does; ours names each file's fields by its own.
For each, two engines run one after another, each in its own fresh process (JVM start included):
- ``floor``: ``spark.read.csv`` with ``header`` and ``inferSchema`` + a partitioned Parquet
  write (``bench/floor_spark.py --csv``);
- ``ours``: ``ingest run --json`` into an Iceberg table (per-file headers, type inference that
  keeps every value, DDL, exactly-once commit, quarantine, the independent record count).
With ``--s3`` (needs the local platform, ``make platform-up``), each workload also runs from the
SeaweedFS landing into the S3 warehouse in the platform profile (``ingest_bench.run_s3``: the
upload not timed, the table and the upload dropped afterwards), and ``CSV <name> s3/local R`` (its
time over ``ours``) is printed before the ratio lines.
Printed per engine: wall time, rows/s, peak RSS, files per partition; the last three lines are
the ratios of wall times, for scripts:

    CSV long ours/floor R
    CSV small ours/floor R
    CSV wide ours/floor R
    CSV drift ours/floor R

    python bench/csv_bench.py     # full size: 1,000,000 rows in 20 files; 500,000 in 20,000; 2,000 x 600;
                                  # 100,000 in 300 files under 30 headers
    python bench/csv_bench.py --rows 100000 --small-rows 20000 --small-files 1000 --width 300 --wide-rows 500
    python bench/csv_bench.py --s3   # and each from S3 into S3 (make platform-up)
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from ingest_bench import (  # noqa: E402
    Result,
    engine_env,
    file_layout,
    ingest_config,
    ingest_run,
    machine_line,
    measure,
    platform_env,
    require_platform,
    run_s3,
)

LONG_HEADER = [
    "id", "customer", "amount", "qty", "paid", "event_ts",
    "ratio", "code", "note", "revenue", "big_id", "ship_date",
]  # fmt: skip
START = datetime(2026, 1, 1)
WORKLOADS = ("long", "small", "wide", "drift")


def _order_line(rnd: random.Random, row: int) -> list[object]:
    """One order line, its cells in ``LONG_HEADER``'s order."""
    at = START + timedelta(seconds=rnd.randrange(30 * 86_400))
    return [
        row,
        f"customer {rnd.randrange(50_000)}",
        f"{rnd.randrange(1_000_000) / 100:.2f}",
        rnd.randrange(100),
        rnd.choice(("true", "false")),
        at.strftime("%Y-%m-%d %H:%M:%S"),
        f"{rnd.random():.6f}",
        f"{rnd.randrange(1000):03d}",
        f"gift, wrapped {rnd.randrange(10)}" if rnd.random() < 0.2 else "",
        f"{rnd.randrange(1_000, 10_000_000):,}",
        rnd.randrange(10**17),
        (at + timedelta(days=rnd.randrange(5))).strftime("%Y-%m-%d"),
    ]


def write_long(landing: Path, rows: int, files: int, seed: int = 7) -> None:
    """``rows`` order lines over 30 days in ``files`` files, one header each."""
    write_drift(landing, rows, files, headers=1, seed=seed)


def write_drift(landing: Path, rows: int, files: int, headers: int, seed: int = 7) -> None:
    """``rows`` order lines in ``files`` files under ``headers`` headers in turn: the first is
    ``LONG_HEADER``, each other one some of its columns dropped (never ``id`` or ``event_ts``)
    and the rest in another order (an export whose columns drift from release to release)."""
    rnd = random.Random(seed)
    layouts = [list(range(len(LONG_HEADER)))]
    keep = {LONG_HEADER.index("id"), LONG_HEADER.index("event_ts")}
    while len(layouts) < headers:
        columns = [i for i in range(len(LONG_HEADER)) if i in keep or rnd.random() < 0.8]
        rnd.shuffle(columns)
        if columns not in layouts:
            layouts.append(columns)
    landing.mkdir(parents=True)
    per_file = -(-rows // files)
    for index in range(files):
        layout = layouts[index % headers]
        with (landing / f"orders_{index:05d}.csv").open("w", newline="") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow([LONG_HEADER[i] for i in layout])
            for row in range(index * per_file, min(rows, (index + 1) * per_file)):
                line = _order_line(rnd, row)
                out.writerow([line[i] for i in layout])


def write_wide(landing: Path, rows: int, width: int, files: int = 4, seed: int = 11) -> None:
    """``rows`` contacts of ``width`` columns in ``files`` files: ``event_ts``, then integer,
    decimal, date, flag and text columns in turn (a fifth of the text cells empty)."""
    rnd = random.Random(seed)
    landing.mkdir(parents=True)
    kinds = ["int", "decimal", "date", "flag", "text"]
    header = ["event_ts", *[f"field_{i:03d}_{kinds[i % 5]}" for i in range(width - 1)]]
    per_file = -(-rows // files)
    for index in range(files):
        with (landing / f"contacts_{index}.csv").open("w", newline="") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(header)
            for _ in range(index * per_file, min(rows, (index + 1) * per_file)):
                at = START + timedelta(seconds=rnd.randrange(30 * 86_400))
                cells: list[object] = [at.strftime("%Y-%m-%d %H:%M:%S")]
                for i in range(width - 1):
                    kind = kinds[i % 5]
                    if kind == "int":
                        cells.append(rnd.randrange(100_000))
                    elif kind == "decimal":
                        cells.append(f"{rnd.randrange(100_000) / 100:.2f}")
                    elif kind == "date":
                        cells.append((at - timedelta(days=rnd.randrange(900))).strftime("%Y-%m-%d"))
                    elif kind == "flag":
                        cells.append(rnd.choice(("Y", "N")))
                    else:
                        cells.append("" if rnd.random() < 0.2 else f"value {rnd.randrange(10_000)}")
                out.writerow(cells)


def run_floor(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    out = work / f"{name}-floor"
    argv = [sys.executable, str(BENCH / "floor_spark.py"), str(landing), str(out), "--csv"]
    seconds, peak, report = measure(
        [*argv, "--state", str(work / f"{name}-floor-state")], env, work / f"{name}-floor.log"
    )
    return Result("floor", seconds, int(report["rows"]), peak, *file_layout(out))  # type: ignore[call-overload]


def run_ours(name: str, landing: Path, work: Path, env: dict[str, str]) -> Result:
    state = work / f"{name}-ours-state"
    # landing.name is the workload's name: the source and its folder are named alike
    config = ingest_config(
        work / f"{name}-ingest.yml", str(landing.parent), landing.name, f"bench.csv_{name}", "csv"
    )
    seconds, peak, rows = ingest_run(
        "ours", config, {**env, "DAP_STATE_DIR": str(state)}, work / f"{name}-ours.log"
    )
    return Result("ours", seconds, rows, peak, *file_layout(state / "warehouse" / "bench.db" / f"csv_{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="long: rows")
    parser.add_argument("--files", type=int, default=20, help="long: files")
    parser.add_argument("--small-rows", type=int, default=500_000, help="small: rows")
    parser.add_argument("--small-files", type=int, default=20_000, help="small: files")
    parser.add_argument("--wide-rows", type=int, default=2_000, help="wide: rows")
    parser.add_argument("--width", type=int, default=600, help="wide: columns")
    parser.add_argument("--drift-rows", type=int, default=100_000, help="drift: rows")
    parser.add_argument("--drift-files", type=int, default=300, help="drift: files")
    parser.add_argument("--drift-headers", type=int, default=30, help="drift: different headers")
    parser.add_argument(
        "--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS), help="these workloads (default: all)"
    )
    parser.add_argument("--work", type=Path, default=BENCH / ".work-csv")
    parser.add_argument(
        "--s3", action="store_true", help="each workload also from the S3 landing into the S3 warehouse"
    )
    args = parser.parse_args()

    env = engine_env()
    if args.s3:
        on_platform = platform_env(env, args.work / "s3-state")
        require_platform(on_platform)
        # The platform driver's class archive, as `make platform-up` makes it (once; not timed).
        subprocess.run([sys.executable, "-m", "ingest.class_archive"], env=on_platform, cwd=ROOT, check=True)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(machine_line())
    print(
        f"long: {args.rows:,} rows x {len(LONG_HEADER)} columns in {args.files:,} files; "
        f"small: {args.small_rows:,} rows in {args.small_files:,} files; "
        f"wide: {args.wide_rows:,} rows x {args.width} columns in 4 files; "
        f"drift: {args.drift_rows:,} rows in {args.drift_files:,} files under {args.drift_headers} headers"
    )
    landings = {name: args.work / "landing" / name for name in args.only}
    writers = {
        "long": lambda landing: write_long(landing, args.rows, args.files),
        "small": lambda landing: write_long(landing, args.small_rows, args.small_files),
        "wide": lambda landing: write_wide(landing, args.wide_rows, args.width),
        "drift": lambda landing: write_drift(landing, args.drift_rows, args.drift_files, args.drift_headers),
    }
    started = time.perf_counter()
    for name, landing in landings.items():
        writers[name](landing)
    print(f"generated in {time.perf_counter() - started:.1f} s")

    ratios: list[str] = []
    s3_ratios: list[str] = []
    for name, landing in landings.items():
        print(f"\n== CSV {name}")
        results = {}
        for engine, run in (("floor", run_floor), ("ours", run_ours)):
            results[engine] = run(name, landing, args.work, env)
            print(results[engine].line(), flush=True)
        if args.s3:
            results["s3"] = run_s3(f"csv_{name}", landing, args.work, env, "csv")
            print(results["s3"].line(), flush=True)
            s3_ratios.append(f"CSV {name} s3/local {results['s3'].seconds / results['ours'].seconds:.2f}")
        if results["floor"].rows != results["ours"].rows:
            print(
                f"  WARNING: the engines wrote different row counts: {results['floor'].rows} and {results['ours'].rows}"
            )
        ratios.append(f"CSV {name} ours/floor {results['ours'].seconds / results['floor'].seconds:.2f}")
    print()
    for line in [*s3_ratios, *ratios]:
        print(line)


if __name__ == "__main__":
    main()

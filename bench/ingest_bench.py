"""Ingest benchmark: plain Spark (the floor) vs ``ingest``, side by side in one process.

Cases:
- ``nested``: N nested JSON-lines events in F files with schema drift points;
- ``small_files``: many tiny files (the small-files problem).
For each case: (a) the floor, ``spark.read.json`` + partitioned Parquet write with no flattening,
naming, typing, DDL, manifest or quarantine; (b) ``ingest`` (the full pipeline, into a table).
Prints rows/s for both, output files per partition, and the ratio ours/floor (wall time).

    python bench/ingest_bench.py                 # the full workload (1M events / 200 files, 20k small files)
    python bench/ingest_bench.py --quick         # 100k events / 50 files, 2k small files
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from workload import write_small_files, write_workload  # noqa: E402

from ingest import pipeline  # noqa: E402
from ingest.config import SourceConfig  # noqa: E402
from ingest.settings import load_settings  # noqa: E402
from ingest.spark_session import build_spark  # noqa: E402

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def files_per_partition(location: Path) -> tuple[int, float, int]:
    if (location / "data").is_dir():  # an Iceberg table: data files under data/<partition>/
        location = location / "data"
    counts = [len(list(p.glob("*.parquet"))) for p in location.glob("event_date=*") if p.is_dir()]
    if not counts:
        return 0, 0.0, 0
    return len(counts), sum(counts) / len(counts), max(counts)


def run_case(spark: SparkSession, name: str, landing: Path, work: Path, ts_field: str) -> dict[str, float]:
    from pyspark.sql import functions as F

    floor_out = work / f"floor_{name}"
    shutil.rmtree(floor_out, ignore_errors=True)
    started = time.perf_counter()
    frame = spark.read.option("recursiveFileLookup", "true").json(str(landing))
    frame = frame.withColumn("event_date", F.to_date(F.col(ts_field)))
    frame.write.partitionBy("event_date").parquet(str(floor_out))
    floor_s = time.perf_counter() - started
    floor_rows = spark.read.parquet(str(floor_out)).count()

    table = f"bench.{name}"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    source = SourceConfig.model_validate(
        {
            "name": name,
            "path": str(landing),
            "table": table,
            "format": "json",
            "partition": {"column": ts_field},
        }
    )
    started = time.perf_counter()
    report = pipeline.run(spark, [source], command="bench")
    ours_s = time.perf_counter() - started
    ours_rows = report.sources[0].rows_written
    warehouse = str(spark.conf.get("spark.sql.warehouse.dir")).removeprefix("file:")
    location = Path(warehouse) / "bench.db" / name

    f_parts, f_avg, f_max = files_per_partition(floor_out)
    o_parts, o_avg, o_max = files_per_partition(location)
    print(f"\n== {name}: {floor_rows:,} rows (floor) / {ours_rows:,} rows (ingest)")
    print(
        f"  floor : {floor_s:8.1f} s  {floor_rows / floor_s:12,.0f} rows/s  files/partition avg {f_avg:.1f} max {f_max} ({f_parts} partitions)"
    )
    print(
        f"  ingest: {ours_s:8.1f} s  {ours_rows / ours_s:12,.0f} rows/s  files/partition avg {o_avg:.1f} max {o_max} ({o_parts} partitions)"
    )
    print(f"  ratio ours/floor (time): {ours_s / floor_s:.2f}")
    return {"floor_s": floor_s, "ours_s": ours_s, "ratio": ours_s / floor_s}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--drift-points", type=int, default=5)
    parser.add_argument("--small-files", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="100k events / 50 files, 2k small files")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--ts-field", default="event_ts")
    args = parser.parse_args()
    if args.quick:
        args.events, args.files, args.small_files = 100_000, 50, 2_000

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"workload: {args.events:,} events in {args.files} files ({args.drift_points} drift points); "
        f"{args.small_files:,} small files"
    )
    nested, small = args.work / "nested", args.work / "small"
    started = time.perf_counter()
    write_workload(nested, events=args.events, files=args.files, drift_points=args.drift_points)
    write_small_files(small, files=args.small_files)
    print(f"generated in {time.perf_counter() - started:.1f} s")

    spark = build_spark(load_settings(state_dir=args.work / "state"), "ingest-bench")
    results = {
        "nested": run_case(spark, "nested", nested, args.work, args.ts_field),
        "small_files": run_case(spark, "small_files", small, args.work, args.ts_field),
    }
    print("\nsummary (ratio = ingest time / floor time; target <= 1.3):")
    for name, result in results.items():
        print(
            f"  {name:12s} floor {result['floor_s']:.1f} s, ingest {result['ours_s']:.1f} s, ratio {result['ratio']:.2f}"
        )
    spark.stop()


if __name__ == "__main__":
    main()

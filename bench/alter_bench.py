"""ALTER TABLE ... ADD COLUMNS on an Iceberg raw table: 10k rows vs 10M rows, side by side.

Iceberg's ADD COLUMNS is a metadata-only commit (a new schema in a new metadata file; no data
file is read or written), so its time must not grow with the table. Both tables are created with
ingest's own DDL (``schema_plan.create_table_sql``), filled with ``spark.range`` rows spread over
30 daily partitions, then each gets ``--repeats`` single-column ALTERs; the median times and their
ratio are printed.

    python bench/alter_bench.py                   # 10,000 vs 10,000,000 rows
    python bench/alter_bench.py --large 1000000   # quicker
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from ingest.schema_plan import INGEST_COLUMNS, PARTITION_COLUMN, add_columns_sql, create_table_sql  # noqa: E402
from ingest.settings import load_settings  # noqa: E402
from ingest.spark_session import build_spark  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "alter")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    spark = build_spark(load_settings(state_dir=args.work / "state"), "alter-bench")
    spark.sql("CREATE DATABASE IF NOT EXISTS bench")
    schema = T.StructType(
        [*INGEST_COLUMNS, T.StructField("value", T.LongType()), T.StructField(PARTITION_COLUMN, T.DateType())]
    )
    medians = {}
    for rows in (args.small, args.large):
        table = f"bench.alter_{rows}"
        spark.sql(create_table_sql(table, schema))
        started = time.perf_counter()
        (
            spark.range(rows)
            .select(
                F.lit("bench").alias("_ingest_run_id"),
                F.lit("generated").alias("_source_file"),
                F.col("id").alias("_source_line"),
                F.current_timestamp().alias("_ingested_at"),
                F.lit(None).cast("string").alias("_rescued_data"),
                F.col("id").alias("value"),
                F.date_add(F.lit("2026-01-01").cast("date"), (F.col("id") % 30).cast("int")).alias(
                    PARTITION_COLUMN
                ),
            )
            .writeTo(table)
            .append()
        )
        print(f"{table}: {rows:,} rows written in {time.perf_counter() - started:.1f} s")
        times = []
        for n in range(args.repeats):
            sql = add_columns_sql(table, [T.StructField(f"added_{n}", T.StringType())])
            started = time.perf_counter()
            spark.sql(sql)
            times.append(time.perf_counter() - started)
        medians[rows] = statistics.median(times)
        print(
            f"  ADD COLUMNS: median {medians[rows] * 1000:.0f} ms over {args.repeats} ({', '.join(f'{t * 1000:.0f}' for t in times)} ms)"
        )
    ratio = medians[args.large] / medians[args.small]
    print(f"ALTER {args.large:,} rows / {args.small:,} rows: {ratio:.2f} (target <= 1.2)")
    spark.stop()


if __name__ == "__main__":
    main()

"""The plain-Spark floor of the ingest benchmark, in its own process (JVM start included).

``spark.read.json`` (schema inference, a second full read), every nested struct leaf selected as a
top-level column (arrays stay as they are), a date column from the event time, and a Parquet write
partitioned by that date. No naming, typing, DDL, commit bookkeeping or quarantine: the least any
JSON-to-partitioned-table job must do. The same Spark settings as ingest (``build_spark``).

    python bench/floor_spark.py LANDING OUT --ts-field event_ts --state STATE
    python bench/floor_spark.py LANDING OUT --csv --state STATE   # CSV: header, inferSchema

For CSV (``bench/csv_bench.py``): ``spark.read.csv`` with ``header`` and ``inferSchema`` (a
second full read, like JSON's inference), the same date column and partitioned write.

Prints one JSON line: {"rows": ..., "seconds": ...}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyspark.sql import Column  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from ingest.settings import load_settings  # noqa: E402
from ingest.spark_session import build_spark  # noqa: E402


def leaf_columns(schema: T.StructType, prefix: tuple[str, ...] = ()) -> list[Column]:
    """Every non-struct leaf as ``a__b__c`` (Spark's own column access, no Python per row)."""
    columns: list[Column] = []
    for field in schema.fields:
        path = (*prefix, field.name)
        if isinstance(field.dataType, T.StructType):
            columns.extend(leaf_columns(field.dataType, path))
        else:
            accessor = F.col(f"`{path[0]}`")
            for part in path[1:]:
                accessor = accessor.getField(part)
            columns.append(accessor.alias("__".join(path)))
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("landing", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--ts-field", default="event_ts")
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--csv", action="store_true", help="CSV files with a header, not JSON lines")
    args = parser.parse_args()
    started = time.perf_counter()
    spark = build_spark(load_settings(state_dir=args.state), "bench-floor")
    reader = spark.read.option("recursiveFileLookup", "true")
    if args.csv:
        frame = reader.option("header", "true").option("inferSchema", "true").csv(str(args.landing))
    else:
        frame = reader.json(str(args.landing))
    flat = frame.select(*leaf_columns(frame.schema), F.to_date(F.col(args.ts_field)).alias("event_date"))
    flat.write.mode("overwrite").partitionBy("event_date").parquet(str(args.out))
    rows = spark.read.parquet(str(args.out)).count()
    spark.stop()
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()

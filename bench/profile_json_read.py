"""Where the JSON read step's time goes: each part of ``ingest.read_json`` timed on its own.

Writes the W1 workload (``bench/workload.py``; ``--events``/``--files`` shrink it), starts one
local Spark session as ``ingest`` does, and runs each part as its own Spark job, forced with the
``noop`` sink (the whole plan runs, nothing is written). The parts after ``records`` read the
cached records, so each line is that part's own cost:

    python bench/profile_json_read.py [--events 200000 --files 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import write_workload  # noqa: E402

from ingest.jvm_functions import may_hold_empty, text_after_first_value  # noqa: E402
from ingest.landing import LandingFile  # noqa: E402
from ingest.read_json import (  # noqa: E402
    _plan_splits,
    find_empty_values,
    infer_json_schema,
    parse_json_records,
    read_json_records,
)
from ingest.settings import load_settings  # noqa: E402
from ingest.spark_session import build_spark  # noqa: E402

Result = TypeVar("Result")


def timed(label: str, work: Callable[[], Result], results: list[tuple[str, float]]) -> Result:
    started = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - started
    results.append((label, seconds))
    print(f"{label:<58} {seconds:7.1f} s", flush=True)
    return value


def run_noop(frame: DataFrame) -> None:
    frame.write.format("noop").mode("overwrite").save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dap-profile-read-"))
    write_workload(work / "landing", events=args.events, files=args.files)
    uris = sorted(str(p) for p in (work / "landing").rglob("*.jsonl"))
    spark = build_spark(load_settings(state_dir=work / "state"), "profile-json-read")
    results: list[tuple[str, float]] = []
    text = spark.read.option("lineSep", "\n").text(uris)
    timed("text scan alone (the floor of any pass)", lambda: run_noop(text), results)
    timed("split plan (a scan + one aggregate + the heads)", lambda: _plan_splits(spark, text.select(
        F.input_file_name().alias("_file_uri"),
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
        "value",
    )), results)  # fmt: skip
    records = timed(
        "records: read (whole, or as lines) into the records cache",
        lambda: (
            read_json_records(spark, [LandingFile(uri, Path(uri).stat().st_size, "") for uri in uris]).frame
        ),
        results,
    )
    timed("cached records, read back", lambda: run_noop(records), results)
    schema = timed(
        "schema inference (Spark's JSON inference)", lambda: infer_json_schema(spark, records), results
    )
    timed("  of which the empty-value candidates' filter", lambda: run_noop(
        records.where(may_hold_empty(F.col("_raw")))
    ), results)  # fmt: skip
    timed("  of which the empty-value scan (Python UDF)", lambda: find_empty_values(records), results)
    parsed = parse_json_records(records, schema, 4)
    timed("parse (from_json) alone", lambda: run_noop(parsed.select("_data")), results)
    timed(
        "trailing-text check alone",
        lambda: run_noop(records.select(text_after_first_value(F.col("_raw")))),
        results,
    )
    timed("parse + every bad-record reason", lambda: run_noop(parsed.select("_data", "_bad_reason")), results)
    total = sum(seconds for _label, seconds in results)
    print(f"{'sum of the parts':<58} {total:7.1f} s  ({args.events:,} events, {args.files} files)")
    spark.stop()


if __name__ == "__main__":
    main()

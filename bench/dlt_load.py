"""dlt's side of the ingest benchmark, run in its own venv (bench/dlt-constraints.txt).

Loads every JSON-lines file under LANDING with dlt's own filesystem source and ``read_jsonl``
into dlt's ``filesystem`` destination as Parquet: dlt infers, flattens nested objects into
``a__b`` columns (lists into child tables) and evolves the schema, as ingest does. Settings are
the best found on this machine (2 normalize workers, rotated writer files), set by the caller's
environment (see bench/ingest_bench.py).

    python bench/dlt_load.py LANDING OUT --table events

Prints one JSON line: {"rows": <rows in the main table>, "seconds": ...}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import dlt
from dlt.sources.filesystem import filesystem, read_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("landing", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--table", default="events")
    args = parser.parse_args()
    started = time.perf_counter()
    files = filesystem(bucket_url=args.landing.resolve().as_uri(), file_glob="**/*.jsonl")
    resource = (files | read_jsonl()).with_name(args.table)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{args.table}",
        pipelines_dir=str(args.out / "_pipelines"),
        destination=dlt.destinations.filesystem(bucket_url=(args.out / "data").resolve().as_uri()),
        dataset_name="bench",
    )
    pipeline.run(resource, loader_file_format="parquet")
    normalized = pipeline.last_trace.last_normalize_info
    rows = normalized.row_counts.get(args.table, 0) if normalized else 0
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()

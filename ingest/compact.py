"""``ingest compact``: rewrite each partition with many small files into a few, same rows.

Each partition is rewritten into a temporary dir, then swapped in (new files moved in, old files
deleted) and the table refreshed. Rows are counted before and after and must match.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ingest.commit import staging_root, table_location
from ingest.errors import ConfigError
from ingest.naming import quote_table
from ingest.schema_plan import PARTITION_COLUMN
from ingest.storage import Storage

log = logging.getLogger(__name__)


def compact_table(spark: SparkSession, table: str, max_files: int = 1) -> dict[str, Any]:
    if not spark.catalog.tableExists(table):
        raise ConfigError(f"table not found: {table}", hint="see `ingest status` for the tables")
    storage = Storage(spark)
    location = table_location(spark, table)
    frame = spark.table(quote_table(table))
    rows_before = frame.count()
    files_before = files_after = compacted = 0
    for part in storage.list(location):
        if not part.is_dir or not part.name.startswith(f"{PARTITION_COLUMN}="):
            continue
        data_files = [f for f in storage.list(part.path) if f.name.endswith(".parquet")]
        files_before += len(data_files)
        if len(data_files) <= max_files:
            files_after += len(data_files)
            continue
        scratch = f"{staging_root(spark)}/compact-{uuid.uuid4().hex[:8]}"
        spark.read.parquet(*[f.path for f in data_files]).coalesce(max_files).write.parquet(scratch)
        fresh = [f for f in storage.list(scratch) if f.name.endswith(".parquet")]
        tag = uuid.uuid4().hex[:8]
        for f in fresh:
            storage.move(f.path, f"{part.path}/compacted-{tag}-{f.name}")
        for f in data_files:
            storage.delete(f.path)
        storage.delete(scratch)
        files_after += len(fresh)
        compacted += 1
    spark.sql(f"REFRESH TABLE {quote_table(table)}")
    rows_after = spark.table(quote_table(table)).agg(F.count("*")).first()[0]  # type: ignore[index]
    if rows_after != rows_before:
        raise RuntimeError(f"compaction changed the row count of {table}: {rows_before} -> {rows_after}")
    return {
        "table": table,
        "partitions_compacted": compacted,
        "files_before": files_before,
        "files_after": files_after,
        "rows": rows_after,
    }

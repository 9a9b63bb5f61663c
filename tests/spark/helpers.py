"""Helpers for Spark integration tests: run the pipeline in-process on ad-hoc sources."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest import pipeline
from ingest.config import IngestConfig


def ingest(spark: Any, path: Path | str, table: str, fmt: str = "json", **options: Any) -> pipeline.RunReport:
    """Ingest ``path`` (file, dir or glob) into ``table`` like ``ingest load`` does."""
    source = IngestConfig(
        sources=[{"name": table.split(".")[-1], "path": str(path), "table": table, "format": fmt, **options}]
    ).sources[0]
    report = pipeline.run(spark, [source], command="test")
    assert report.ok, [s.error for s in report.sources]
    return report


@contextmanager
def splits_of(spark: Any, size: int | None) -> Iterator[None]:
    """Read files in splits of ``size`` bytes (``None``: as configured). A file larger than a
    split is read as a stream of lines, across tasks (``ingest.read_json``); a smaller one whole."""
    if size is None:
        yield
        return
    old = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(size))
    try:
        yield
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", old)


# The two ways JSON files are read: whole (small files, the usual case) and as lines (a file
# larger than a split; 16-byte splits make every test file but the tiniest one such a file).
READ_PATHS = {"whole": None, "as_lines": 16}


def rows(spark: Any, table: str, order_by: str = "_source_file, _source_line") -> list[dict[str, Any]]:
    return [r.asDict() for r in spark.sql(f"select * from {table} order by {order_by}").collect()]


def columns(spark: Any, table: str) -> dict[str, str]:
    return {f.name: f.dataType.simpleString() for f in spark.table(table).schema.fields}

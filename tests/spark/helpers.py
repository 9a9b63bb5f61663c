"""Helpers for Spark integration tests: run the pipeline in-process on ad-hoc sources."""

from __future__ import annotations

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


def rows(spark: Any, table: str, order_by: str = "_source_file, _source_line") -> list[dict[str, Any]]:
    return [r.asDict() for r in spark.sql(f"select * from {table} order by {order_by}").collect()]


def columns(spark: Any, table: str) -> dict[str, str]:
    return {f.name: f.dataType.simpleString() for f in spark.table(table).schema.fields}

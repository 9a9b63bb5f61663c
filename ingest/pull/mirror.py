"""``ingest_meta.pulls``: the pull journals (``ingest.pull.landing_writer``) as a table.

One row per landed file, with the REST cursor after each page, so the pull history is queryable
with SQL beside ``ingest_meta.files``. The journals are authoritative (they are written before
each file's rename, in the landing zone, without Spark); ``ingest run`` appends the rows the table
lacks, so a pull that ran without Spark (``ingest pull``), or crashed after its rename, is
recorded by the next run and never fetched again.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ingest import meta
from ingest.config import SourceConfig
from ingest.pull.landing_writer import PullRecord, target_for


def pull_row(record: PullRecord, uri: str) -> dict[str, Any]:
    row = asdict(record)
    row.pop("tag")
    row["landed_file"] = uri
    row.pop("landed")
    row["pulled_at"] = datetime.fromisoformat(record.pulled_at).replace(tzinfo=None)
    return row


def mirror_pulls(spark: SparkSession, sources: list[SourceConfig], work_dir: Path) -> int:
    """Append the landed files the table lacks; returns how many rows were added."""
    rows = []
    for source in sources:
        if source.pull is None or not isinstance(source.path, str):
            continue
        target = target_for(source.name, source.path, work_dir)
        committed = target.committed()
        if not committed:
            continue
        known = {
            r.landed_file
            for r in spark.table(meta.table("pulls"))
            .where(F.col("source") == source.name)
            .select("landed_file")
            .collect()
        }
        rows += [
            pull_row(r, target.uri(r.landed)) for r in committed.values() if target.uri(r.landed) not in known
        ]
    meta.append(spark, "pulls", rows)
    return len(rows)

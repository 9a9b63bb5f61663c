"""Exactly-once commit protocol: stage, commit, publish; recover after a crash.

A run writes everything it produces (table rows, quarantined records) under
``<warehouse>/_ingest_staging/<run_id>/``, invisible to readers. Then:

1. **commit**: one append to ``ingest_meta.files`` (a single file: atomic) lists every file of
   the run. This is the only commit point. Before it, the run never happened; after it, the run
   must become visible.
2. **publish**: move each staged Parquet file into its table partition (file names carry the run
   id), register new partitions, refresh, delete the staging dir, log ``published``.

Every step of publish is idempotent, so a crash at any point is repaired by the next run's
``recover``: a staged run that is committed is published again (moves skip files already moved);
a staged run that is not committed is deleted and logged ``aborted``, and its files are still new,
so the next run reads them again. Data and manifest can therefore never disagree.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import SparkSession

from ingest import meta
from ingest.naming import quote_table
from ingest.schema_plan import PARTITION_COLUMN
from ingest.storage import Storage
from ingest.transform import OUTCOME

log = logging.getLogger(__name__)

STAGING_DIR = "_ingest_staging"
_PARTITION = re.compile(rf"^{PARTITION_COLUMN}=(\d{{4}}-\d{{2}}-\d{{2}})$")


@dataclass(frozen=True)
class RecoveryReport:
    published: list[str]
    aborted: list[str]


def staging_root(spark: SparkSession) -> str:
    return spark.conf.get("spark.sql.warehouse.dir").rstrip("/") + "/" + STAGING_DIR  # type: ignore[union-attr]


def run_dir(spark: SparkSession, run_id: str) -> str:
    return f"{staging_root(spark)}/{run_id}"


def table_location(spark: SparkSession, table: str) -> str:
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {quote_table(table)}").collect()
    for row in rows:
        if row.col_name == "Location":
            return str(row.data_type).rstrip("/")
    raise RuntimeError(f"no location for table {table}")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def log_run(spark: SparkSession, run_id: str, command: str, status: str, detail: object = None) -> None:
    meta.append(
        spark,
        "runs",
        [
            {
                "run_id": run_id,
                "command": command,
                "status": status,
                "event_at": now(),
                "detail": json.dumps(detail, default=str) if detail is not None else None,
            }
        ],
    )


def publish(spark: SparkSession, run_id: str, fault: FaultPoint | None = None) -> None:
    """Make a committed run's staged output visible (idempotent)."""
    storage = Storage(spark)
    base = run_dir(spark, run_id)
    for table_dir in storage.list(f"{base}/tables"):
        table = table_dir.name
        location = table_location(spark, table)
        dates: list[str] = []
        for partition_dir in storage.list(f"{table_dir.path}/{OUTCOME}=ok"):
            match = _PARTITION.match(partition_dir.name)
            if not match:
                continue
            dates.append(match.group(1))
            for data_file in storage.list(partition_dir.path):
                if data_file.is_dir or not data_file.name.endswith(".parquet"):
                    continue
                storage.move(data_file.path, f"{location}/{partition_dir.name}/{run_id}-{data_file.name}")
                if fault:
                    fault.hit("publish_file")
        if dates:
            specs = " ".join(f"PARTITION (`{PARTITION_COLUMN}` = DATE'{d}')" for d in sorted(set(dates)))
            spark.sql(f"ALTER TABLE {quote_table(table)} ADD IF NOT EXISTS {specs}")
        spark.sql(f"REFRESH TABLE {quote_table(table)}")
    quarantine_location = table_location(spark, meta.table("quarantine"))
    for staged in storage.list(f"{base}/quarantine"):
        if staged.name.endswith(".parquet"):
            storage.move(staged.path, f"{quarantine_location}/{run_id}-{staged.name}")
    spark.sql(f"REFRESH TABLE {meta.table('quarantine')}")
    storage.delete(base)
    log_run(spark, run_id, "publish", "published")


def recover(spark: SparkSession) -> RecoveryReport:
    """Finish or roll back every run a crash left in staging."""
    storage = Storage(spark)
    staged = [e.name for e in storage.list(staging_root(spark)) if e.is_dir]
    if not staged:
        return RecoveryReport([], [])
    committed = meta.committed_runs(spark)
    published, aborted = [], []
    for run_id in staged:
        if run_id in committed:
            log.warning("run %s was committed but not published: publishing it now", run_id)
            publish(spark, run_id)
            published.append(run_id)
        else:
            log.warning("run %s stopped before its commit: discarding its staged output", run_id)
            storage.delete(run_dir(spark, run_id))
            log_run(spark, run_id, "recover", "aborted")
            aborted.append(run_id)
    return RecoveryReport(published, aborted)


class FaultPoint:
    """Test hook: ``DAP_FAULT=<point>`` kills the process (SIGKILL) when it reaches ``point``.

    Used by the fault-injection tests to prove the protocol at every step; inert otherwise.
    """

    def __init__(self, target: str | None) -> None:
        self.target = target

    def hit(self, point: str) -> None:
        if self.target == point:
            import os
            import signal

            log.warning("fault injection: killing the process at %s", point)
            os.kill(os.getpid(), signal.SIGKILL)

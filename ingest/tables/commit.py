"""Exactly once through the table's own commit.

A run appends a source's rows to each of its tables in **one Iceberg commit per (run, table)**.
The commit's snapshot summary carries the run id and the list of landing files whose rows it
adds (``dap.files``: path, size, fingerprint and per-file counts), so the data and the record of
which files it came from become visible in the same atomic metadata swap. Consequences:

- A crash before a table's commit leaves nothing in that table (Iceberg writes data files to
  their final keys, invisible until the commit references them; there is no staging, no move, no
  copy on S3). A crash after it leaves the whole commit.
- "Which files are in this table?" is answered by the table itself: the ``dap.files`` of its
  snapshots, plus ``ingest_meta.files`` for snapshots a user has since expired. A file listed
  there is never appended to that table again; a rerun after a crash between a source's commits
  (child tables, quarantine, then the main table) appends to each table only the files it lacks.
- Two processes over the same new files serialise the check and the append with a metastore lock
  per table (``ingest.tables.lock``); the second sees the first's commit and skips those files.

``ingest_meta.files`` is a queryable mirror written after the main table's commit; a run repairs
it from the snapshot summaries when a crash left it behind. The snapshot summary is authoritative
because it is atomic with the data; the mirror is for people and for history that outlives
``expire_snapshots``.

Streaming (``ingest stream``) commits one micro-batch per table the same way, and its summary
also carries the micro-batch's key (``dap.stream-batch``: query id and batch id). Before a
micro-batch's commit the table's summaries are checked for that key under the same lock: a batch
Spark replays after a crash between the table commit and its checkpoint commit adds nothing. A
Kafka micro-batch has no landing files: its topic partitions (offset ranges and per-partition
counts) go to ``dap.kafka-offsets`` instead of ``dap.files``, so they never count as files (the
manifest ``ingest_meta.files`` still gets a row per partition and micro-batch, for readers).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.naming import quote_table
from ingest.storage import jvm
from ingest.tables.catalog import require_iceberg_table
from ingest.tables.lock import commit_lock

log = logging.getLogger(__name__)

RUN_KEY = "dap.run-id"
FILES_KEY = "dap.files"
FOR_TABLE_KEY = "dap.for-table"  # the source table a shared table's (quarantine) commit is for
ROLLED_BACK_KEY = "dap.rolled-back-run"  # a commit that deleted one run's rows (ingest rollback)
STREAM_BATCH_KEY = "dap.stream-batch"  # "<query id>/<batch id>" of a streaming micro-batch
OFFSETS_KEY = "dap.kafka-offsets"  # a Kafka micro-batch's partitions (FileEntry per topic partition)

FileStatus = Literal["ingested", "empty", "unreadable"]


class FileEntry(NamedTuple):
    """One landing file as a commit records it."""

    uri: str
    size: int
    fingerprint: str
    rows_read: int
    rows_written: int
    rows_quarantined: int
    status: FileStatus


class StreamBatch(NamedTuple):
    """The key of one streaming micro-batch: Spark replays a batch under the same key."""

    query_id: str  # the streaming query's id, kept in its checkpoint (stable across restarts)
    batch_id: int
    landing_files: bool  # file source: the entries are landing files; Kafka: topic partitions
    attempt: int = 0  # a file-stream batch reads files that changed while it read them again

    @property
    def key(self) -> str:
        suffix = f".{self.attempt}" if self.attempt else ""
        return f"{self.query_id}/{self.batch_id}{suffix}"


class CommittedFile(NamedTuple):
    entry: FileEntry
    run_id: str
    committed_at: datetime | None


def encode_files(entries: Iterable[FileEntry]) -> str:
    """gzip + base64 JSON: a summary value stays small for thousands of files."""
    payload = json.dumps([list(e) for e in entries], separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(payload, mtime=0)).decode("ascii")


def decode_files(value: str) -> list[FileEntry]:
    return [FileEntry(*item) for item in json.loads(gzip.decompress(base64.b64decode(value)))]


def table_exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(table))


def current_summaries(spark: SparkSession, table: str) -> list[tuple[datetime, dict[str, str]]]:
    """(committed_at, summary) of the snapshots in the table's current lineage, oldest first.

    A snapshot undone by ``rollback_to_snapshot`` is not an ancestor of the current one, so its
    files no longer count as in the table.
    """
    return lineage_summaries(table_metadata(spark, table))


def table_metadata(spark: SparkSession, table: str) -> dict[str, Any]:
    """The table's current Iceberg metadata (the metadata file's JSON), refreshed from the catalog.

    Read in the driver's JVM, in one call: a query of the ``snapshots`` and ``history`` metadata
    tables is a Spark job, and a run checks its tables' commits several times per source (about
    0.7 s a query against 0.03 s, measured on a small table; bench/RESULTS.md).
    """
    name = quote_table(table)
    spark.sql(f"REFRESH TABLE {name}")  # the catalog caches tables: another process may have committed
    java = jvm(spark).org.apache.iceberg
    try:
        loaded = java.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, name)
    except (Py4JJavaError, PySparkException):
        # A dbt view or a Parquet table where ingest expects its Iceberg table: a ConfigError
        # saying so. Checked here, when loading fails, not before every load (50-115 ms each).
        require_iceberg_table(spark, table)
        raise
    text = java.TableMetadataParser.toJson(loaded.operations().current())
    return json.loads(text)  # type: ignore[no-any-return]


def lineage_summaries(metadata: dict[str, Any]) -> list[tuple[datetime, dict[str, str]]]:
    """(committed_at, summary) of the current snapshot and its ancestors, oldest first."""
    by_id = {s["snapshot-id"]: s for s in metadata.get("snapshots", [])}
    lineage = []
    snapshot_id = metadata.get("current-snapshot-id")
    while snapshot_id in by_id:
        snapshot = by_id.pop(snapshot_id)  # popped: a malformed cycle cannot loop
        lineage.append(snapshot)
        snapshot_id = snapshot.get("parent-snapshot-id")
    return [
        (
            datetime.fromtimestamp(s["timestamp-ms"] / 1000, UTC).replace(tzinfo=None),
            {k: v for k, v in s.get("summary", {}).items() if k != "operation"},  # as Snapshot.summary()
        )
        for s in reversed(lineage)
    ]


def rolled_back_runs(summaries: list[tuple[datetime, dict[str, str]]]) -> set[str]:
    return {s[ROLLED_BACK_KEY] for _at, s in summaries if ROLLED_BACK_KEY in s}


def committed_in_table(
    spark: SparkSession, table: str, for_table: str | None = None
) -> dict[str, CommittedFile]:
    """file uri -> its commit, from the table's current lineage (oldest commit wins)."""
    if not table_exists(spark, table):
        return {}
    return files_in_summaries(current_summaries(spark, table), for_table)


def files_in_summaries(
    summaries: list[tuple[datetime, dict[str, str]]], for_table: str | None = None
) -> dict[str, CommittedFile]:
    """The files the given snapshot summaries commit, leaving out rolled-back runs."""
    undone = rolled_back_runs(summaries)
    found: dict[str, CommittedFile] = {}
    for committed_at, summary in summaries:
        run_id = summary.get(RUN_KEY, "")
        if FILES_KEY not in summary or run_id in undone:
            continue
        if for_table is not None and summary.get(FOR_TABLE_KEY) != for_table:
            continue
        for entry in decode_files(summary[FILES_KEY]):
            found.setdefault(entry.uri, CommittedFile(entry, run_id, committed_at))
    return found


def batch_committed(
    summaries: list[tuple[datetime, dict[str, str]]], batch: StreamBatch, for_table: str | None = None
) -> bool:
    """Does a snapshot in ``summaries`` carry ``batch``'s key (for ``for_table``, on a shared table)?"""
    undone = rolled_back_runs(summaries)
    return any(
        summary.get(STREAM_BATCH_KEY) == batch.key
        and summary.get(RUN_KEY, "") not in undone
        and (for_table is None or summary.get(FOR_TABLE_KEY) == for_table)
        for _at, summary in summaries
    )


def append(
    spark: SparkSession,
    table: str,
    rows: DataFrame,
    *,
    run_id: str,
    files: list[FileEntry],
    for_table: str | None = None,
    fanout: bool = False,
    batch: StreamBatch | None = None,
) -> list[FileEntry]:
    """Append ``rows`` (with ``_source_file``) for ``files`` not yet in ``table``: one commit.

    Returns the entries actually committed (a concurrent run may have committed some first).
    ``rows`` must hold rows of the listed files only; rows of files the table already holds
    are dropped here, under the lock. With ``batch`` (a streaming micro-batch), nothing is
    appended when a snapshot of the table already carries the batch's key; a Kafka batch's
    entries are its topic partitions, recorded but not checked as files.
    """
    source_column = "file_uri" if for_table is not None else "_source_file"
    with commit_lock(spark, table):
        summaries = current_summaries(spark, table) if table_exists(spark, table) else []
        # A Kafka batch is known by its key. A file batch is checked file by file instead: a
        # replay must still commit files an earlier attempt left waiting (they changed while read).
        if batch is not None and not batch.landing_files and batch_committed(summaries, batch, for_table):
            log.warning("%s already holds micro-batch %s; not appended again", table, batch.key)
            return []
        by_file = batch is None or batch.landing_files
        present = files_in_summaries(summaries, for_table) if by_file else {}
        todo = [f for f in files if f.uri not in present]
        skipped = sorted({f.uri for f in files} - {f.uri for f in todo})
        if skipped:
            log.warning("%s already holds %d of this run's files; appending the others", table, len(skipped))
        if not todo:
            return []
        selected = rows.where(~F.col(source_column).isin(skipped)) if skipped else rows
        writing = selected.sparkSession
        if not writing._jsparkSession.equals(spark._jsparkSession):
            # Rows of a streaming micro-batch belong to the query's own session, whose catalog
            # caches the table: without a refresh it would not see columns added since.
            writing.catalog.refreshTable(quote_table(table))
        writer = (
            selected.writeTo(quote_table(table))
            .option(f"snapshot-property.{RUN_KEY}", run_id)
            .option(f"snapshot-property.{FILES_KEY if by_file else OFFSETS_KEY}", encode_files(todo))
        )
        if batch is not None:
            writer = writer.option(f"snapshot-property.{STREAM_BATCH_KEY}", batch.key)
        if for_table is not None:
            writer = writer.option(f"snapshot-property.{FOR_TABLE_KEY}", for_table)
        if fanout:
            writer = writer.option("distribution-mode", "none").option("fanout-enabled", "true")
        writer.append()
    return todo

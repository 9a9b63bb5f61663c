"""The ``ingest_meta`` tables: the run log, the file manifest, schema changes, column map, quarantine.

All are Iceberg tables: every append is one atomic commit, and concurrent appends from several
processes retry rather than collide. ``quarantine`` is written with the exactly-once commit of
``ingest.tables.commit``; ``files`` mirrors the raw tables' commits (see there for which record
is authoritative). Readers dedupe where a crash can leave a repeated row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest import casts
from ingest.config import BOOKKEEPING_DB
from ingest.local_rows import local_frame
from ingest.naming import Path, quote_table
from ingest.tables.catalog import table_properties
from ingest.tables.commit import (
    CommittedFile,
    FileEntry,
    current_summaries,
    files_in_summaries,
    rolled_back_runs,
    table_exists,
)

META_DB = BOOKKEEPING_DB

S = T.StringType()
L = T.LongType()
TS = T.TimestampType()

SCHEMAS: dict[str, T.StructType] = {
    "runs": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("command", S),
            T.StructField("status", S),  # RunStatus
            T.StructField("event_at", TS),
            T.StructField("detail", S),  # JSON: report or error
        ]
    ),
    "files": T.StructType(
        [
            T.StructField("file_uri", S),
            T.StructField("size", L),
            T.StructField("fingerprint", S),
            T.StructField("source", S),
            T.StructField("table_name", S),
            T.StructField("run_id", S),
            T.StructField("rows_read", L),
            T.StructField("rows_written", L),
            T.StructField("rows_quarantined", L),
            T.StructField("status", S),  # FileStatus (ingest.tables.commit)
            T.StructField("committed_at", TS),
        ]
    ),
    "schema_changes": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("table_name", S),
            T.StructField("column_name", S),
            T.StructField("data_type", S),
            T.StructField("change", S),  # create_table | add_column | widen_column | drop_column
            T.StructField("original_path", S),
            T.StructField("ddl", S),
            T.StructField("source_file", S),
            T.StructField("changed_at", TS),
        ]
    ),
    "column_map": T.StructType(
        [
            T.StructField("table_name", S),
            T.StructField("column_name", S),
            T.StructField("original_path", S),
            T.StructField("path_json", S),  # the key path as a JSON array: exact and reversible
            T.StructField("data_type", S),
            T.StructField("first_run_id", S),
            T.StructField("first_source_file", S),
            T.StructField("first_seen_at", TS),
        ]
    ),
    "quarantine": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("source", S),
            T.StructField("table_name", S),
            T.StructField("file_uri", S),
            T.StructField("line", L),
            T.StructField("raw", S),
            T.StructField("reason", S),
            T.StructField("quarantined_at", TS),
        ]
    ),
    "pulls": T.StructType(  # a mirror of the pull journals: see ingest.pull.mirror
        [
            T.StructField("source", S),
            T.StructField("kind", S),
            T.StructField("remote", S),
            T.StructField("size", L),
            T.StructField("version", S),
            T.StructField("landed_file", S),
            T.StructField("pulled_at", TS),
            T.StructField("records", L),
            T.StructField("cursor", S),
            T.StructField("seq", L),
        ]
    ),
}

RunStatus = Literal["started", "succeeded", "failed", "noop", "rolled_back", "compacted"]
RAW_LIMIT = 8192  # characters of a bad record kept in quarantine


def table(name: str) -> str:
    return f"{META_DB}.{name}"


def ensure_meta_tables(spark: SparkSession) -> None:
    """Create the ``ingest_meta`` database and those of its tables that do not exist yet.

    Every run calls it; when all exist (every run but a state's first) one catalog listing
    answers, not a ``CREATE ... IF NOT EXISTS`` per table (each loads the Iceberg table:
    0.12-0.23 s for the six in a warm session, the listing 0.01 s).
    """
    existing = _meta_tables(spark)
    if existing >= set(SCHEMAS):
        return
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {META_DB}")
    for name, schema in SCHEMAS.items():
        if name in existing:
            continue
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)
        exact = [c for c in ("run_id", "table_name") if c in schema.fieldNames()]
        properties = ", ".join(f"'{k}' = '{v}'" for k, v in table_properties(*exact).items())
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {quote_table(table(name))} ({columns}) USING iceberg "
            f"TBLPROPERTIES ({properties})"
        )


def _meta_tables(spark: SparkSession) -> set[str]:
    """The names of the tables in ``ingest_meta`` (none if it does not exist): one metastore call."""
    catalog = spark._jsparkSession.sessionState().catalog()
    if not catalog.databaseExists(META_DB):
        return set()
    names = catalog.listTables(META_DB, "*", False)  # False: not the session's temporary views
    return {names.apply(i).table() for i in range(names.size())}


def append(spark: SparkSession, name: str, rows: list[dict[str, Any]] | DataFrame) -> None:
    """Append rows in one Iceberg commit."""
    if isinstance(rows, list) and not rows:
        return
    schema = SCHEMAS[name]
    if isinstance(rows, DataFrame):
        frame = rows.select(*[casts.cast(F.col(f.name), f.dataType) for f in schema.fields])
    else:
        frame = local_frame(spark, rows, schema)  # typed by the schema already
    frame.coalesce(1).writeTo(table(name)).append()


def _nulls_first(at: datetime | None) -> tuple[bool, datetime]:
    """A sort key that orders like Spark's ascending sort: nulls first."""
    return (at is not None, at or datetime.min)


def now() -> datetime:
    """UTC wall clock without a zone (Spark's session time zone is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def log_run(spark: SparkSession, run_id: str, command: str, status: RunStatus, detail: object = None) -> None:
    append(
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


def mirrored_files(spark: SparkSession, table_name: str) -> dict[str, CommittedFile]:
    """file uri -> its commit, as ``ingest_meta.files`` records it for ``table_name``."""
    rows = spark.table(table("files")).where(F.col("table_name") == table_name).collect()
    found: dict[str, CommittedFile] = {}
    for r in sorted(rows, key=lambda r: _nulls_first(r.committed_at)):  # the driver sorts: no shuffle jobs
        entry = FileEntry(
            r.file_uri, r.size, r.fingerprint, r.rows_read, r.rows_written, r.rows_quarantined, r.status
        )
        found.setdefault(r.file_uri, CommittedFile(entry, r.run_id, r.committed_at))
    return found


def run_mirrored(spark: SparkSession, table_name: str, run_id: str) -> bool:
    """Does ``ingest_meta.files`` hold rows of ``run_id`` for ``table_name``?"""
    rows = spark.table(table("files")).where(
        (F.col("table_name") == table_name) & (F.col("run_id") == run_id)
    )
    return bool(rows.limit(1).count())


def file_rows(source: str, table_name: str, files: dict[str, CommittedFile]) -> list[dict[str, Any]]:
    """``ingest_meta.files`` rows for committed files."""
    return [
        {
            "file_uri": c.entry.uri,
            "size": c.entry.size,
            "fingerprint": c.entry.fingerprint,
            "source": source,
            "table_name": table_name,
            "run_id": c.run_id,
            "rows_read": c.entry.rows_read,
            "rows_written": c.entry.rows_written,
            "rows_quarantined": c.entry.rows_quarantined,
            "status": c.entry.status,
            "committed_at": c.committed_at,
        }
        for c in files.values()
    ]


@dataclass
class PendingManifest:
    """A batch run's ``ingest_meta.files`` rows, written in one append (one Iceberg commit) when
    the run ends rather than one per source.

    Deferring is safe: a table's snapshot summaries are the authoritative record of its files, and
    the next run repairs the mirror from them if this process dies first (``committed_files``).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows += rows

    def holds(self, table_name: str) -> bool:
        return any(row["table_name"] == table_name for row in self.rows)

    def write(self, spark: SparkSession) -> None:
        """Append the rows, but none that another run's repair has mirrored in the meantime (a
        concurrent run reads this run's commits from the snapshots and mirrors them itself)."""
        if not self.rows:
            return
        key = F.struct("table_name", "file_uri", "run_id")
        wanted = {(r["table_name"], r["file_uri"], r["run_id"]) for r in self.rows}
        tables, runs = sorted({k[0] for k in wanted}), sorted({k[2] for k in wanted})
        present = {
            tuple(row["key"])
            for row in spark.table(table("files"))
            .where(F.col("table_name").isin(tables) & F.col("run_id").isin(runs))
            .select(key.alias("key"))
            .collect()
        }
        append(
            spark,
            "files",
            [r for r in self.rows if (r["table_name"], r["file_uri"], r["run_id"]) not in present],
        )
        self.rows = []


def committed_files(
    spark: SparkSession, source: str, table_name: str, *, repair: bool = True
) -> dict[str, CommittedFile]:
    """Every file committed to ``table_name``: its snapshots' summaries and the mirror.

    With ``repair``, adds to the mirror any commit a crash left out of it (the summaries are
    authoritative); ``ingest plan`` reads without writing.
    """
    summaries = current_summaries(spark, table_name) if table_exists(spark, table_name) else []
    in_table = files_in_summaries(summaries)
    undone = rolled_back_runs(summaries)
    mirrored = {uri: c for uri, c in mirrored_files(spark, table_name).items() if c.run_id not in undone}
    missing = {uri: c for uri, c in in_table.items() if uri not in mirrored}
    if missing and repair:
        append(spark, "files", file_rows(source, table_name, missing))
    return {**in_table, **mirrored}


def column_maps(spark: SparkSession, table_names: list[str]) -> dict[str, dict[Path, str]]:
    """Per table: original key path -> column, first mapping wins (a crash can repeat a row).

    One query for a source's main and child tables.
    """
    rows = (
        spark.table(table("column_map"))
        .where(F.col("table_name").isin(table_names))
        .select("table_name", "path_json", "column_name", "first_seen_at")
        .collect()
    )
    mappings: dict[str, dict[Path, str]] = {name: {} for name in table_names}
    for row in sorted(rows, key=lambda r: (_nulls_first(r.first_seen_at), r.column_name)):
        mappings[row.table_name].setdefault(tuple(json.loads(row.path_json)), row.column_name)
    return mappings


def logged_changes(spark: SparkSession, table_names: list[str]) -> set[tuple[str, str, str, str]]:
    """(table, column, change, data type) already logged: a column may widen more than once.
    Not those before the column's last drop (``ingest rollback``): added again, it is logged again."""
    rows = (
        spark.table(table("schema_changes"))
        .where(F.col("table_name").isin(table_names))
        .select("table_name", "column_name", "change", "data_type", "changed_at")
        .collect()
    )
    dropped: dict[tuple[str, str], datetime] = {}
    for r in rows:
        if r.change == "drop_column":
            key = (r.table_name, r.column_name)
            dropped[key] = max(r.changed_at, dropped.get(key, r.changed_at))
    return {
        (r.table_name, r.column_name, r.change, r.data_type)
        for r in rows
        if (r.table_name, r.column_name) not in dropped
        or r.changed_at > dropped[(r.table_name, r.column_name)]
    }


def last_changes(spark: SparkSession, table_name: str) -> dict[str, str]:
    """Each column's latest logged schema change in ``table_name`` (``drop_column``: dropped)."""
    rows = (
        spark.table(table("schema_changes"))
        .where(F.col("table_name") == table_name)
        .select("column_name", "change", "changed_at")
        .collect()
    )
    latest: dict[str, tuple[datetime, str]] = {}
    for r in rows:
        if r.column_name and (r.column_name not in latest or r.changed_at >= latest[r.column_name][0]):
            latest[r.column_name] = (r.changed_at, r.change)
    return {column: change for column, (_at, change) in latest.items()}

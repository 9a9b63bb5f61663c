"""``ingest compact``: Iceberg's own maintenance, with a check that compares values.

- ``rewrite_data_files`` bin-packs small files into larger ones in one commit that replaces the
  old files: readers see the old or the new set, never both; a process killed mid-rewrite
  leaves the table as it was (the new files are orphans until ``remove_orphan_files``); it
  conflicts with, and retries around, a concurrent ingest commit instead of losing it.
- ``expire_snapshots`` drops snapshots older than the retention the user sets (and the files
  only they reference); ``remove_orphan_files`` deletes files no snapshot references, older than
  the same retention but at least 24 hours (``ORPHAN_MIN_AGE``), so a write still in flight is
  never touched.

Before and after, the table's rows are counted and hashed value by value (every column): a
rewrite that changed any value fails the command. Before expiring, the ingest manifest mirror is
brought up to date from the snapshots, so which files are in survives their expiry.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ingest import meta
from ingest.errors import ConfigError, StateError
from ingest.naming import quote_identifier, quote_string, quote_table
from ingest.tables.catalog import require_iceberg_table

log = logging.getLogger(__name__)
CATALOG = "spark_catalog"
# Iceberg's remove_orphan_files refuses an older_than within the last 24 hours: a file that young
# may belong to a write still in flight (another ingest, a compaction), not yet committed.
ORPHAN_MIN_AGE = timedelta(hours=24)
# expire_snapshots' retain_last is a Java int.
MAX_RETAIN_LAST = 2_147_483_647


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: int  # sum of a 64-bit hash of each row's values: independent of row order


@dataclass(frozen=True)
class CompactionReport:
    table: str
    files_before: int
    files_after: int
    rewritten_files: int
    added_files: int
    snapshots_expired: int
    orphan_files_removed: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fingerprint(spark: SparkSession, table: str) -> TableFingerprint:
    frame = spark.table(quote_table(table))
    # JSON of the whole row keys each value by its column: a value moved to another column, or
    # turned into NULL, changes the hash.
    row_hash = F.xxhash64(F.to_json(F.struct(*[F.col(quote_identifier(c)) for c in frame.columns])))
    result = frame.agg(F.count(F.lit(1)).alias("n"), F.sum(row_hash.cast("decimal(38,0)")).alias("h")).first()
    assert result is not None
    return TableFingerprint(int(result["n"]), int(result["h"] or 0))


def data_file_count(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"SELECT count(*) AS n FROM {quote_table(table)}.files").first()["n"])  # type: ignore[index]


def _call(spark: SparkSession, procedure: str, **args: str) -> dict[str, Any]:
    named = ", ".join(f"{name} => {value}" for name, value in args.items())
    row = spark.sql(f"CALL {CATALOG}.system.{procedure}({named})").first()
    return row.asDict() if row else {}


def _repair_manifest(spark: SparkSession, table: str) -> None:
    source_rows = (
        spark.table(meta.table("files")).where(F.col("table_name") == table).select("source").limit(1)
    )
    found = source_rows.collect()
    meta.committed_files(spark, found[0].source if found else table, table)


def expiry_cutoff(now: datetime, older_than: timedelta) -> str:
    """``now - older_than`` as the text of a ``TIMESTAMP`` literal (snapshots and orphan files
    older than it go); a retention that reaches before year 1 is a ConfigError."""
    try:
        return (now - older_than).strftime("%Y-%m-%d %H:%M:%S")
    except OverflowError:
        raise ConfigError(
            f"--expire-older-than: {older_than.days} days reach before year 1",
            hint="e.g. 7d, 12h or 30m; to keep every snapshot, leave --expire-older-than out",
        ) from None


def orphan_min_age(expire_older_than: timedelta) -> timedelta:
    """How old an unreferenced file must be for ``remove_orphan_files``: the snapshot retention,
    but never less than ``ORPHAN_MIN_AGE``.

    A shorter retention is still the user's to choose for snapshots (``12h``, ``30m``: expiring
    them only drops history, and expire_snapshots deletes only files no kept snapshot needs). An
    orphan younger than a day, though, may be a concurrent write's file about to be committed:
    Iceberg refuses to remove those, and failing there would come after the rewrite and the expiry
    had committed. So orphans wait for the next compaction after they are a day old."""
    return max(expire_older_than, ORPHAN_MIN_AGE)


def changed_by_compaction(table: str, before: TableFingerprint, after: TableFingerprint) -> StateError:
    """The rewrite committed, but the values differ: the table is to be restored to the snapshot
    before it (``ingest rollback`` undoes an ingest run, not a compaction)."""
    return StateError(
        f"compaction changed {table}: {before.rows} rows (checksum {before.checksum}) became "
        f"{after.rows} rows (checksum {after.checksum})",
        where=table,
        hint=(
            f"find the snapshot before the compaction (below the newest 'replace') with "
            f"`ingest status --table {table}`, then restore it from a Spark SQL client: "
            f"CALL {CATALOG}.system.rollback_to_snapshot({quote_string(table)}, <snapshot_id>)"
        ),
    )


def compact_table(
    spark: SparkSession,
    table: str,
    *,
    expire_older_than: timedelta | None = None,
    retain_last: int = 1,
    target_file_size_mb: int = 128,
) -> CompactionReport:
    """Compact ``table``; with ``expire_older_than``, also expire snapshots and remove orphans."""
    require_iceberg_table(spark, table, where="--table")
    if not 1 <= retain_last <= MAX_RETAIN_LAST:
        raise ConfigError(
            f"--retain-last: {retain_last} is not between 1 and {MAX_RETAIN_LAST}",
            hint="the number of newest snapshots kept when expiring, e.g. --retain-last 5",
        )
    # Before any work: a retention that cannot be a date must not fail after the rewrite committed.
    cutoff = orphan_cutoff = None
    if expire_older_than is not None:
        now = meta.now()
        cutoff = expiry_cutoff(now, expire_older_than)
        # From the same `now`, before the rewrite: when remove_orphan_files checks it against
        # its own clock, the cutoff is more than ORPHAN_MIN_AGE old.
        orphan_cutoff = expiry_cutoff(now, orphan_min_age(expire_older_than))
    before = fingerprint(spark, table)
    files_before = data_file_count(spark, table)
    rewrite = _call(
        spark,
        "rewrite_data_files",
        table=quote_string(table),
        options=(
            f"map('min-input-files', '2', 'target-file-size-bytes', '{target_file_size_mb * 1024 * 1024}',"
            " 'partial-progress.enabled', 'false')"
        ),
    )
    after = fingerprint(spark, table)
    if after != before:
        raise changed_by_compaction(table, before, after)
    expired = orphans = 0
    if cutoff is not None and orphan_cutoff is not None:
        if not table.startswith(meta.META_DB + "."):
            _repair_manifest(spark, table)
        result = _call(
            spark,
            "expire_snapshots",
            table=quote_string(table),
            older_than=f"TIMESTAMP {quote_string(cutoff)}",
            retain_last=str(retain_last),
        )
        expired = int(result.get("deleted_manifest_lists_count", 0) or 0)
        removed = spark.sql(
            f"CALL {CATALOG}.system.remove_orphan_files(table => {quote_string(table)}, "
            f"older_than => TIMESTAMP {quote_string(orphan_cutoff)})"
        ).collect()
        orphans = len(removed)
    report = CompactionReport(
        table=table,
        files_before=files_before,
        files_after=data_file_count(spark, table),
        rewritten_files=int(rewrite.get("rewritten_data_files_count", 0) or 0),
        added_files=int(rewrite.get("added_data_files_count", 0) or 0),
        snapshots_expired=expired,
        orphan_files_removed=orphans,
        rows=after.rows,
    )
    log.info("compacted %s: %s", table, report)
    return report

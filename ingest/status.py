"""``ingest status``: what is in the warehouse and what recent runs did."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, get_args

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest import meta
from ingest.naming import quote_string
from ingest.tables.catalog import require_iceberg_table
from ingest.tables.snapshots import recent_snapshots

# "last runs": each run once, by the status it ended with, and each rollback. Every RunStatus but
# "started", which a run writes first and its outcome (succeeded, failed, noop) follows.
LAST_RUN_STATUSES: tuple[str, ...] = tuple(s for s in get_args(meta.RunStatus) if s != "started")
QUARANTINE_REASONS_SHOWN = 10  # the most frequent (table, reason) pairs


def collect_status(spark: SparkSession, table: str | None = None) -> dict[str, Any]:
    meta.ensure_meta_tables(spark)
    files = spark.table(meta.table("files"))
    tables = [
        r.asDict()
        for r in files.groupBy("table_name")
        .agg(
            F.count("*").alias("files"),
            F.sum("rows_written").alias("rows_written"),
            F.sum("rows_quarantined").alias("rows_quarantined"),
            F.max("committed_at").alias("last_commit"),
        )
        .orderBy("table_name")
        .collect()
    ]
    for entry in tables:  # rows as readers see them: the table's current snapshot
        entry["rows_in_table"] = (
            spark.table(entry["table_name"]).count()
            if spark.catalog.tableExists(entry["table_name"])
            else None
        )
    runs = [
        r.asDict()
        for r in spark.table(meta.table("runs"))
        .where(F.col("status").isin(*LAST_RUN_STATUSES))
        .orderBy(F.col("event_at").desc())
        # a rollback undoes one run in one table (and its child tables): its row names the table
        .select(
            "run_id", "command", "status", "event_at", F.get_json_object("detail", "$.table").alias("table")
        )
        .limit(10)
        .collect()
    ]
    changes = [
        r.asDict()
        for r in spark.table(meta.table("schema_changes"))
        .orderBy(F.col("changed_at").desc(), "table_name", "column_name")
        .select("changed_at", "table_name", "change", "column_name", "data_type", "original_path")
        .limit(20)
        .collect()
    ]
    by_reason = quarantine_by_reason(spark)
    data: dict[str, Any] = {
        "tables": tables,
        "runs": runs,
        "schema_changes": changes,
        "quarantined_records": sum(r["records"] for r in by_reason),
        "quarantine_by_reason": by_reason[:QUARANTINE_REASONS_SHOWN],
    }
    if table is not None:
        require_iceberg_table(spark, table, where="--table")
        data["snapshots"] = [asdict(s) for s in recent_snapshots(spark, table)]
    return data


def quarantine_by_reason(spark: SparkSession) -> list[dict[str, Any]]:
    """What a user acts on: per table and reason, the records, the files they came from and the
    last run that quarantined one (run ids sort by time); most records first. One job, not a
    count plus a grouping."""
    return [
        r.asDict()
        for r in spark.table(meta.table("quarantine"))
        .groupBy("table_name", "reason")
        .agg(
            F.count("*").alias("records"),
            F.countDistinct("file_uri").alias("files"),
            F.max("run_id").alias("last_run"),
        )
        .orderBy(F.col("records").desc(), "table_name", "reason")
        .collect()
    ]


def render_status(console: Console, data: dict[str, Any]) -> None:
    for title, rows in (
        ("tables", data["tables"]),
        ("last runs", data["runs"]),
        ("recent schema changes", data["schema_changes"]),
        *((("recent snapshots (newest first)", data["snapshots"]),) if "snapshots" in data else ()),
        ("quarantine by reason (most records first)", data.get("quarantine_by_reason", [])),
    ):
        table = Table(title=title)
        if not rows:
            console.print(f"{title}: none")
            continue
        for key in rows[0]:
            table.add_column(key)
        for row in rows:
            # escaped: file names and values may hold [brackets] that rich would read as markup
            table.add_row(*["" if v is None else escape(str(v)) for v in row.values()])
        console.print(table)
    console.print(f"quarantined records: {data['quarantined_records']}")
    if reasons := data.get("quarantine_by_reason"):
        top = reasons[0]  # values from data: quoted as SQL string literals
        console.print(
            "  the most frequent: select file_uri, line, raw from ingest_meta.quarantine where "
            f"table_name = {quote_string(top['table_name'])} and reason = {quote_string(top['reason'])}",
            markup=False,
            highlight=False,
            soft_wrap=True,  # one line, to copy whole
        )

"""Time travel a user can use: a table's recent commits by run, and undoing one run.

``ingest rollback --table T --run RUN`` removes that run's rows from ``T``, its child tables and
its quarantine records:

- when the run's commit is the table's latest, the table is rolled back to the snapshot before it
  (Iceberg ``rollback_to_snapshot``: metadata only, nothing rewritten);
- otherwise the run's rows are deleted in one commit whose summary names the run
  (``dap.rolled-back-run``), so later runs' rows stay.

Either way the run's files stop counting as ingested (see ``ingest.tables.commit``), and the next
``ingest run`` reads them again: move bad files out of the landing zone first. The manifest
mirror's rows for the run are removed first, so a crash part way leaves the run in place (the
next run repairs the mirror from the snapshots) and the rollback can simply be repeated.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest import meta
from ingest.errors import ConfigError, StateError
from ingest.naming import quote_identifier, quote_string, quote_table
from ingest.tables.catalog import require_iceberg_table
from ingest.tables.commit import FILES_KEY, ROLLED_BACK_KEY, RUN_KEY, current_summaries, decode_files
from ingest.tables.lock import commit_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotInfo:
    committed_at: datetime
    snapshot_id: int
    operation: str
    run_id: str | None
    rows_added: int
    files_added: int
    landing_files: int | None  # landing files the commit recorded as in


def recent_snapshots(spark: SparkSession, table: str, limit: int = 10) -> list[SnapshotInfo]:
    name = quote_table(table)
    rows = spark.sql(
        f"SELECT committed_at, snapshot_id, operation, summary FROM {name}.snapshots "
        f"ORDER BY committed_at DESC LIMIT {int(limit)}"
    ).collect()
    return [
        SnapshotInfo(
            r.committed_at,
            r.snapshot_id,
            r.operation,
            r.summary.get(RUN_KEY) or r.summary.get(ROLLED_BACK_KEY),
            int(r.summary.get("added-records", 0)),
            int(r.summary.get("added-data-files", 0)),
            len(decode_files(r.summary[FILES_KEY])) if FILES_KEY in r.summary else None,
        )
        for r in rows
    ]


RollbackMethod = Literal["rollback_to_snapshot", "delete"]


@dataclass(frozen=True)
class RollbackReport:
    table: str
    run_id: str
    method: RollbackMethod
    rows_removed: int
    # the columns the run had added that no row holds a value of any more, dropped with it
    columns_dropped: tuple[str, ...] = ()


def _child_tables(spark: SparkSession, table: str) -> list[str]:
    database, name = table.split(".", 1)
    return sorted(
        f"{database}.{t.name}" for t in spark.catalog.listTables(database) if t.name.startswith(name + "__")
    )


def _parent_table(spark: SparkSession, table: str) -> str | None:
    """The main table whose exploded array ``table`` holds (``raw.ev`` for ``raw.ev__tags``), if
    it is one: a shorter ``__`` prefix that lists it among its child tables, while ``table``
    itself has no files of its own in ``ingest_meta.files`` (a main table named ``a__b`` has)."""
    database, name = table.split(".", 1)
    parts = name.split("__")
    for end in range(1, len(parts)):
        candidate = f"{database}.{'__'.join(parts[:end])}"
        if spark.catalog.tableExists(candidate) and table in _child_tables(spark, candidate):
            own_files = spark.table(meta.table("files")).where(F.col("table_name") == table).limit(1)
            return None if own_files.count() else candidate
    return None


def _rolled_back(spark: SparkSession, table: str, run_id: str) -> bool:
    """Has ``ingest rollback`` already undone ``run_id`` in ``table`` (the runs log says so)?"""
    logged = (
        spark.table(meta.table("runs"))
        .where((F.col("run_id") == run_id) & (F.col("status") == "rolled_back"))
        .select("detail")
        .collect()
    )
    return any(json.loads(row.detail or "{}").get("table") == table for row in logged)


def _rolled_back_runs(spark: SparkSession, main: str) -> set[str]:
    """The runs ``ingest rollback`` has undone in the main table ``main`` (and so in its child
    tables) without ``--keep-columns``, by the runs log."""
    logged = (
        spark.table(meta.table("runs"))
        .where(F.col("status") == "rolled_back")
        .select("run_id", "detail")
        .collect()
    )
    details = [(row.run_id, json.loads(row.detail or "{}")) for row in logged]
    return {run for run, detail in details if detail.get("table") == main and not detail.get("kept_columns")}


def _undo_in_table(
    spark: SparkSession, table: str, run_id: str, rows_of_run: Column, *, shared: bool = False
) -> tuple[RollbackMethod, int]:
    """Remove the run's rows from ``table`` (``shared``: other tables' rows of the run stay)."""
    name = quote_table(table)
    with commit_lock(spark, table):
        spark.sql(f"REFRESH TABLE {name}")
        removed = spark.table(name).where(rows_of_run).count()
        snapshots = spark.sql(
            f"SELECT s.snapshot_id, s.parent_id, s.summary FROM {name}.snapshots s "
            f"JOIN {name}.history h ON s.snapshot_id = h.snapshot_id WHERE h.is_current_ancestor "
            "ORDER BY s.committed_at DESC"
        ).collect()
        latest = snapshots[0] if snapshots else None
        is_latest = latest is not None and latest.summary.get(RUN_KEY) == run_id
        if latest is not None and is_latest and not shared and latest.parent_id is not None:
            spark.sql(
                f"CALL spark_catalog.system.rollback_to_snapshot({quote_string(table)}, {int(latest.parent_id)})"
            )
            return "rollback_to_snapshot", removed
        # A delete by filter that drops whole files, in one commit that names the run. Files that
        # also hold other runs' rows (after compaction) cannot be dropped whole: Iceberg refuses.
        try:
            (
                spark.table(name)
                .limit(0)
                .writeTo(name)
                .option(f"snapshot-property.{ROLLED_BACK_KEY}", run_id)
                .overwrite(rows_of_run)
            )
        except Exception as exc:
            if "some, but not all, rows match" not in str(exc):
                raise
            raise StateError(
                f"run {run_id} shares data files with other runs in {table} (it was compacted since)",
                where=table,
                hint=(
                    "roll the table back to a snapshot before the run with "
                    f"CALL spark_catalog.system.rollback_to_snapshot('{table}', <snapshot id>) "
                    "(later runs are undone too), or delete the rows with SQL and rerun"
                ),
            ) from None
        return "delete", removed


def _drop_columns_of_run(spark: SparkSession, table: str, run_id: str, undone: set[str]) -> tuple[str, ...]:
    """Drop the columns ``run_id`` added to ``table`` (their ``column_map`` rows name it, or a
    run rolled back before in its main table, ``undone``, as their first run) that no row holds a
    value of, in its column or in ``_rescued_data``, now its rows are gone: the one column a file
    read with the wrong delimiter made (``id;name;city``) goes with the run. A column a later run
    wrote values to stays. The drop is logged first (``drop_column``, as a run logs its DDL
    before applying it), then applied, then the mapping goes, so the next run that meets the key
    adds it again. Repeated after a crash at any step, it finishes the job; all under the
    table's commit lock, so no run plans against a column half gone."""
    runs = sorted({run_id, *undone})
    mapping = meta.table("column_map")
    mapped = {
        r.column_name: r.data_type
        for r in spark.table(mapping)
        .where((F.col("table_name") == table) & F.col("first_run_id").isin(runs))
        .select("column_name", "data_type")
        .collect()
    }
    if not mapped:
        return ()
    name = quote_table(table)
    with commit_lock(spark, table):
        spark.sql(f"REFRESH TABLE {name}")
        rows = spark.table(name)
        present = [c for c in rows.columns if c in mapped]
        held = _values_held(rows, present)
        empty = tuple(c for c in present if not held[c])
        gone = sorted(set(mapped) - set(present))  # dropped by a rollback that died before the end
        logged = meta.last_changes(spark, table)
        to_log = [c for c in (*empty, *gone) if logged.get(c) != "drop_column"]
        if to_log:
            ddl = f"ALTER TABLE {name} DROP COLUMNS ({', '.join(map(quote_identifier, to_log))})"
            at = datetime.now(tz=UTC)
            meta.append(
                spark,
                "schema_changes",
                [
                    {
                        "run_id": run_id,
                        "table_name": table,
                        "column_name": column,
                        "data_type": mapped[column],
                        "change": "drop_column",
                        "original_path": None,
                        "ddl": ddl,
                        "source_file": None,
                        "changed_at": at,
                    }
                    for column in to_log
                ],
            )
        if empty:
            empty = _dropped(spark, table, run_id, empty)
        if empty or gone:
            listed = ", ".join(map(quote_string, [*empty, *gone]))
            spark.sql(
                f"DELETE FROM {quote_table(mapping)} WHERE table_name = {quote_string(table)} "
                f"AND first_run_id IN ({', '.join(map(quote_string, runs))}) AND column_name IN ({listed})"
            )
    return empty


def _values_held(rows: DataFrame, columns: list[str]) -> dict[str, bool]:
    """Does any row hold a value of each column, in it or rescued under its name?"""
    if not columns:
        return {}
    rescued = F.col("_rescued_data")
    counts = rows.agg(
        *[
            F.count(
                F.when(
                    F.col(quote_identifier(c)).isNotNull() | F.get_json_object(rescued, f"$.{c}").isNotNull(),
                    1,
                )
            ).alias(f"_{i}")
            for i, c in enumerate(columns)
        ]
    ).first()
    return {c: counts is not None and counts[f"_{i}"] > 0 for i, c in enumerate(columns)}


def _dropped(spark: SparkSession, table: str, run_id: str, empty: tuple[str, ...]) -> tuple[str, ...]:
    """``ALTER TABLE ... DROP COLUMNS`` of ``empty``; the columns it dropped (none if the
    metastore refuses)."""
    name = quote_table(table)
    try:
        spark.sql(f"ALTER TABLE {name} DROP COLUMNS ({', '.join(map(quote_identifier, empty))})")
    except Exception as exc:
        if "incompatible with the existing columns" not in str(exc):
            raise
        # A metastore service of one's own (DAP_METASTORE_URIS) with the positional check on
        # refuses the change, and Iceberg committed nothing: the columns stay.
        log.warning(
            "%s: the metastore refused to drop the column(s) run %s added (%s): they stay, empty, "
            "though ingest_meta.schema_changes logs their drop; set "
            "hive.metastore.disallow.incompatible.col.type.changes=false on it and run the "
            "rollback again to drop them",
            table,
            run_id,
            ", ".join(empty),
        )
        spark.sql(f"REFRESH TABLE {name}")
        kept = set(spark.table(name).columns)
        return tuple(c for c in empty if c not in kept)
    return empty


def rollback_run(
    spark: SparkSession, table: str, run_id: str, *, drop_columns: bool = True
) -> list[RollbackReport]:
    """Undo ``run_id`` in ``table`` (a main table), its child tables and its quarantine rows, and
    (``drop_columns``) the columns it added that hold no value any more.
    A run already rolled back there keeps its rows as they are (no report, no commit); what is
    left of its columns' drop is finished."""
    require_iceberg_table(spark, table, where="--table")
    runs = {s.get(RUN_KEY) for _at, s in current_summaries(spark, table)}
    # A run whose commit was the table's latest left the lineage when it was rolled back
    # (rollback_to_snapshot): the runs log, not the table, says it was there.
    undone = _rolled_back(spark, table, run_id)
    if run_id not in runs and not undone:
        raise ConfigError(
            f"run {run_id} has no commit in {table}",
            where="--run",
            hint=f"see `ingest status --table {table}` for the runs that committed to it",
        )
    parent = _parent_table(spark, table)
    if parent is not None:
        # The run's files are listed under the main table: undoing the child alone would leave
        # them listed as ingested, so no later run would bring the child's rows back.
        raise ConfigError(
            f"{table} is a child table of {parent}: a run is rolled back in its main table, "
            "which undoes it in the child tables too",
            where="--table",
            hint=f"run `ingest rollback --table {parent} --run {run_id}`",
        )
    reports: list[RollbackReport] = []
    children = _child_tables(spark, table)
    if not undone:
        spark.sql(
            f"DELETE FROM {quote_table(meta.table('files'))} "
            f"WHERE table_name = {quote_string(table)} AND run_id = {quote_string(run_id)}"
        )
        for child in children:
            method, removed = _undo_in_table(spark, child, run_id, F.col("_ingest_run_id") == run_id)
            reports.append(RollbackReport(child, run_id, method, removed))
        quarantine = meta.table("quarantine")
        q_runs = {s.get(RUN_KEY) for _at, s in current_summaries(spark, quarantine)}
        if run_id in q_runs:
            rows = (F.col("run_id") == run_id) & (F.col("table_name") == table)
            method, removed = _undo_in_table(spark, quarantine, run_id, rows, shared=True)
            reports.append(RollbackReport(quarantine, run_id, method, removed))
        method, removed = _undo_in_table(spark, table, run_id, F.col("_ingest_run_id") == run_id)
        reports.append(RollbackReport(table, run_id, method, removed))
        detail: dict[str, object] = {"table": table, **({} if drop_columns else {"kept_columns": True})}
        meta.log_run(spark, run_id, "rollback", "rolled_back", detail)
    if not drop_columns:
        return reports
    # The rows are gone, and the runs log says so: a rollback that dies from here on is repeated
    # (it then only finishes the columns), not refused as a run with no commit in the table.
    undone_before = _rolled_back_runs(spark, table)
    for target in [*children, table]:
        dropped = _drop_columns_of_run(spark, target, run_id, undone_before)
        if dropped:
            at = next((i for i, r in enumerate(reports) if r.table == target), None)
            if at is None:
                reports.append(RollbackReport(target, run_id, "delete", 0, dropped))
            else:
                reports[at] = replace(reports[at], columns_dropped=dropped)
    return reports

"""One ingest run: discover -> read -> flatten/name/type -> stage -> log + DDL -> commit -> publish.

Each source is its own unit of commit (staging key ``<run_id>.<source>``), so one failing source
does not hold back the others, and a crash anywhere is repaired by ``commit.recover``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest import commit, meta
from ingest.config import SourceConfig
from ingest.errors import IngestError
from ingest.flatten import ArrayField, FlatField, flatten_schema
from ingest.landing import LandingFile, discover
from ingest.naming import Path, normalize_key, quote_identifier, quote_table, render_path
from ingest.read_csv import read_csv_records
from ingest.read_json import infer_json_schema, parse_json_records, read_json_records
from ingest.schema_hints import apply_type_hints
from ingest.schema_merge import merge_in_order
from ingest.schema_plan import PARTITION_COLUMN, TablePlan, add_columns_sql, plan_table
from ingest.transform import (
    OUTCOME,
    event_date_column,
    flat_values_json,
    infer_text_types,
    json_value,
    to_table_rows,
    typed_text_value,
)

log = logging.getLogger(__name__)
# progress(source, step, detail): the CLI draws it; steps come in this order for every source.
STEPS = ("discover", "read", "stage", "publish", "done")
Progress = Callable[[str, str, str], None]


@dataclass
class FileReport:
    file: str
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    status: str = "ingested"


@dataclass
class SourceReport:
    source: str
    table: str
    status: str = "noop"  # noop | ingested | planned | failed
    files: list[FileReport] = field(default_factory=list)
    skipped_changed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    ddl: list[str] = field(default_factory=list)
    rows_rescued: int = 0
    error: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_written(self) -> int:
        return sum(f.rows_written for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


@dataclass
class RunReport:
    run_id: str
    dry_run: bool
    sources: list[SourceReport]
    recovered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for source, report in zip(data["sources"], self.sources, strict=True):
            source.update(
                rows_read=report.rows_read,
                rows_written=report.rows_written,
                rows_quarantined=report.rows_quarantined,
            )
        data["ok"] = self.ok
        return data


def new_run_id() -> str:
    return commit.now().strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class Batch:
    """A source's new files, read and parsed, ready to plan."""

    parsed: DataFrame
    fields: list[FlatField]
    values: dict[Path, Column]
    arrays: list[ArrayField] = field(default_factory=list)
    cached: DataFrame | None = None  # persisted input, released when the source is done

    def release(self) -> None:
        if self.cached is not None:
            self.cached.unpersist()


def read_batch(spark: SparkSession, source: SourceConfig, files: list[LandingFile]) -> Batch | None:
    uris = [f.uri for f in files if f.size > 0]
    if not uris:
        return None
    if source.format == "json":
        # Read the files once; the per-day inference and the parse both scan this cache.
        records = read_json_records(spark, uris).persist(StorageLevel.MEMORY_AND_DISK)
        schema, first_types = infer_in_landing_order(spark, records, [f for f in files if f.size > 0])
        parsed = parse_json_records(records, schema)
        fields, arrays = flatten_schema(
            schema, max_depth=source.flatten.max_depth, explode=source.arrays.explode_paths
        )
        fields = [replace(f, first_type=first_types.get(f.path)) for f in fields]
        return Batch(parsed, fields, flat_values_json(fields), arrays, cached=records)
    frame, _empty, names = read_csv_records(spark, uris, source.csv)
    if frame is None:
        return None
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)  # scanned by type inference, then the write
    types = infer_text_types(frame, names)
    fields = [FlatField((name,), types[name][0], "leaf") for name in names if name in types]
    values: dict[Path, Column] = {(n,): typed_text_value((n,), *types[n]) for n in types}
    return Batch(frame, fields, values, cached=frame)


def infer_in_landing_order(
    spark: SparkSession, records: DataFrame, files: list[LandingFile]
) -> tuple[T.StructType, dict[Path, T.DataType]]:
    """Infer per landing day and merge in order, so the first day fixes types; see ``schema_merge``."""
    days: dict[str, list[str]] = {}
    for item in sorted(files, key=lambda f: (f.landing_date is None, f.landing_date or date.min, f.uri)):
        days.setdefault(str(item.landing_date), []).append(item.uri)
    if len(days) == 1:
        return merge_in_order([infer_json_schema(spark, records)])
    schemas = [
        infer_json_schema(spark, records.where(F.col("_source_file").isin(uris))) for uris in days.values()
    ]
    return merge_in_order(schemas)


def current_schema(spark: SparkSession, table: str) -> T.StructType | None:
    if not spark.catalog.tableExists(table):
        return None
    return spark.table(quote_table(table)).schema


def plan_source(spark: SparkSession, source: SourceConfig, batch: Batch) -> TablePlan:
    return plan_table(
        source.table,
        apply_type_hints(batch.fields, source.type_hints),
        current=current_schema(spark, source.table),
        column_map=meta.column_map(spark, source.table),
        frozen=source.schema_policy == "frozen",
    )


def child_table_name(table: str, path: Path) -> str:
    """``raw.events`` + ``payload.reviewers`` -> ``raw.events__payload__reviewers``."""
    return table + "__" + "__".join(normalize_key(key) for key in path)


@dataclass
class ChildBatch:
    table: str
    parsed: DataFrame
    fields: list[FlatField]
    values: dict[Path, Column]


def child_batches(source: SourceConfig, batch: Batch, parent_event_date: Column) -> list[ChildBatch]:
    """One batch per exploded array: a row per element with the parent's file, line and date."""
    children = []
    for array in batch.arrays:
        good = batch.parsed.where(F.col("_bad_reason").isNull())
        exploded = good.select(
            "_source_file",
            "_source_line",
            parent_event_date.alias("_parent_event_date"),
            F.posexplode(json_value(array.path, "leaf")).alias("_position", "_element"),
        )
        if isinstance(array.element_type, T.StructType):
            data = F.col("_element")
            fields, _nested = flatten_schema(array.element_type, max_depth=source.flatten.max_depth)
        else:
            data = F.struct(F.col("_element").alias("value"))
            fields, _nested = flatten_schema(
                T.StructType([T.StructField("value", array.element_type)]), max_depth=1
            )
        parsed = exploded.select(
            "_source_file",
            "_source_line",
            "_parent_event_date",
            "_position",
            data.alias("_data"),
            F.lit(None).cast("string").alias("_raw"),
            F.lit(None).cast("string").alias("_bad_reason"),
        )
        table = child_table_name(source.table, array.path)
        children.append(ChildBatch(table, parsed, fields, flat_values_json(fields)))
    return children


def _stage_rows(rows: DataFrame, source: SourceConfig, target: str) -> None:
    if source.max_files_per_partition > 1:
        salt = F.pmod(F.xxhash64("_source_file", "_source_line"), F.lit(source.max_files_per_partition))
        rows = rows.repartition(OUTCOME, PARTITION_COLUMN, salt)
    else:
        rows = rows.repartition(OUTCOME, PARTITION_COLUMN)
    rows.write.mode("overwrite").partitionBy(OUTCOME, PARTITION_COLUMN).parquet(target)


def ingest_source(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    committed: dict[tuple[str, str], tuple[int, str, str]],
    *,
    dry_run: bool,
    progress: Progress,
    fault: commit.FaultPoint,
) -> SourceReport:
    report = SourceReport(source.name, source.table)
    progress(source.name, "discover", f"listing {source.path}")
    landed = discover(source.patterns)
    new_files = []
    for item in landed:
        known = committed.get((source.table, item.uri))
        if known is None:
            new_files.append(item)
        elif (known[0], known[1]) != (item.size, item.fingerprint):
            report.skipped_changed.append(item.uri)
            log.warning("%s changed after it was ingested (run %s); not ingested again", item.uri, known[2])
    if not new_files:
        return report
    progress(source.name, "read", f"reading {len(new_files)} new file(s)")
    batch = read_batch(spark, source, new_files)
    try:
        return _plan_stage_commit(spark, source, run_id, report, new_files, batch, dry_run, progress, fault)
    finally:
        if batch:
            batch.release()


def _plan_stage_commit(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    report: SourceReport,
    new_files: list[LandingFile],
    batch: Batch | None,
    dry_run: bool,
    progress: Progress,
    fault: commit.FaultPoint,
) -> SourceReport:
    plan = plan_source(spark, source, batch) if batch else None
    child_plans: list[tuple[ChildBatch, TablePlan]] = []
    if batch and plan:
        run_date = commit.now().date()
        parent_date = event_date_column(
            batch.values, source.partition.key_path, source.partition.fallback, run_date
        )
        for child in child_batches(source, batch, parent_date):
            child_plan = plan_table(
                child.table,
                child.fields,
                current=current_schema(spark, child.table),
                column_map=meta.column_map(spark, child.table),
                child=True,
            )
            child_plans.append((child, child_plan))
    for table_plan in [p for p in [plan] if p] + [cp for _c, cp in child_plans]:
        report.ddl += table_plan.ddl
        report.columns_added += [
            f"{c.table}.{c.column}" if c.table != source.table else c.column
            for c in table_plan.changes
            if c.change == "add_column"
        ]
    if dry_run:
        report.status = "planned"
        report.files = [FileReport(f.uri, status="new") for f in new_files]
        return report

    key = f"{run_id}.{source.name}"
    base = commit.run_dir(spark, key)
    staged_rows = f"{base}/tables/{source.table}"
    ingested_at = commit.now()
    counts: dict[tuple[str, str], int] = {}
    if batch and plan:
        rows = to_table_rows(
            batch.parsed,
            plan,
            batch.values,
            run_id=run_id,
            ingested_at=ingested_at.isoformat(sep=" "),
            run_date=ingested_at.date(),
            partition_path=source.partition.key_path,
            partition_fallback=source.partition.fallback,
        )
        progress(source.name, "stage", f"writing {len(new_files)} file(s) to staging")
        _stage_rows(rows, source, staged_rows)
        for child, child_plan in child_plans:
            child_rows = to_table_rows(
                child.parsed,
                child_plan,
                child.values,
                run_id=run_id,
                ingested_at=ingested_at.isoformat(sep=" "),
                run_date=ingested_at.date(),
                partition_path=None,
                partition_fallback="ingest_date",
                event_date=F.col("_parent_event_date"),
            )
            _stage_rows(child_rows, source, f"{base}/tables/{child.table}")
        fault.hit("after_stage")
        staged = spark.read.parquet(staged_rows)
        for row in staged.groupBy(OUTCOME, "_source_file").count().collect():
            counts[(row[OUTCOME], row["_source_file"])] = row["count"]
        report.rows_rescued = staged.where(F.col("_rescued_data").isNotNull()).count()
    for item in new_files:
        written = counts.get(("ok", item.uri), 0)
        bad = counts.get(("bad", item.uri), 0)
        status = "ingested" if written + bad else "empty"
        report.files.append(FileReport(item.uri, written + bad, written, bad, status))
    _stage_quarantine(spark, source, run_id, base, staged_rows if batch else None, report, ingested_at)
    fault.hit("after_quarantine")
    if batch and plan:
        _log_and_apply_ddl(spark, plan, staged_rows, run_id, ingested_at, fault)
        for child, child_plan in child_plans:
            _log_and_apply_ddl(spark, child_plan, f"{base}/tables/{child.table}", run_id, ingested_at, fault)
    fault.hit("before_commit")
    sizes = {f.uri: f for f in new_files}
    meta.append(
        spark,
        "files",
        [
            {
                "file_uri": f.file,
                "size": sizes[f.file].size,
                "fingerprint": sizes[f.file].fingerprint,
                "source": source.name,
                "table_name": source.table,
                "run_id": run_id,
                "rows_read": f.rows_read,
                "rows_written": f.rows_written,
                "rows_quarantined": f.rows_quarantined,
                "status": f.status,
                "committed_at": commit.now(),
            }
            for f in report.files
        ],
    )
    fault.hit("after_commit")
    progress(source.name, "publish", "committing and publishing")
    commit.publish(spark, key, fault)
    report.status = "ingested"
    return report


def _stage_quarantine(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    base: str,
    staged_rows: str | None,
    report: SourceReport,
    at: object,
) -> None:
    parts: list[DataFrame] = []
    if staged_rows and any(f.rows_quarantined for f in report.files):
        bad = spark.read.parquet(staged_rows).where(F.col(OUTCOME) == "bad")
        parts.append(
            bad.select(
                F.col("_source_file").alias("file_uri"),
                F.col("_source_line").alias("line"),
                F.substring(F.col("_raw"), 1, meta.RAW_LIMIT).alias("raw"),
                F.col("_bad_reason").alias("reason"),
            )
        )
    empty = [(f.file, None, None, "empty file: no records") for f in report.files if f.status == "empty"]
    if empty:
        parts.append(spark.createDataFrame(empty, "file_uri string, line bigint, raw string, reason string"))
    if not parts:
        return
    frame = parts[0]
    for part in parts[1:]:
        frame = frame.unionByName(part)
    (
        frame.select(
            F.lit(run_id).alias("run_id"),
            F.lit(source.name).alias("source"),
            F.lit(source.table).alias("table_name"),
            "file_uri",
            F.col("line").cast("bigint").alias("line"),
            "raw",
            "reason",
            F.lit(at).cast("timestamp").alias("quarantined_at"),
        )
        .coalesce(1)
        .write.mode("overwrite")
        .parquet(f"{base}/quarantine")
    )


def _first_seen(spark: SparkSession, staged_rows: str, columns: list[str]) -> dict[str, str]:
    """The first file (in file order) where each new column has a value, from the staged output."""
    if not columns:
        return {}
    staged = spark.read.parquet(staged_rows).where(F.col(OUTCOME) == "ok")
    row = staged.agg(
        *[F.min(F.when(F.col(f"`{c}`").isNotNull(), F.col("_source_file"))).alias(c) for c in columns]
    ).first()
    return {c: row[c] for c in columns} if row else {}


def _log_and_apply_ddl(
    spark: SparkSession,
    plan: TablePlan,
    staged_rows: str,
    run_id: str,
    at: object,
    fault: commit.FaultPoint,
) -> None:
    """Log the column map and schema changes, then apply the DDL (log first: see commit.py)."""
    new_columns = [c.column for c in plan.new_mappings if c.is_new_column]
    first = _first_seen(spark, staged_rows, new_columns)
    meta.append(
        spark,
        "column_map",
        [
            {
                "table_name": plan.table,
                "column_name": c.column,
                "original_path": render_path(c.field.path),
                "path_json": json.dumps(list(c.field.path), ensure_ascii=False),
                "data_type": c.table_type.simpleString(),
                "first_run_id": run_id,
                "first_source_file": first.get(c.column),
                "first_seen_at": at,
            }
            for c in plan.new_mappings
        ],
    )
    logged = meta.logged_changes(spark, plan.table)
    ddl_text = "\n".join(plan.ddl)
    meta.append(
        spark,
        "schema_changes",
        [
            {
                "run_id": run_id,
                "table_name": c.table,
                "column_name": c.column,
                "data_type": c.data_type,
                "change": c.change,
                "original_path": c.original_path,
                "ddl": ddl_text,
                "source_file": first.get(c.column),
                "changed_at": at,
            }
            for c in plan.changes
            if (c.column, c.change) not in logged
        ],
    )
    fault.hit("after_schema_log")
    database = plan.table.split(".", 1)[0]
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
    current = current_schema(spark, plan.table)
    if current is None:
        spark.sql(plan.ddl[0])
    else:
        have = {f.name for f in current.fields}
        missing = [f for f in plan.table_schema.fields if f.name not in have]
        if missing:
            spark.sql(add_columns_sql(plan.table, missing))
    fault.hit("after_ddl")


def run(
    spark: SparkSession,
    sources: list[SourceConfig],
    *,
    command: str = "run",
    dry_run: bool = False,
    progress: Progress = lambda _source, _step, _detail: None,
    fault: commit.FaultPoint | None = None,
) -> RunReport:
    fault = fault or commit.FaultPoint(None)
    meta.ensure_meta_tables(spark)
    run_id = new_run_id()
    report = RunReport(run_id, dry_run, [])
    if not dry_run:
        recovery = commit.recover(spark)
        report.recovered = {"published": recovery.published, "aborted": recovery.aborted}
        commit.log_run(spark, run_id, command, "started", {"sources": [s.name for s in sources]})
    committed = meta.committed_files(spark)
    for source in sources:
        try:
            report.sources.append(
                ingest_source(
                    spark, source, run_id, committed, dry_run=dry_run, progress=progress, fault=fault
                )
            )
        except IngestError as exc:  # terminal for the whole run (bad path, bad state)
            if not dry_run:
                commit.log_run(spark, run_id, command, "failed", {"error": exc.render()})
            raise
        except Exception as exc:  # one source failing must not hide the others' results
            log.exception("source %s failed", source.name)
            failed = SourceReport(source.name, source.table, status="failed", error=str(exc).splitlines()[0])
            report.sources.append(failed)
        progress(source.name, "done", report.sources[-1].status)
    if not dry_run:
        status = "succeeded" if report.ok else "failed"
        if all(s.status == "noop" for s in report.sources):
            status = "noop"
        commit.log_run(spark, run_id, command, status, report.to_dict())
    return report

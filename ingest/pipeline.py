"""One ingest run: discover -> read -> flatten/name/type -> plan -> log + DDL -> commit.

Each source is its own unit of commit: one Iceberg commit per table it writes (see
``ingest.tables.commit``), so one failing source does not hold back the others, and a crash
anywhere leaves each table with all of a commit or none of it; the next run completes the rest.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path as FsPath
from typing import Literal

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest import contracts, meta
from ingest.config import SourceConfig
from ingest.errors import ConfigError, DataError, IngestError, InputError
from ingest.event_time import (
    NUMBER,
    EventDate,
    Fallback,
    TimeFormat,
    event_date,
    is_pattern,
    suggested_format,
)
from ingest.faults import FaultPoint
from ingest.flatten import ArrayField, FlatField, flatten_schema, text_paths
from ingest.formats.record_count import (
    CsvGrammar,
    InputCount,
    Opener,
    SharedFetches,
    count_input,
    counted_before_read,
)
from ingest.jvm_functions import check_time_pattern, lost_values, written_elements
from ingest.landing import LandingFile, changed, discover, unsettled
from ingest.local_rows import local_frame
from ingest.naming import Path, normalize_key, quote_identifier, quote_table, render_path
from ingest.read_binary import BinaryFormat, read_binary_records, wrap_by_route
from ingest.read_csv import HEAD_BYTES, read_csv_records
from ingest.read_json import (
    EmptyCandidates,
    count_candidates,
    infer_json_schema,
    parse_json_records,
    read_json_records,
    starts_as_object,
)
from ingest.read_paths import BY_NAME, LandingDirectories, complete_directories
from ingest.reconcile import ReconcileError, reconcile
from ingest.schema_hints import apply_type_hints
from ingest.schema_merge import merge_in_order
from ingest.schema_plan import HAS_RESCUED_VALUES, TablePlan, add_columns_sql, plan_table, widen_column_sql
from ingest.tables.commit import CommittedFile, FileEntry, FileStatus, StreamBatch, append
from ingest.tables.lock import commit_lock
from ingest.transform import (
    EVENT_TIME_UNREAD,
    LOST_VALUES,
    OUTCOME,
    UNPAIRED_PREFIX,
    discard_rows,
    flat_values_json,
    infer_text_types,
    json_value,
    path_key,
    to_table_rows,
    typed_text_value,
)
from ingest.typing_rules import promotion

log = logging.getLogger(__name__)
# A record column: a reason the record is bad before it is parsed (a Kafka dead letter).
REJECTED = "_rejected"
# progress(source, step, detail): the CLI draws it; steps come in this order for every source.
STEPS = ("discover", "read", "ddl", "commit", "done")
Progress = Callable[[str, str, str], None]


@dataclass
class FileReport:
    file: str
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    status: str = "ingested"  # FileStatus, or "new" in a plan


SourceStatus = Literal["noop", "ingested", "planned", "failed"]


@dataclass
class EventTimesUnread:
    """Committed records whose event time (``partition.column``) was there but not a time under
    ``partition.format``: they took the fallback date (``ingest.event_time``)."""

    column: str
    format: str  # partition.format: a name or a java.time pattern
    fallback: Fallback
    rows: int
    example: str  # one such value: the least number among them, else the least text
    suggested_format: TimeFormat | None  # the epoch format under which the example is a time

    def __add__(self, later: EventTimesUnread) -> EventTimesUnread:
        """Both counts (a stream's micro-batches), with this one's example."""
        return replace(self, rows=self.rows + later.rows)


@dataclass
class SourceReport:
    source: str
    table: str
    status: SourceStatus = "noop"
    files: list[FileReport] = field(default_factory=list)
    skipped_changed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # too young or written to during the run
    skipped_concurrent: list[str] = field(default_factory=list)  # committed by another run first
    columns_added: list[str] = field(default_factory=list)
    columns_widened: list[str] = field(default_factory=list)  # "column: int -> bigint"
    values_discarded: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> path -> n
    tables_created: dict[str, int] = field(default_factory=dict)  # table -> columns from the data
    ddl: list[str] = field(default_factory=list)
    rows_rescued: int = 0
    event_times_unread: EventTimesUnread | None = None
    error: str | None = None
    exit_code: int = 0  # of a failed source: 3 its input could not be read, 1 anything else

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

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 if no source failed, 3 if a source's input could not be read
        (a wrong path), else 1."""
        return max((s.exit_code for s in self.sources if s.status == "failed"), default=0)

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
    return meta.now().strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class Batch:
    """A source's new files, read and parsed, ready to plan."""

    parsed: DataFrame
    fields: list[FlatField]
    values: dict[Path, Column]
    arrays: list[ArrayField] = field(default_factory=list)
    cached: DataFrame | None = None  # persisted input, released when the source is done
    routed: list[ChildBatch] = field(default_factory=list)  # ULog topics: a child table each
    headerless: frozenset[str] = frozenset()  # CSV files whose first record is data (``header: auto``)

    def release(self) -> None:
        if self.cached is not None:
            self.cached.unpersist()


def read_batch(
    spark: SparkSession,
    source: SourceConfig,
    files: list[LandingFile],
    directories: LandingDirectories = BY_NAME,
    heads: Opener | None = None,
) -> Batch | None:
    """``files`` read, inferred and parsed; ``directories``: those the batch holds whole (Spark
    lists a directory in one call, and names file by file; ``ingest.read_paths``); ``heads``:
    opens a CSV file for the header guess (``read_csv.read_heads``)."""
    nonempty = [f for f in files if f.size > 0]
    if not nonempty:
        return None
    if source.format in ("gpmf", "ulog"):
        return read_binary_batch(spark, source, nonempty, directories)
    if source.format == "json":
        # Cached: the per-day inference and the parse both scan it; released with the batch.
        records = read_json_records(spark, nonempty, directories)
        return json_batch(
            spark,
            source,
            records.frame,
            nonempty,
            empty_candidates=records.empty_candidates,
            may_lose_values=records.lossy_candidates > 0,
        )
    read = read_csv_records(spark, [f.uri for f in nonempty], source.csv, directories, heads)
    if read.rows is None:
        return None
    frame = read.rows.persist(StorageLevel.MEMORY_AND_DISK)  # scanned by type inference, then the write
    types = infer_text_types(frame, read.names)
    fields = [FlatField((name,), types[name][0], "leaf") for name in read.names if name in types]
    values: dict[Path, Column] = {(n,): typed_text_value((n,), *types[n]) for n in types}
    return Batch(frame, fields, values, cached=frame, headerless=frozenset(read.headerless))


def json_batch(
    spark: SparkSession,
    source: SourceConfig,
    records: DataFrame,
    files: list[LandingFile],
    *,
    empty_candidates: EmptyCandidates | None = None,
    may_lose_values: bool = True,
) -> Batch:
    """JSON records (``_source_file``, ``_source_line``, ``_raw``; persisted by the caller, released
    with the batch): infer, parse, flatten. Files' records or a Kafka micro-batch's messages (a
    record with a ``_rejected`` reason is quarantined with it and does not shape the schema).
    ``empty_candidates``: the records that can hold an empty value, if known (``read_json_records``);
    ``may_lose_values``: False when no record's parse may lose something (a number a double does
    not hold, a repeated key; known from the same job)."""
    rejected = REJECTED in records.columns
    accepted = records.where(F.col(REJECTED).isNull()) if rejected else records
    schema, first_types = infer_in_landing_order(spark, accepted, files, empty_candidates)
    explode = source.arrays.explode_paths
    parsed = parse_json_records(records, schema, source.flatten.max_depth, may_lose_values, explode)
    if rejected:
        parsed = parsed.withColumn("_bad_reason", F.coalesce(F.col(REJECTED), F.col("_bad_reason")))
    fields, arrays = flatten_schema(schema, max_depth=source.flatten.max_depth, explode=explode)
    fields = [replace(f, first_type=first_types.get(f.path)) for f in fields]
    return Batch(parsed, fields, flat_values_json(fields), arrays, cached=records)


def read_binary_batch(
    spark: SparkSession,
    source: SourceConfig,
    files: list[LandingFile],
    directories: LandingDirectories = BY_NAME,
) -> Batch:
    """GPMF samples / ULog logs for the source's table, ULog messages routed to one table per topic.

    Decoded in Spark tasks into JSON records (``ingest.read_binary``), then the JSON path: a
    file that could not be decoded is one bad record with the decoder's reason.
    """
    file_format: BinaryFormat = "gpmf" if source.format == "gpmf" else "ulog"
    records = read_binary_records(spark, [f.uri for f in files], file_format, source.ulog.topics, directories)
    records = records.persist(StorageLevel.MEMORY_AND_DISK)
    own = records.where(F.col("_route").isNull()).drop("_route", "_position")
    decoded = own.where(F.col("_decode_error").isNull())
    # One aggregate tells the inference which records can hold an empty value, and the parse
    # whether any record's parse may lose something (decoded floats are shortest printings).
    empty_candidates, lossy_candidates = count_candidates(decoded)
    schema, first_types = infer_in_landing_order(spark, decoded, files, empty_candidates)
    may_lose_values = bool(lossy_candidates)
    explode = source.arrays.explode_paths
    parsed = parse_json_records(own, schema, source.flatten.max_depth, may_lose_values, explode).withColumn(
        "_bad_reason", F.coalesce(F.col("_decode_error"), F.col("_bad_reason"))
    )
    fields, arrays = flatten_schema(schema, max_depth=source.flatten.max_depth, explode=explode)
    fields = [replace(f, first_type=first_types.get(f.path)) for f in fields]
    routed = records.where(F.col("_route").isNotNull())
    return Batch(
        parsed,
        fields,
        flat_values_json(fields),
        arrays,
        cached=records,
        routed=routed_batches(spark, source, routed, files),
    )


def routed_batches(
    spark: SparkSession, source: SourceConfig, routed: DataFrame, files: list[LandingFile]
) -> list[ChildBatch]:
    """One child batch per route (ULog topic), its table named from the route by the naming rules.

    One inference over every routed record, each wrapped as ``{route: record}``, gives every
    route's schema at once (per landing day, in order, like the JSON path).
    """
    schema, first_types = infer_in_landing_order(spark, wrap_by_route(routed), files)
    children = []
    for route in schema.fields:
        if not isinstance(route.dataType, T.StructType):
            continue
        routed_records = routed.where(F.col("_route") == route.name)
        parsed = parse_json_records(routed_records, route.dataType, source.flatten.max_depth)
        fields, _arrays = flatten_schema(route.dataType, max_depth=source.flatten.max_depth)
        fields = [replace(f, first_type=first_types.get((route.name, *f.path))) for f in fields]
        parsed = parsed.select("_source_file", "_source_line", "_position", "_data", "_raw", "_bad_reason")
        table = child_table_name(source.table, (route.name,))
        children.append(ChildBatch(table, parsed, fields, flat_values_json(fields), counted=True))
    return children


_DAY_OF_FILE = T.StructType(
    [T.StructField("_source_file", T.StringType()), T.StructField("_day", T.StringType())]
)


def infer_in_landing_order(
    spark: SparkSession,
    records: DataFrame,
    files: list[LandingFile],
    empty_candidates: EmptyCandidates | None = None,
) -> tuple[T.StructType, dict[Path, T.DataType]]:
    """Infer per landing day and merge in order, so the first day fixes types; see ``schema_merge``.

    One inference job for all days, not one per day: each record is wrapped as
    ``{"<day>": <record>}`` (like ``wrap_by_route``), so the inferred schema holds one struct per
    day. Only records that start as an object are wrapped; the others are quarantined and shape
    no schema (a bare array or string would turn the day's struct into a string).
    """
    days: dict[str, list[str]] = {}
    for item in sorted(files, key=lambda f: (f.landing_date is None, f.landing_date or date.min, f.uri)):
        days.setdefault(str(item.landing_date), []).append(item.uri)
    if len(days) == 1:
        return merge_in_order([infer_json_schema(spark, records, empty_candidates)])
    keys = [(uri, f"d{index}") for index, uris in enumerate(days.values()) for uri in uris]
    day_of_file = F.broadcast(local_frame(spark, keys, _DAY_OF_FILE))
    wrapped = (
        records.join(day_of_file, "_source_file")
        .where(starts_as_object(F.col("_raw")))
        .withColumn("_raw", F.concat(F.lit('{"'), F.col("_day"), F.lit('":'), F.col("_raw"), F.lit("}")))
    )
    # Wrapping adds no empty value: what held none holds none wrapped.
    by_day = {
        field.name: field.dataType for field in infer_json_schema(spark, wrapped, empty_candidates).fields
    }
    schemas = [by_day[f"d{index}"] for index in range(len(days)) if f"d{index}" in by_day]
    return merge_in_order([s for s in schemas if isinstance(s, T.StructType)])


def current_schema(spark: SparkSession, table: str) -> T.StructType | None:
    if not spark.catalog.tableExists(table):
        return None
    return spark.table(quote_table(table)).schema


def plan_source(
    spark: SparkSession, source: SourceConfig, fields: list[FlatField], column_map: dict[Path, str]
) -> TablePlan:
    return plan_table(
        source.table,
        apply_type_hints(fields, source.type_hints),
        current=current_schema(spark, source.table),
        column_map=column_map,
        policy=source.schema_policy,
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
    array_path: Path | None = None  # the exploded array; None for routed records
    scalar: bool = False  # an array of scalars: one column, ``value``
    counted: bool = False  # its rows are records of the file (routed), not parts of one (exploded)


# The one column of a child table of scalar elements (an array of strings, numbers...).
ELEMENT_VALUE = "value"


def child_batches(
    source: SourceConfig, batch: Batch, parent_event_date: Column, arrays: list[ArrayField]
) -> list[ChildBatch]:
    """One batch per exploded array of ``arrays`` (``batch.arrays``, or those with an element to
    land: ``_written_empty_only``): a row per element with the parent's file, line and date."""
    children = []
    # Whether the batch's parse may lose something (``parse_json_records``).
    checked = LOST_VALUES in batch.parsed.columns
    for array in arrays:
        table = child_table_name(source.table, array.path)
        good = batch.parsed.where(F.col("_bad_reason").isNull())
        exploded = good.select(
            "_source_file",
            "_source_line",
            parent_event_date.alias("_parent_event_date"),
            F.posexplode(json_value(array.path)).alias("_position", "_element"),
            *([_written_elements(array.path)] if checked else []),
        )
        element_type = array.element_type
        scalar = not isinstance(element_type, T.StructType)
        if isinstance(element_type, T.StructType):
            data = F.col("_element")
            fields, _nested = flatten_schema(element_type, max_depth=source.flatten.max_depth)
        else:
            data = F.struct(F.col("_element").alias(ELEMENT_VALUE))
            fields, _nested = flatten_schema(
                T.StructType([T.StructField(ELEMENT_VALUE, element_type)]), max_depth=1
            )
        parsed = exploded.select(
            "_source_file",
            "_source_line",
            "_parent_event_date",
            "_position",
            data.alias("_data"),
            F.lit(None).cast("string").alias("_raw"),
            F.lit(None).cast("string").alias("_bad_reason"),
            *(
                [_element_lost_values(scalar, source.flatten.max_depth, text_paths(fields))]
                if checked
                else []
            ),
        )
        children.append(
            ChildBatch(table, parsed, fields, flat_values_json(fields), array_path=array.path, scalar=scalar)
        )
    return children


def _written_empty_only(batch: Batch, array: ArrayField, column_map: dict[Path, str]) -> bool:
    """Does no record of the batch hold an element of ``array``, whose child table (its
    ``column_map``) holds no scalar elements yet? An array only ever written empty is typed with
    text elements (``ingest.empty_values``): planning its child table from that would add a
    ``value`` column no element fills (or, under ``freeze``, fail the source on a path no record
    has). One small job, only for text elements where the child table has no ``value`` path."""
    if array.element_type != T.StringType() or (ELEMENT_VALUE,) in column_map:
        return False
    good = batch.parsed.where(F.col("_bad_reason").isNull())
    return good.where(F.size(json_value(array.path)) > 0).isEmpty()


def _written_elements(array_path: Path) -> Column:
    """The texts of the array's elements whose parse loses something (a number a double does not
    hold, a repeated key), in the records whose array does: an array, carried by reference to each
    element's row, which finds its own by index (``_element_lost_values``)."""
    holds = F.col(LOST_VALUES)[path_key(array_path)].isNotNull()
    return F.when(holds, written_elements(F.col("_raw"), array_path)).alias("_written_elements")


def _element_lost_values(scalar: bool, max_depth: int, element_text_paths: list[Path]) -> Column:
    """A child row's ``LOST_VALUES``, from its element's own text (when its parse loses
    something). A scalar element lands as that text (the child's ``value``); a string, which can
    only lose an unpaired surrogate, keeps it beside Spark's text (``UNPAIRED_PREFIX``). An object
    element's text columns are ``element_text_paths``."""
    text = F.try_element_at(F.col("_written_elements"), F.col("_position") + 1)
    if scalar:
        place = F.when(
            text.startswith('"'), F.lit(UNPAIRED_PREFIX + render_path((ELEMENT_VALUE,)))
        ).otherwise(path_key((ELEMENT_VALUE,)))
        found = F.when(text.isNotNull(), F.create_map(place, text))
    else:
        found = lost_values(text, max_depth, element_text_paths)
    return found.alias(LOST_VALUES)


@dataclass
class Target:
    """One table a source writes this run: the main table, or a child table of an exploded array."""

    table: str
    plan: TablePlan
    parsed: DataFrame
    values: dict[Path, Column]
    event_date: EventDate  # a child row takes its parent's date
    counted: bool = False  # rows reconcile with the input's records (routed children)
    exploded: tuple[Path, ...] = ()  # the main table's arrays whose elements are child rows

    def rows(self, source: SourceConfig, run_id: str, ingested_at: datetime) -> DataFrame:
        return to_table_rows(
            self.parsed,
            self.plan,
            self.values,
            run_id=run_id,
            ingested_at=ingested_at.isoformat(sep=" "),
            event_date=self.event_date,
            exploded=self.exploded,
        )


def _check_partition_format(spark: SparkSession, source: SourceConfig) -> None:
    """A ``ConfigError`` unless the source's partition.format, if a pattern, can date a record."""
    if source.partition.column and is_pattern(source.partition.format):
        check_time_pattern(spark, source.partition.format, source.name)


def _event_date(
    source: SourceConfig, values: dict[Path, Column], parsed: DataFrame | None = None
) -> EventDate:
    """The main table's partition date; a number Spark's parse rounded is read as written."""
    partition = source.partition
    column = partition.key_path
    written = None
    if column is not None and parsed is not None and LOST_VALUES in parsed.columns:
        written = F.col(LOST_VALUES)[path_key(column)]
    return event_date(values, column, partition.format, partition.fallback, meta.now().date(), written)


def plan_targets(spark: SparkSession, source: SourceConfig, batch: Batch | None) -> list[Target]:
    """The main table first, then one child table per exploded array.

    The source's ``schema_policy`` applies to every one of them (``ingest.contracts``): under
    ``freeze`` a new path in any table fails the source here, before anything is written; under
    ``discard_row`` the records carrying one are marked for quarantine, and so leave every table.
    """
    if batch is None:  # only empty files: the table still records them
        empty = spark.createDataFrame(
            [], "_source_file string, _source_line bigint, _raw string, _bad_reason string"
        )
        mapping = meta.column_maps(spark, [source.table])[source.table]
        plan = plan_source(spark, source, [], mapping)
        return [Target(source.table, plan, empty, {}, _event_date(source, {}))]
    _check_partition_format(spark, source)  # a stream's micro-batches come here, not to ingest_source
    main_date = _event_date(source, batch.values, batch.parsed)
    parent_date = main_date.date
    routed = []
    if batch.routed:  # a routed record's parent is its file's record in the main table
        parent_dates = batch.parsed.where(F.col("_bad_reason").isNull()).select(
            "_source_file", parent_date.alias("_parent_event_date")
        )
        routed = [
            replace(child, parsed=child.parsed.join(F.broadcast(parent_dates), "_source_file", "left"))
            for child in batch.routed
        ]
    array_tables = [child_table_name(source.table, array.path) for array in batch.arrays]
    mappings = meta.column_maps(spark, [source.table, *array_tables, *(child.table for child in routed)])
    # Decided once: the records discard_row keeps below take the same arrays.
    arrays = [
        array
        for array, table in zip(batch.arrays, array_tables, strict=True)
        if not _written_empty_only(batch, array, mappings[table])
    ]  # the others have no element to land; their records keep "[]" (EMPTY_ARRAY_PREFIX)
    children = child_batches(source, batch, parent_date, arrays)
    main_plan = plan_source(spark, source, batch.fields, mappings[source.table])

    def child_plan(child: ChildBatch) -> TablePlan:
        return plan_table(
            child.table,
            child.fields,
            current=current_schema(spark, child.table),
            column_map=mappings[child.table],
            policy=source.schema_policy,
            child=True,
        )

    child_plans = [child_plan(child) for child in children]
    routed_plans = [child_plan(child) for child in routed]
    kept_out = contracts.kept_out_in_table(main_plan, batch.values)
    for child, plan in zip(children, child_plans, strict=True):
        assert child.array_path is not None
        array = json_value(child.array_path)
        kept_out += contracts.kept_out_in_child(plan, array, child.array_path, child.scalar)
    if source.schema_policy == "freeze":
        if kept_out:
            raise contracts.freeze_error(source.name, batch.parsed, kept_out)
        for child, plan in zip(routed, routed_plans, strict=True):  # routed records: their own rows
            if routed_out := contracts.kept_out_in_table(plan, child.values):
                raise contracts.freeze_error(source.name, child.parsed, routed_out)
    if kept_out and source.schema_policy == "discard_row":
        batch = replace(batch, parsed=discard_rows(batch.parsed, contracts.discard_row_reasons(kept_out)))
        children = child_batches(source, batch, parent_date, arrays)  # of the records that stay
    exploded = tuple(array.path for array in batch.arrays)
    targets = [Target(source.table, main_plan, batch.parsed, batch.values, main_date, exploded=exploded)]
    for child, plan in zip(children + routed, child_plans + routed_plans, strict=True):
        targets.append(
            Target(
                child.table,
                plan,
                child.parsed,
                child.values,
                EventDate(F.col("_parent_event_date"), F.lit(None).cast("string")),
                counted=child.counted,
            )
        )
    return targets


@dataclass(frozen=True)
class Inputs:
    """What one batch run or micro-batch of a source commits, and how it was counted.

    Landing files (a run, or a file-stream micro-batch), or a Kafka micro-batch's topic
    partitions, each as a ``LandingFile`` whose uri is ``kafka://<topic>/<partition>`` (the rows'
    ``_source_file``; ``_source_line`` is the offset), size its message count and fingerprint its
    offset range. ``counted`` is the records per uri, counted apart from the readers.
    """

    files: list[LandingFile]
    counted: InputCount
    stream: StreamBatch | None = None  # a micro-batch: its commits are keyed by (query, batch)
    manifest: meta.PendingManifest | None = None  # a batch run's; None: mirror the files at once

    @property
    def landing(self) -> bool:
        """Are ``files`` landing files (checked for changes, mirrored in ``ingest_meta.files``)?"""
        return self.stream is None or self.stream.landing_files


def ingest_source(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    *,
    dry_run: bool,
    progress: Progress,
    fault: FaultPoint,
    manifest: meta.PendingManifest | None = None,
) -> SourceReport:
    report = SourceReport(source.name, source.table)
    _check_partition_format(spark, source)  # before any work, whether or not there are new files
    progress(source.name, "discover", f"listing {source.path}")
    if manifest is not None and manifest.holds(source.table):
        manifest.write(spark)  # an earlier source of this run wrote to the same table: mirror it first
    committed = meta.committed_files(spark, source.name, source.table, repair=not dry_run)
    new_files = []
    discovered = discover(source.patterns, missing_ok=source.pull is not None)
    for item in discovered:
        known = committed.get(item.uri)
        if known is None:
            new_files.append(item)
        elif (known.entry.size, known.entry.fingerprint) != (item.size, item.fingerprint):
            report.skipped_changed.append(item.uri)
            log.warning(
                "%s changed after it was ingested (run %s); not ingested again", item.uri, known.run_id
            )
    young = unsettled(new_files, source.settle_seconds, time.time())
    if young:
        report.waiting += [f.uri for f in young]
        new_files = [f for f in new_files if f not in young]
    if not new_files:
        return report
    whole = complete_directories([f.uri for f in discovered], [f.uri for f in new_files])
    return ingest_files(
        spark,
        source,
        run_id,
        new_files,
        report,
        dry_run=dry_run,
        progress=progress,
        fault=fault,
        manifest=manifest,
        directories=LandingDirectories(whole),
    )


def ingest_files(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    files: list[LandingFile],
    report: SourceReport,
    *,
    dry_run: bool = False,
    progress: Progress = lambda _source, _step, _detail: None,
    fault: FaultPoint | None = None,
    stream: StreamBatch | None = None,
    manifest: meta.PendingManifest | None = None,
    directories: LandingDirectories = BY_NAME,
) -> SourceReport:
    """Count, read, plan and commit new landing files (a run's, or a file-stream micro-batch's;
    ``directories``: those the files fill, see ``read_batch``)."""
    progress(source.name, "read", f"reading {len(files)} new file(s)")
    counted, batch = _count_and_read(spark, source, files, directories)
    inputs = Inputs(files, counted, stream, manifest)
    return ingest_batch(
        spark, source, run_id, batch, inputs, report, dry_run=dry_run, progress=progress, fault=fault
    )


def ingest_records(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    records: DataFrame,
    inputs: Inputs,
    report: SourceReport,
    *,
    progress: Progress = lambda _source, _step, _detail: None,
    fault: FaultPoint | None = None,
) -> SourceReport:
    """JSON records that are not in files (a Kafka micro-batch's messages; ``records`` persisted,
    released here): the JSON path from the inference on."""
    progress(source.name, "read", f"parsing {sum(inputs.counted.records.values())} record(s)")
    batch = json_batch(spark, source, records, inputs.files)
    return ingest_batch(spark, source, run_id, batch, inputs, report, progress=progress, fault=fault)


def ingest_batch(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    batch: Batch | None,
    inputs: Inputs,
    report: SourceReport,
    *,
    dry_run: bool = False,
    progress: Progress = lambda _source, _step, _detail: None,
    fault: FaultPoint | None = None,
) -> SourceReport:
    """Plan, then log and apply DDL and commit: the path every batch run and micro-batch takes."""
    try:
        targets = plan_targets(spark, source, batch)
        for target in targets:
            report.ddl += target.plan.ddl
            report.columns_added += [
                f"{c.table}.{c.column}" if c.table != source.table else c.column
                for c in target.plan.changes
                if c.change == "add_column"
            ]
            report.columns_widened += [
                f"{target.table}.{f.name}: {target.plan.widened_from[f.name].simpleString()} -> "
                f"{f.dataType.simpleString()}"
                for f in target.plan.widened
            ]
            if not target.plan.exists:
                report.tables_created[target.plan.table] = sum(
                    c.change == "add_column" for c in target.plan.changes
                )
        if dry_run:
            report.status = "planned"
            report.files = [FileReport(f.uri, status="new") for f in inputs.files]
            return report
        return _write_and_commit(
            spark, source, run_id, report, inputs, targets, progress, fault or FaultPoint(None)
        )
    finally:
        if batch:
            batch.release()


def _write_and_commit(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    report: SourceReport,
    inputs: Inputs,
    targets: list[Target],
    progress: Progress,
    fault: FaultPoint,
) -> SourceReport:
    """DDL, then one commit per table: children, quarantine, and the main table last.

    The main table's commit is the one that makes the files "in" (see ``ingest.tables.commit``);
    a crash before it is repaired by the next run, which appends to each table only the files
    that table does not hold yet. Files written to while the run read them are left out of every
    commit and wait for the next run (a file-stream micro-batch reads them again). A micro-batch's
    commits carry its key, so a replayed micro-batch adds nothing to a table that holds it.
    """
    ingested_at = meta.now()
    main = targets[0]
    new_files, counted = inputs.files, inputs.counted
    moved = changed(new_files) if inputs.landing else []
    if moved:
        report.waiting += moved
        new_files = [f for f in new_files if f.uri not in moved]
        if not new_files:
            return report
    persisted = [t.rows(source, run_id, ingested_at).persist(StorageLevel.MEMORY_AND_DISK) for t in targets]
    rows = {
        t.table: frame.where(~F.col("_source_file").isin(moved)) if moved else frame
        for t, frame in zip(targets, persisted, strict=True)
    }
    try:
        counts: dict[tuple[str, str], int] = {}
        report.rows_rescued = 0
        unread: dict[str, int] = {}  # file -> good records whose event time is not a time
        examples: list[str] = []
        # One job: records per (outcome, file), how many good ones carry rescued data or an event
        # time that is not a time, and which files give the main table's new (or widened) columns a
        # value, for the schema-change log.
        located = _columns_to_locate(main.plan)
        unread_text = F.substring(EVENT_TIME_UNREAD, 1, 100)  # an example for the report
        per_file = rows[main.table].groupBy(OUTCOME, "_source_file")
        seen: dict[str, str] = {}
        first_seen = {main.table: seen}
        for row in per_file.agg(
            F.count(F.lit(1)).alias("n"),
            F.count(F.when(F.expr(HAS_RESCUED_VALUES), True)).alias("rescued"),
            F.count(EVENT_TIME_UNREAD).alias("unread"),
            F.min(F.when(unread_text.rlike(NUMBER), unread_text)).alias("unread_number"),
            F.min(unread_text).alias("unread_text"),
            *[F.count(F.col(quote_identifier(c))).alias(f"_seen{i}") for i, c in enumerate(located)],
        ).collect():
            counts[(row[OUTCOME], row["_source_file"])] = row["n"]
            if row[OUTCOME] == "ok":
                report.rows_rescued += row["rescued"]
                if row["unread"]:
                    unread[row["_source_file"]] = row["unread"]
                    examples.append(row["unread_number"] or row["unread_text"])
                for i, column in enumerate(located):
                    if row[f"_seen{i}"]:
                        seen[column] = min(seen.get(column, row["_source_file"]), row["_source_file"])
        for target in targets[1:]:  # routed children hold records of their own (ULog messages)
            if target.counted:
                ok = rows[target.table].where(F.col(OUTCOME) == "ok")
                for row in ok.groupBy("_source_file").count().collect():
                    key = ("ok", row["_source_file"])
                    counts[key] = counts.get(key, 0) + row["count"]
        for target in targets:
            discarded = contracts.discarded_value_counts(target.plan, target.parsed, target.values)
            if discarded:
                report.values_discarded[target.table] = discarded
        _reconcile_with_input(counted, [f.uri for f in new_files], counts)
        entries = []
        for item in new_files:
            written, bad = counts.get(("ok", item.uri), 0), counts.get(("bad", item.uri), 0)
            status: FileStatus = "ingested" if written + bad else "empty"
            if item.uri in counted.unreadable:
                written, bad, status = 0, 1, "unreadable"  # the file is the one quarantined record
            entries.append(
                FileEntry(item.uri, item.size, item.fingerprint, written + bad, written, bad, status)
            )

        progress(source.name, "ddl", "logging schema changes and applying DDL")
        for target in targets[1:]:
            first_seen[target.table] = _first_seen(
                _table_rows(rows[target.table]), _columns_to_locate(target.plan)
            )
        plans = [t.plan for t in targets]
        _log_schema_changes(spark, plans, first_seen, run_id, ingested_at)
        for plan in plans:
            _apply_ddl(spark, plan)
        fault.hit("after_ddl")

        progress(source.name, "commit", f"committing {len(new_files)} file(s)")
        fanout = source.max_files_per_partition > 1
        for target in targets[1:]:
            append(
                spark,
                target.table,
                _table_rows(rows[target.table]),
                run_id=run_id,
                files=entries,
                fanout=fanout,
                batch=inputs.stream,
            )
            fault.hit("after_child_commit")
        bad_files = [e for e in entries if e.rows_quarantined or e.status == "empty"]
        if bad_files:
            quarantine = _quarantine_rows(
                spark, source, run_id, rows[main.table], bad_files, counted.unreadable, ingested_at
            )
            append(
                spark,
                meta.table("quarantine"),
                quarantine,
                run_id=run_id,
                files=bad_files,
                for_table=source.table,
                batch=inputs.stream,
            )
        fault.hit("after_quarantine")
        done = append(
            spark,
            main.table,
            _table_rows(rows[main.table]),
            run_id=run_id,
            files=entries,
            fanout=fanout,
            batch=inputs.stream,
        )
        fault.hit("after_commit")
    finally:
        for frame in persisted:
            frame.unpersist()
    _report_event_times_unread(source, report, sum(unread.get(e.uri, 0) for e in done), examples)
    committed_at = meta.now()
    # The manifest: landing files, and a Kafka micro-batch's partitions (uri kafka://topic/partition,
    # fingerprint its offset range), so readers reconcile streamed rows like files. A replayed
    # micro-batch (killed after its commit, before this) writes the rows the crash left out.
    mirrored = done
    if not inputs.landing and not done and not meta.run_mirrored(spark, source.table, run_id):
        mirrored = entries
    manifest_rows = meta.file_rows(
        source.name, source.table, {e.uri: CommittedFile(e, run_id, committed_at) for e in mirrored}
    )
    if inputs.manifest is not None:
        inputs.manifest.add(manifest_rows)  # written with the other sources' at the run's end
    else:
        meta.append(spark, "files", manifest_rows)
        fault.hit("after_manifest")
    mine = {e.uri for e in done}
    for entry in entries:
        if entry.uri in mine:
            report.files.append(
                FileReport(
                    entry.uri, entry.rows_read, entry.rows_written, entry.rows_quarantined, entry.status
                )
            )
        else:
            report.skipped_concurrent.append(entry.uri)
    report.status = "ingested" if done else "noop"
    return report


def _report_event_times_unread(
    source: SourceConfig, report: SourceReport, rows: int, examples: list[str]
) -> None:
    """Report the committed records whose event time is not a time under ``partition.format``."""
    partition = source.partition
    if not rows or not partition.column:
        return
    numbers = [e for e in examples if re.fullmatch(NUMBER, e)]
    example = min(numbers or examples)
    suggested = suggested_format(example, meta.now().date())
    report.event_times_unread = EventTimesUnread(
        partition.column, partition.format, partition.fallback, rows, example, suggested
    )
    log.warning(
        "%s: %d record(s) have a %s that is not a time under partition.format %s (e.g. %r): "
        "partitioned by their %s%s",
        source.name,
        rows,
        partition.column,
        partition.format,
        example,
        partition.fallback.replace("_", " "),
        f"; they look like {suggested}" if suggested else "",
    )


def _count_and_read(
    spark: SparkSession, source: SourceConfig, files: list[LandingFile], directories: LandingDirectories
) -> tuple[InputCount, Batch | None]:
    """The independent count of ``files`` and Spark's read of the readable ones.

    A gzip file is counted before the read: one cut short is quarantined whole and left out of
    it (Spark would fail the batch's read on it); so is a file compressed otherwise, which ingest
    does not read (``record_count.unread_compression``). A plain file's count runs beside the read: on
    S3 it is one GET per object (20,000 objects: 21.5 s), time that need not wait on Spark's. On
    this 2-core machine it gained only 3-5 s of that, as the count's client, Spark's tasks and
    the local SeaweedFS share the two cores (bench/RESULTS.md, session 42). Should a plain file
    fail the count after all (gone since discovery, or an I/O error), the batch is read again
    without it, as if it had been counted first.
    """
    # A CSV file is read by the header guess and by the count: a small object is fetched once.
    shared = SharedFetches({f.uri: f.size for f in files}, HEAD_BYTES) if source.format == "csv" else None
    heads = shared.head if shared else None
    first = _count_input(source, [f for f in files if counted_before_read(f.uri)], shared)
    readable = [f for f in files if f.uri not in first.unreadable]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="count") as pool:
        beside = pool.submit(
            _count_input, source, [f for f in files if not counted_before_read(f.uri)], shared
        )
        batch: Batch | None = None
        try:
            batch = read_batch(spark, source, readable, directories, heads)
        except Exception:
            if not beside.result().unreadable:
                raise  # not a file the count could not read either: Spark's own error
        try:
            rest = beside.result()
        except BaseException:
            if batch is not None:
                batch.release()
            raise
    if rest.unreadable:
        if batch is not None:
            batch.release()
        batch = read_batch(spark, source, [f for f in readable if f.uri not in rest.unreadable], directories)
    counted = {**first.records, **rest.records}
    # The count takes a CSV file's first filled record for its header unless the source says
    # `header: none`; the files the header guess found none in are every record data.
    for uri in batch.headerless if batch is not None else ():
        if uri in counted:
            counted[uri] += 1
    return InputCount(counted, {**first.unreadable, **rest.unreadable}), batch


def _count_input(source: SourceConfig, files: list[LandingFile], opener: Opener | None = None) -> InputCount:
    """Records per file from the raw bytes (not by the readers): a file that cannot be read to
    the end (a truncated gzip) is quarantined whole instead of failing the batch's read."""
    grammar = CsvGrammar(
        delimiter=source.csv.delimiter,
        quote=source.csv.quote,
        escape=source.csv.escape,
        encoding=source.csv.encoding,
        header=source.csv.header != "none",
        comment=source.csv.comment,
    )
    counted = count_input(
        [f.uri for f in files],
        source.format,
        grammar,
        ulog_topics=frozenset(source.ulog.topics),
        opener=opener,
    )
    for uri, why in counted.unreadable.items():
        log.warning("%s: %s (quarantined whole; a file that is gone waits instead)", uri, why)
    return counted


def _reconcile_with_input(counted: InputCount, uris: list[str], counts: dict[tuple[str, str], int]) -> None:
    """Records counted from the input = rows written + quarantined, per readable file.

    Runs before any commit: a mismatch fails the source with nothing of it committed.
    """
    expected = {uri: counted.records[uri] for uri in uris if uri in counted.records}
    written = {uri: n for (outcome, uri), n in counts.items() if outcome == "ok"}
    quarantined = {uri: n for (outcome, uri), n in counts.items() if outcome == "bad"}
    mismatches = reconcile(expected, written, quarantined)
    if mismatches:
        raise ReconcileError(mismatches)


def _table_rows(rows: DataFrame) -> DataFrame:
    """The rows that go to the table: good records, without the outcome columns."""
    return rows.where(F.col(OUTCOME) == "ok").drop(OUTCOME, "_raw", "_bad_reason", EVENT_TIME_UNREAD)


_WHOLE_FILE_QUARANTINE = T.StructType(
    [
        T.StructField("file_uri", T.StringType()),
        T.StructField("line", T.LongType()),
        T.StructField("raw", T.StringType()),
        T.StructField("reason", T.StringType()),
    ]
)


def _quarantine_rows(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    rows: DataFrame,
    files: list[FileEntry],
    unreadable: dict[str, str],
    at: datetime,
) -> DataFrame:
    bad = rows.where(F.col(OUTCOME) == "bad").select(
        F.col("_source_file").alias("file_uri"),
        F.col("_source_line").alias("line"),
        F.substring(F.col("_raw"), 1, meta.RAW_LIMIT).alias("raw"),
        F.col("_bad_reason").alias("reason"),
    )

    def nothing(file: FileEntry) -> str:
        if file.size == 0 or source.format != "csv" or source.csv.header == "none":
            return "empty file: no records"
        # a header alone is no record either; a file of one line of data may be taken for one
        return (
            "no records: the file holds only its header, or rows of empty fields (if its one line "
            "is data, the source's files have no header: csv.header: none)"
        )

    empty = [(f.uri, None, None, nothing(f)) for f in files if f.status == "empty"]
    empty += [
        (f.uri, None, None, unreadable[f.uri])  # "cannot read the file to the end: ...", "not CSV text: ..."
        for f in files
        if f.status == "unreadable"
    ]
    if empty:
        bad = bad.unionByName(local_frame(spark, empty, _WHOLE_FILE_QUARANTINE))
    return bad.select(
        F.lit(run_id).alias("run_id"),
        F.lit(source.name).alias("source"),
        F.lit(source.table).alias("table_name"),
        "file_uri",
        F.col("line").cast("bigint").alias("line"),
        "raw",
        "reason",
        F.lit(at).cast("timestamp").alias("quarantined_at"),
    )


def _columns_to_locate(plan: TablePlan) -> list[str]:
    """The columns whose first file the schema-change log records: new ones and widened ones."""
    return [c.column for c in plan.new_mappings if c.is_new_column] + [f.name for f in plan.widened]


def _first_seen(rows: DataFrame, columns: list[str]) -> dict[str, str]:
    """The first file (in file order) where each of ``columns`` has a value."""
    if not columns:
        return {}
    row = rows.agg(
        *[
            F.min(F.when(F.col(quote_identifier(c)).isNotNull(), F.col("_source_file"))).alias(c)
            for c in columns
        ]
    ).first()
    return {c: row[c] for c in columns if row[c] is not None} if row else {}


def _log_schema_changes(
    spark: SparkSession,
    plans: list[TablePlan],
    first_seen: dict[str, dict[str, str]],
    run_id: str,
    at: datetime,
) -> None:
    """Log the new column mappings and schema changes of a source's tables: one append to each
    log for all of them (every append is an Iceberg commit), before any DDL is applied."""
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
                "first_source_file": first_seen[plan.table].get(c.column),
                "first_seen_at": at,
            }
            for plan in plans
            for c in plan.new_mappings
        ],
    )
    changed = [plan for plan in plans if plan.changes]
    if not changed:
        return
    logged = meta.logged_changes(spark, [plan.table for plan in changed])
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
                "ddl": "\n".join(plan.ddl),
                "source_file": first_seen[plan.table].get(c.column),
                "changed_at": at,
            }
            for plan in changed
            for c in plan.changes
            if (c.table, c.column, c.change, c.data_type) not in logged
        ],
    )


def _apply_ddl(spark: SparkSession, plan: TablePlan) -> None:
    """Apply a table's DDL under its commit lock, after the changes were logged.

    Logged first: a crash between the log and the DDL leaves a logged change the next run applies
    (it plans against the table, finds the column missing, and adds it).
    """
    if plan.exists and not plan.ddl and not plan.new_mappings:
        return  # nothing to apply (most micro-batches): no metastore round trip, no lock
    database = plan.table.split(".", 1)[0]
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
    with commit_lock(spark, plan.table):  # a concurrent run may have added the same columns
        current = current_schema(spark, plan.table)
        if current is None:
            spark.sql(plan.ddl[0])
            return
        have = {f.name: f.dataType for f in current.fields}
        missing = [f for f in plan.table_schema.fields if f.name not in have]
        if missing:
            spark.sql(add_columns_sql(plan.table, missing))
        for column in plan.widened:  # a concurrent run may have widened it already
            if column.name in have and promotion(have[column.name], column.dataType) is not None:
                log.info("%s: widening %s to %s", plan.table, column.name, column.dataType.simpleString())
                spark.sql(widen_column_sql(plan.table, column))


# S3A's words for a request S3 refused (HTTP 403), with the key it was for
_S3_DENIED = re.compile(
    r"AccessDeniedException (?P<key>\S+?): .*?(?:Access Denied|Status Code: 403)", re.DOTALL
)


def refused_write(exc: Exception, table: str) -> ConfigError | None:
    """A source that failed because S3 refused a request (403) on a warehouse key, as an error
    that says so: the credentials may not write there, not a bug (the platform's ingest identity
    writes the landing bucket and the raw and ingest_meta databases only; a table in another
    database, `--table u.x`, failed with pages of Java)."""
    found = _S3_DENIED.search(str(exc))
    if found is None:
        return None
    return ConfigError(
        f"S3 refused access to {found['key']} (403 Access Denied): the credentials ingest runs "
        "with may not write there",
        where=table,
        hint="on the platform, ingest's identity writes the landing bucket and the raw and "
        "ingest_meta databases only: choose a table in raw (dbt writes the other databases), or "
        "grant your own credentials that prefix",
    )


def run(
    spark: SparkSession,
    sources: list[SourceConfig],
    *,
    command: str = "run",
    dry_run: bool = False,
    progress: Progress = lambda _source, _step, _detail: None,
    fault: FaultPoint | None = None,
    work_dir: FsPath | None = None,
) -> RunReport:
    fault = fault or FaultPoint(None)
    meta.ensure_meta_tables(spark)
    if not dry_run and work_dir is not None and any(s.pull for s in sources):
        from ingest.pull.mirror import mirror_pulls

        mirror_pulls(spark, sources, work_dir)
    run_id = new_run_id()
    report = RunReport(run_id, dry_run, [])
    # The file manifest: one commit per run, not one per source (fewer commits to ingest_meta.files
    # and fewer snapshots in it; each is a Spark job and a metastore lock, 0.4 s on a cluster).
    manifest = meta.PendingManifest()
    if not dry_run:
        meta.log_run(spark, run_id, command, "started", {"sources": [s.name for s in sources]})
    for source in sources:
        try:
            report.sources.append(
                ingest_source(
                    spark, source, run_id, dry_run=dry_run, progress=progress, fault=fault, manifest=manifest
                )
            )
        except (DataError, InputError, ConfigError) as exc:
            # Counts that do not balance, a schema contract, a landing path that is not there, a
            # table that is not ingest's to write: nothing of this source is committed, and the
            # other sources still run.
            log.error("%s", exc.render())
            failed = SourceReport(
                source.name, source.table, status="failed", error=exc.what, exit_code=exc.exit_code
            )
            report.sources.append(failed)
        except IngestError as exc:  # terminal for the whole run (bad state)
            if not dry_run:
                manifest.write(spark)
                meta.log_run(spark, run_id, command, "failed", {"error": exc.render()})
            raise
        except Exception as exc:  # one source failing must not hide the others' results
            if (refused := refused_write(exc, source.table)) is not None:  # a user's to fix: no traceback
                log.error("%s", refused.render())
                failed = SourceReport(
                    source.name,
                    source.table,
                    status="failed",
                    error=refused.what,
                    exit_code=refused.exit_code,
                )
            else:
                log.exception("source %s failed", source.name)
                failed = SourceReport(
                    source.name, source.table, status="failed", error=str(exc).splitlines()[0], exit_code=1
                )
            report.sources.append(failed)
        progress(source.name, "done", report.sources[-1].status)
    if not dry_run:
        manifest.write(spark)
        fault.hit("after_manifest")
        status: meta.RunStatus = "succeeded" if report.ok else "failed"
        if all(s.status == "noop" for s in report.sources):
            status = "noop"
        meta.log_run(spark, run_id, command, status, report.to_dict())
    return report

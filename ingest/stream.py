"""``ingest stream``: Spark Structured Streaming into the same tables, through the batch path.

One streaming query per source: its Kafka topic (``stream.kind: kafka``) or the new files under its
landing path (``files``, the default). Each micro-batch (``foreachBatch``) goes through
``pipeline.ingest_batch`` like a batch run: flatten, name, type, plan, log and apply the DDL (a new
key becomes ``ALTER TABLE ... ADD COLUMNS`` between two micro-batches, without a restart),
quarantine the bad records, and one Iceberg commit per (micro-batch, table).

Exactly once, two halves:
- each query's checkpoint (``<state>/streams/<source>/<kind>``) records which offsets or files
  each micro-batch holds, and which micro-batches are done;
- each table commit carries the micro-batch's key (query id, batch id) and is skipped when the
  table already holds it (``ingest.tables.commit``).
A process killed after a table commit but before the checkpoint's commit replays that batch on
restart, with the same messages: the tables that hold it are left alone, the others get it.

Micro-batches of different sources take turns (one lock): the metastore client and the commit
path are not shared between threads. A stop request (SIGTERM, Ctrl-C) waits for the micro-batch in
flight to finish, then stops every query; a micro-batch that starts after the request fails
without committing anything and runs again at the next start.
"""

from __future__ import annotations

import json
import logging
import operator
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any, Literal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from ingest import meta, pipeline
from ingest.config import SourceConfig
from ingest.errors import IngestError, StateError
from ingest.faults import FaultPoint
from ingest.sources.kafka import batch_records, kafka_stream
from ingest.sources.kafka_offsets import read_planned_ranges
from ingest.sources.landing_stream import batch_files, file_stream, refreshed, wait_until_settled
from ingest.tables.commit import StreamBatch

log = logging.getLogger(__name__)

MAX_REREADS = 5  # a file-stream batch reads files that change while it reads them at most this often


@dataclass
class BatchReport:
    """One micro-batch of one source, as the progress line shows it."""

    source: str
    batch_id: int
    run_id: str
    rows_read: int
    rows_written: int
    rows_quarantined: int
    columns_added: list[str]
    seconds: float  # processing time of the micro-batch
    latency: float | None  # oldest input (Kafka timestamp, file modification) to visible in the table
    replayed: bool  # every table already held it: a replay after a crash
    event_times_unread: pipeline.EventTimesUnread | None = None  # partitioned by the fallback date


def _summed(counts: Iterable[pipeline.EventTimesUnread | None]) -> pipeline.EventTimesUnread | None:
    """Records partitioned by the fallback date, over a micro-batch's reads or a stream's batches."""
    found = [count for count in counts if count is not None]
    return reduce(operator.add, found) if found else None


@dataclass
class SourceTotals:
    source: str
    table: str
    kind: str
    batches: int = 0
    replayed: int = 0
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    columns_added: list[str] = field(default_factory=list)
    event_times_unread: pipeline.EventTimesUnread | None = None  # over every micro-batch
    error: str | None = None

    def add(self, batch: BatchReport) -> None:
        self.batches += 1
        self.event_times_unread = _summed([self.event_times_unread, batch.event_times_unread])
        self.replayed += batch.replayed
        self.rows_read += batch.rows_read
        self.rows_written += batch.rows_written
        self.rows_quarantined += batch.rows_quarantined
        self.columns_added += [c for c in batch.columns_added if c not in self.columns_added]


StopReason = Literal["finished", "stopped", "failed"]


@dataclass
class StreamReport:
    run_id: str
    sources: list[SourceTotals]
    stopped: StopReason = "finished"

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


class StopRequested(Exception):
    """A micro-batch began after the stop request: it commits nothing and runs again next start."""


def checkpoint_dir(state_dir: Path, source: SourceConfig) -> Path:
    """One checkpoint per (source, query kind) under the state dir."""
    return state_dir / "streams" / source.name / source.stream.kind


def _query_id(checkpoint: Path) -> str:
    """The query's id as its checkpoint keeps it (the same after a restart; Spark writes it first)."""
    with (checkpoint / "metadata").open(encoding="utf-8") as handle:
        return str(json.loads(handle.readline())["id"])


class StreamRunner:
    def __init__(
        self,
        spark: SparkSession,
        sources: list[SourceConfig],
        *,
        state_dir: Path,
        trigger_seconds: float,
        available_now: bool,
        on_batch: Callable[[BatchReport], None] = lambda _batch: None,
        fault: FaultPoint | None = None,
    ) -> None:
        self.spark = spark
        self.sources = sources
        self.state_dir = state_dir
        self.trigger_seconds = trigger_seconds
        self.available_now = available_now
        self.on_batch = on_batch
        self.fault = fault or FaultPoint(None)
        self.run_id = pipeline.new_run_id()
        self.totals = {s.name: SourceTotals(s.name, s.table, s.stream.kind) for s in sources}
        self.queries: dict[str, StreamingQuery] = {}
        self._turn = threading.Lock()
        self._closed = False
        self._started = False  # the run's "started" row is logged: it must get a final one

    def start(self) -> None:
        """Log the run as started and start a query per source; if one cannot start (a landing path
        missing, Kafka's jars), stop those already started and log the run as failed."""
        meta.ensure_meta_tables(self.spark)
        meta.log_run(
            self.spark, self.run_id, "stream", "started", {"sources": [s.name for s in self.sources]}
        )
        self._started = True
        try:
            self._start_queries()
        except BaseException as exc:
            self._end_failed(exc)
            raise

    def _start_queries(self) -> None:
        for source in self.sources:
            if source.stream.kind == "kafka":
                frame = kafka_stream(self.spark, source)
            else:
                frame = file_stream(self.spark, source)
            writer = (
                frame.writeStream.queryName(f"dap-{source.name}-{source.stream.kind}")
                .option("checkpointLocation", str(checkpoint_dir(self.state_dir, source)))
                .foreachBatch(self._handler(source))
            )
            if self.available_now:
                writer = writer.trigger(availableNow=True)
            else:
                writer = writer.trigger(processingTime=f"{self.trigger_seconds} seconds")
            self.queries[source.name] = writer.start()
            log.info("streaming %s (%s) into %s", source.name, source.stream.kind, source.table)

    def _handler(self, source: SourceConfig) -> Callable[[DataFrame, int], None]:
        def handle(frame: DataFrame, batch_id: int) -> None:
            with self._turn:
                if self._closed:
                    raise StopRequested(f"{source.name}: micro-batch {batch_id} began after the stop request")
                try:
                    report = self._micro_batch(source, frame, batch_id)
                except Exception as exc:
                    self.totals[source.name].error = _describe(exc)
                    raise
                self.totals[source.name].add(report)
            self.on_batch(report)

        return handle

    def _micro_batch(self, source: SourceConfig, frame: DataFrame, batch_id: int) -> BatchReport:
        started = time.monotonic()
        checkpoint = checkpoint_dir(self.state_dir, source)
        query_id = _query_id(checkpoint)
        run_id = f"stream-{query_id[:8]}-{batch_id}"
        report = pipeline.SourceReport(source.name, source.table)
        if source.stream.kind == "kafka":
            stream = StreamBatch(query_id, batch_id, landing_files=False)
            planned = read_planned_ranges(checkpoint, batch_id)
            messages = batch_records(frame, source, planned, checkpoint)
            # A trigger with no new message (the query's first one): no table work, nothing to log.
            if not messages.partitions:
                messages.records.unpersist()
                return BatchReport(
                    source=source.name, batch_id=batch_id, run_id=run_id, rows_read=0, rows_written=0,
                    rows_quarantined=0, columns_added=[], seconds=time.monotonic() - started,
                    latency=None, replayed=False,
                )  # fmt: skip
            oldest = messages.oldest
            inputs = pipeline.Inputs(messages.partitions, messages.counted, stream)
            report = pipeline.ingest_records(
                self.spark, source, run_id, messages.records, inputs, report, fault=self.fault
            )
            reports = [report]
        else:
            listed, oldest = batch_files(frame)
            files = wait_until_settled(listed, source.settle_seconds)
            reports = []
            attempt = 0
            while files:
                stream = StreamBatch(query_id, batch_id, landing_files=True, attempt=attempt)
                report = pipeline.ingest_files(
                    self.spark, source, run_id, files, pipeline.SourceReport(source.name, source.table),
                    fault=self.fault, stream=stream,
                )  # fmt: skip
                reports.append(report)
                if not report.waiting:
                    break
                attempt += 1
                if attempt > MAX_REREADS:
                    raise StateError(
                        f"{len(report.waiting)} file(s) kept changing while they were read",
                        where=", ".join(report.waiting[:3]),
                        hint="write landing files elsewhere and rename them into place, or set settle_seconds",
                    )
                time.sleep(max(1.0, source.settle_seconds))
                files = refreshed(report.waiting, listed)
        done = time.time()
        return BatchReport(
            source=source.name,
            batch_id=batch_id,
            run_id=run_id,
            rows_read=sum(r.rows_read for r in reports),
            rows_written=sum(r.rows_written for r in reports),
            rows_quarantined=sum(r.rows_quarantined for r in reports),
            columns_added=[c for r in reports for c in r.columns_added],
            seconds=time.monotonic() - started,
            latency=done - oldest if oldest is not None else None,
            # An empty Kafka batch returned above, so a batch here has input: all noop is a replay.
            replayed=bool(reports) and all(r.status == "noop" for r in reports),
            event_times_unread=_summed(r.event_times_unread for r in reports),
        )

    def wait(self, stop: threading.Event, poll_seconds: float = 0.5) -> StreamReport:
        """Run until ``stop`` is set or every query has ended (available-now: all data in)."""
        report = StreamReport(self.run_id, list(self.totals.values()))
        if not self._started:  # stopped while Spark started (Ctrl-C): nothing ran, nothing to log
            report.stopped = "stopped"
            return report
        try:
            while not stop.wait(poll_seconds):
                if not any(q.isActive for q in self.queries.values()):
                    break
            if stop.is_set():
                report.stopped = "stopped"
            self._close()
            for name, query in self.queries.items():
                error = query.exception()
                totals = self.totals[name]
                if error is not None and totals.error is None and "StopRequested" not in str(error):
                    totals.error = str(error).splitlines()[0]
        except BaseException as exc:
            self._end_failed(exc)
            raise
        if not report.ok:
            report.stopped = "failed"
        status: meta.RunStatus = "succeeded" if report.ok else "failed"
        meta.log_run(self.spark, self.run_id, "stream", status, report.to_dict())
        return report

    def _close(self) -> None:
        """Stop every query, the micro-batch in flight first finishing (a later one commits nothing)."""
        with self._turn:
            self._closed = True
        for query in self.queries.values():
            query.stop()

    def _end_failed(self, exc: BaseException) -> None:
        """Stop what runs and log the run as failed with ``exc`` (the caller re-raises it), so that
        it does not stay "started" (``ingest status`` would show it running)."""
        try:
            self._close()
        except Exception:
            log.warning("could not stop the stream's queries", exc_info=True)
        try:
            meta.log_run(self.spark, self.run_id, "stream", "failed", {"error": _describe(exc)})
        except Exception:
            log.warning("could not log run %s as failed", self.run_id, exc_info=True)


def _describe(exc: BaseException) -> str:
    """An error as a run's detail or a source's status shows it: an ``IngestError`` whole, else its first line."""
    if isinstance(exc, IngestError):
        return exc.render()
    return str(exc).splitlines()[0] if str(exc) else repr(exc)

"""Run ``StreamRunner`` in-process for a test: start, poll the table, stop like SIGTERM would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.config import IngestConfig, SourceConfig
from ingest.stream import BatchReport, StreamReport, StreamRunner


def source_config(**body: Any) -> SourceConfig:
    return IngestConfig(sources=[body]).sources[0]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def table_rows(spark: Any, table: str, order_by: str = "_source_file, _source_line") -> list[dict[str, Any]]:
    if not spark.catalog.tableExists(table):
        return []
    spark.sql(f"REFRESH TABLE {table}")
    return [r.asDict() for r in spark.sql(f"select * from {table} order by {order_by}").collect()]


def refresh_meta(spark: Any) -> None:
    """A stream commits from its own (cloned) session: this one's Iceberg catalog may hold an
    older snapshot of the meta tables until its cache expires (30 s)."""
    for name in ("quarantine", "schema_changes"):
        spark.sql(f"REFRESH TABLE ingest_meta.{name}")


class Running:
    def __init__(self) -> None:
        self.batches: list[BatchReport] = []
        self.report: StreamReport | None = None


@contextmanager
def running_stream(
    spark: Any, sources: list[SourceConfig], state_dir: Path, trigger_seconds: float = 1.0
) -> Iterator[Running]:
    """A stream running in the background for the block; stopped (as on SIGTERM) when it ends."""
    running = Running()
    runner = StreamRunner(
        spark,
        sources,
        state_dir=state_dir,
        trigger_seconds=trigger_seconds,
        available_now=False,
        on_batch=running.batches.append,
    )
    stop = threading.Event()
    runner.start()

    def wait() -> None:
        running.report = runner.wait(stop)

    thread = threading.Thread(target=wait, name="stream-wait")
    thread.start()
    try:
        yield running
    finally:
        stop.set()
        thread.join(timeout=180)
        assert not thread.is_alive(), "the stream did not stop"

"""The ``stream`` block of a source and the micro-batch commit key (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.errors import ConfigError
from ingest.sources.kafka import topics
from ingest.stream import checkpoint_dir
from ingest.tables.commit import STREAM_BATCH_KEY, StreamBatch, batch_committed


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "ingest.yml"
    path.write_text(f"landing: {tmp_path}\nsources:\n{body}")
    return path


def test_defaults_stream_new_files_and_kafka_uses_the_collectors_topics(tmp_path: Path) -> None:
    config = load_config(
        _config(
            tmp_path,
            "  files: {path: f, table: raw.f, format: csv}\n"
            "  cam: {path: c, table: raw.c, format: json, stream: {kind: kafka, max_offsets_per_trigger: 500}}\n",
        )
    )
    files, cam = config.sources
    assert files.stream.kind == "files" and files.stream.max_files_per_trigger == 1000
    assert cam.stream.kind == "kafka" and cam.stream.starting_offsets == "earliest"
    assert topics(cam) == ("dap.events.cam", "dap.deadletter.cam")
    assert checkpoint_dir(tmp_path / "state", cam) == tmp_path / "state" / "streams" / "cam" / "kafka"


def test_kafka_needs_json_and_a_valid_topic(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="stream.kind kafka needs format json"):
        load_config(_config(tmp_path, "  x: {path: x, table: raw.x, format: csv, stream: {kind: kafka}}\n"))
    with pytest.raises(ConfigError, match="Kafka topic name"):
        load_config(
            _config(
                tmp_path, "  x: {path: x, table: raw.x, format: json, stream: {kind: kafka, topic: 'a b'}}\n"
            )
        )
    with pytest.raises(ConfigError, match="stream.kind"):
        load_config(_config(tmp_path, "  x: {path: x, table: raw.x, format: json, stream: {kind: mqtt}}\n"))


def test_a_micro_batch_is_committed_once_per_table_and_key() -> None:
    batch = StreamBatch("q1", 4, landing_files=False)
    assert batch.key == "q1/4" and batch._replace(attempt=2).key == "q1/4.2"
    summaries = [(None, {STREAM_BATCH_KEY: "q1/4", "dap.run-id": "stream-q1-4", "dap.for-table": "raw.a"})]
    assert batch_committed(summaries, batch)  # type: ignore[arg-type]
    assert not batch_committed(summaries, batch._replace(batch_id=5))  # type: ignore[arg-type]
    assert not batch_committed(summaries, batch, for_table="raw.b")  # type: ignore[arg-type]
    undone = [*summaries, (None, {"dap.rolled-back-run": "stream-q1-4"})]
    assert not batch_committed(undone, batch)  # type: ignore[arg-type]


def test_a_stream_stopped_before_it_started_logs_no_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while Spark starts: ``start`` never ran, so no "started" row was written; the run
    wrote a "succeeded" row anyway, for a run that did nothing."""
    import threading

    from ingest import meta
    from ingest.stream import StreamRunner

    logged: list[tuple[str, str]] = []
    monkeypatch.setattr(
        meta,
        "log_run",
        lambda _spark, run_id, _command, status, _detail=None: logged.append((run_id, status)),
    )
    (source,) = load_config(_config(tmp_path, "  f: {path: f, table: raw.f, format: json}\n")).sources
    runner = StreamRunner(
        None,  # type: ignore[arg-type]  # never reached: nothing starts
        [source],
        state_dir=tmp_path / "state",
        trigger_seconds=1,
        available_now=True,
    )
    stop = threading.Event()
    stop.set()
    report = runner.wait(stop)
    assert (report.stopped, report.ok, logged) == ("stopped", True, [])

"""``ingest stream`` from Kafka against the real broker: a new key mid-stream becomes a column
without a restart, bad messages and the collector's dead letters go to quarantine with their
topic/partition/offset, and a streaming process SIGKILLed mid-batch and restarted neither loses
nor duplicates an event (every value the test posted through the real collector, compared)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from ingest.broker import Broker, deadletter_topic, ensure_source_topics, events_topic
from tests.conftest import ROOT, cli_env

from .collector_process import Collector
from .conftest import free_port
from .stream_helpers import refresh_meta, running_stream, source_config, table_rows, wait_for

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def produce(
    bootstrap: str, topic: str, values: list[bytes], headers: list[tuple[str, bytes]] | None = None
) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    for value in values:
        producer.produce(topic, value=value, headers=headers)
    assert producer.flush(30) == 0


def test_new_key_mid_stream_bad_messages_and_dead_letters(spark: Any, broker: Broker, tmp_path: Path) -> None:
    table = "stream_kafka.events"
    bootstrap = broker.settings.bootstrap
    source = source_config(
        name="sk", path=str(tmp_path), table=table, format="json", partition={"column": "ts"},
        stream={"kind": "kafka", "bootstrap_servers": bootstrap},
    )  # fmt: skip
    ensure_source_topics(broker.settings, [source])
    events = events_topic("sk")
    first = [
        json.dumps({"id": i, "ts": "2026-01-05T10:00:00Z", "dev": {"serial": f"S{i}"}}).encode()
        for i in range(4)
    ]
    produce(bootstrap, events, [*first, b"{not json", b'"a string"', b""])
    produce(bootstrap, deadletter_topic("sk"), [b"<html>"], headers=[("dap-error", b"not JSON: line 1")])
    with running_stream(spark, [source], tmp_path / "state") as stream:
        wait_for(lambda: len(table_rows(spark, table)) == 4, "the first messages")
        assert "fw" not in spark.table(table).columns
        produce(
            bootstrap, events, [json.dumps({"id": 10, "ts": "2026-01-06T10:00:00Z", "fw": "2.1"}).encode()]
        )
        wait_for(lambda: len(table_rows(spark, table)) == 5, "the message with a new key")
    assert stream.report is not None and stream.report.ok
    refresh_meta(spark)

    rows = table_rows(spark, table, order_by="id")
    assert [(r["id"], r["dev_serial"], r["fw"]) for r in rows] == [
        (0, "S0", None), (1, "S1", None), (2, "S2", None), (3, "S3", None), (10, None, "2.1"),
    ]  # fmt: skip
    assert all(r["_source_file"].startswith(f"kafka://{events}/") for r in rows)
    assert any(b.columns_added == ["fw"] for b in stream.batches)
    assert (
        spark.sql(
            f"select change from ingest_meta.schema_changes where table_name = '{table}' and column_name = 'fw'"
        )
        .collect()[0]
        .change
        == "add_column"
    )
    quarantined = spark.sql(
        f"select file_uri, line, raw, reason from ingest_meta.quarantine where table_name = '{table}'"
    ).collect()
    by_raw = {q.raw: q for q in quarantined}
    assert set(by_raw) == {"{not json", '"a string"', "", "<html>"}
    assert by_raw["{not json"].reason.startswith("malformed JSON")
    assert by_raw['"a string"'].reason == "not a JSON object"
    assert by_raw["<html>"].reason == "dead letter of the collector: not JSON: line 1"
    assert by_raw["<html>"].file_uri == f"kafka://{deadletter_topic('sk')}/0" and by_raw["<html>"].line == 0
    for q in quarantined:  # topic/partition/offset lead back to the message
        assert q.file_uri.startswith("kafka://") and q.line is not None


DUMP = """
import json, sys
from ingest.settings import load_settings
from ingest.spark_session import build_spark
spark = build_spark(load_settings(), "dump")
table = sys.argv[1]
rows = spark.sql(f"select marker, seq, _source_file, _source_line from {table}").collect()
q = spark.sql(f"select count(*) from ingest_meta.quarantine where table_name = '{table}'").first()[0]
manifest = spark.sql(
    "select file_uri, sum(rows_written) from (select distinct file_uri, fingerprint, run_id, rows_written "
    f"from ingest_meta.files where table_name = '{table}') group by file_uri"
).collect()
print(json.dumps({"rows": [list(r) for r in rows], "quarantined": q, "manifest": dict(manifest)}))
"""


def _stream_cli(config: Path, state: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "stream", "-c", str(config), "--trigger-seconds", "1", *args],
        cwd=ROOT,
        env={**cli_env(state), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_batch_and_restart_loses_and_duplicates_nothing(broker: Broker, tmp_path: Path) -> None:
    bootstrap = broker.settings.bootstrap
    config = tmp_path / "ingest.yml"
    config.write_text(
        f"landing: {tmp_path / 'landing'}\nsources:\n"
        f"  kc: {{path: kc, table: raw.kc, format: json, stream: {{kind: kafka, bootstrap_servers: '{bootstrap}'}}}}\n"
    )
    state = tmp_path / "state"
    collector = Collector(config, broker.settings, tmp_path / "collector", free_port())
    (tmp_path / "collector").mkdir()
    collector.start()
    marker = uuid.uuid4().hex[:8]
    posted: list[int] = []
    stop_posting = threading.Event()

    def post_events() -> None:  # 50 events every 0.2 s, as devices would, until told to stop
        seq = 0
        while not stop_posting.is_set():
            body = "".join(json.dumps({"marker": marker, "seq": seq + i}) + "\n" for i in range(50))
            if collector.post("kc", body.encode()).status_code == 200:
                posted.extend(range(seq, seq + 50))
                seq += 50
            time.sleep(0.2)

    poster = threading.Thread(target=post_events)
    poster.start()
    try:
        # 1. Killed from outside while micro-batches run (whatever step each is at).
        first = _stream_cli(config, state)
        deadline = time.monotonic() + 240
        seen = ""
        while "batch 2:" not in seen and time.monotonic() < deadline and first.poll() is None:
            time.sleep(1)
            seen = _peek(first)
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        time.sleep(0.7)  # into the next micro-batch
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        # 2. Killed right after a micro-batch's Iceberg commit, before its checkpoint commit.
        second = _stream_cli(config, state, DAP_FAULT="after_commit")
        assert second.wait(300) == -signal.SIGKILL, second.stderr.read() if second.stderr else ""
    finally:
        stop_posting.set()
        poster.join(60)
        collector.stop()
    # 3. Restart: the batch committed in step 2 is replayed and skipped, then everything else lands.
    last = _stream_cli(config, state, "--available-now")
    out, err = last.communicate(timeout=300)
    assert last.returncode == 0, err[-3000:]
    assert "already committed (a replay after a restart)" in err, err[-3000:]

    dump = subprocess.run(
        [sys.executable, "-c", DUMP, "raw.kc"],
        cwd=ROOT,
        env=cli_env(state),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert dump.returncode == 0, dump.stderr[-3000:]
    result = json.loads(dump.stdout.strip().splitlines()[-1])
    landed = sorted(seq for m, seq, _f, _l in result["rows"] if m == marker)
    assert len(posted) >= 200
    assert landed == sorted(posted)  # every event once: none lost, none twice
    provenance = [(f, line) for _m, _s, f, line in result["rows"]]
    assert len(set(provenance)) == len(provenance)  # one row per Kafka message
    assert result["quarantined"] == 0
    # The manifest (what dbt's reconciles_with_ingest_log reads) has every partition's rows, even
    # for a micro-batch killed between its commit and its manifest rows.
    per_partition: dict[str, int] = {}
    for _m, _s, uri, _l in result["rows"]:
        per_partition[uri] = per_partition.get(uri, 0) + 1
    assert result["manifest"] == per_partition


_peeked: dict[int, str] = {}


def _peek(process: subprocess.Popen[str]) -> str:
    """stderr read so far, without blocking (the progress lines)."""
    import fcntl

    assert process.stderr is not None
    fd = process.stderr.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    try:
        chunk = os.read(fd, 1 << 16).decode(errors="replace")
    except BlockingIOError:
        chunk = ""
    _peeked[process.pid] = _peeked.get(process.pid, "") + chunk
    return _peeked[process.pid]

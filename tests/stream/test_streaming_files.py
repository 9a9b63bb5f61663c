"""``ingest stream`` over a landing directory (Spark's file source, the batch reader), in-process:
a new key mid-stream becomes a column without a restart, bad lines go to quarantine with their
file and line, and a micro-batch committed once is not appended again when replayed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from ingest.errors import InputError
from ingest.formats.record_count import InputCount
from ingest.landing import LandingFile
from ingest.stream import StreamRunner
from ingest.tables.commit import StreamBatch

from .stream_helpers import refresh_meta, running_stream, source_config, table_rows, wait_for

pytestmark = pytest.mark.spark


def land(path: Path, lines: list[str]) -> None:
    """Write elsewhere, then rename into place: a file is complete when the stream sees it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / ("." + path.name + ".tmp")
    temp.write_text("".join(line + "\n" for line in lines))
    os.replace(temp, path)


def test_new_key_mid_stream_is_a_new_column_and_bad_lines_are_quarantined(spark: Any, tmp_path: Path) -> None:
    table = "stream_files.events"
    day = tmp_path / "landing" / "fs" / "2026-01-05"
    day.mkdir(parents=True)
    source = source_config(
        name="fs",
        path=str(tmp_path / "landing" / "fs"),
        table=table,
        format="json",
        partition={"column": "ts"},
    )
    first = [
        json.dumps({"id": f"a{i}", "ts": f"2026-01-05T10:0{i}:00Z", "dev": {"serial": "S1"}})
        for i in range(3)
    ]
    land(day / "a.jsonl", [*first, "{not json", "[1, 2]"])
    with running_stream(spark, [source], tmp_path / "state") as stream:
        wait_for(lambda: len(table_rows(spark, table)) == 3, "the first file's rows")
        assert "dev_firmware" not in spark.table(table).columns
        second = {"id": "b0", "ts": "2026-01-06T08:00:00Z", "dev": {"serial": "S2", "firmware": "2.1"}}
        land(tmp_path / "landing" / "fs" / "2026-01-06" / "b.jsonl", [json.dumps(second)])
        wait_for(lambda: len(table_rows(spark, table)) == 4, "the second file's row, with its new key")
    assert stream.report is not None and stream.report.ok and stream.report.stopped == "stopped"

    rows = table_rows(spark, table)
    landed = {(Path(r["_source_file"]).name, r["_source_line"]): (r["id"], r["dev_firmware"]) for r in rows}
    assert landed == {
        ("a.jsonl", 1): ("a0", None),
        ("a.jsonl", 2): ("a1", None),
        ("a.jsonl", 3): ("a2", None),
        ("b.jsonl", 1): ("b0", "2.1"),
    }
    assert {str(r["event_date"]) for r in rows} == {"2026-01-05", "2026-01-06"}
    refresh_meta(spark)
    changes = spark.sql(
        f"select column_name, change, ddl from ingest_meta.schema_changes where table_name = '{table}'"
    ).collect()
    added = [c for c in changes if c.column_name == "dev_firmware"]
    assert [c.change for c in added] == ["add_column"] and "ADD COLUMNS" in added[0].ddl
    quarantined = spark.sql(
        f"select file_uri, line, reason, raw from ingest_meta.quarantine where table_name = '{table}' order by line"
    ).collect()
    assert [(Path(q.file_uri).name, q.line, q.raw) for q in quarantined] == [
        ("a.jsonl", 4, "{not json"),
        ("a.jsonl", 5, "[1, 2]"),
    ]
    assert quarantined[0].reason.startswith("malformed JSON") and "array" in quarantined[1].reason
    by_batch = [(b.rows_read, b.rows_written, b.rows_quarantined, b.columns_added) for b in stream.batches]
    assert by_batch[0][:3] == (5, 3, 2) and by_batch[-1] == (1, 1, 0, ["dev_firmware"])
    snapshots = spark.sql(f"select summary from {table}.snapshots").collect()
    assert all("dap.stream-batch" in s.summary and "dap.files" in s.summary for s in snapshots)


def test_a_replayed_micro_batch_adds_nothing(spark: Any) -> None:
    """The commit key (query id, batch id): the same Kafka-style micro-batch committed twice lands once."""
    table = "stream_files.replayed"
    source = source_config(name="rp", path="/nonexistent", table=table, format="json")
    uri = "kafka://dap.events.rp/0"

    def micro_batch(batch_id: int, first_offset: int) -> pipeline.SourceReport:
        texts = [json.dumps({"id": first_offset + i}) for i in range(3)] + ["not json"]
        records = spark.createDataFrame(
            [(uri, first_offset + i, text) for i, text in enumerate(texts)],
            "_source_file string, _source_line bigint, _raw string",
        ).persist()
        partition = LandingFile(uri, 4, f"offsets:{first_offset}-{first_offset + 3}")
        inputs = pipeline.Inputs(
            [partition], InputCount({uri: 4}, {}), StreamBatch("q-test", batch_id, False)
        )
        report = pipeline.SourceReport(source.name, table)
        return pipeline.ingest_records(spark, source, f"stream-q-test-{batch_id}", records, inputs, report)

    assert micro_batch(0, 0).status == "ingested"
    replay = micro_batch(0, 0)  # Spark runs batch 0 again after a crash before its checkpoint commit
    assert replay.status == "noop"
    assert micro_batch(1, 4).status == "ingested"
    ids = sorted(r["id"] for r in table_rows(spark, table))
    assert ids == [0, 1, 2, 4, 5, 6]
    quarantine = spark.sql(
        f"select file_uri, line from ingest_meta.quarantine where table_name = '{table}' order by line"
    ).collect()
    assert [(q.file_uri, q.line) for q in quarantine] == [(uri, 3), (uri, 7)]
    summaries = [dict(r.summary) for r in spark.sql(f"select summary from {table}.snapshots").collect()]
    assert sorted(s["dap.stream-batch"] for s in summaries) == ["q-test/0", "q-test/1"]
    assert all("dap.kafka-offsets" in s and "dap.files" not in s for s in summaries)


def test_a_stream_that_fails_to_start_logs_its_run_as_failed(spark: Any, tmp_path: Path) -> None:
    """The second source's landing directory is missing: the run logged "started" ends as "failed"
    with the error (``ingest status`` would show it running forever), and the first source's query,
    already started, is stopped."""
    (tmp_path / "landing" / "here").mkdir(parents=True)
    sources = [
        source_config(
            name=name, path=str(tmp_path / "landing" / name), table=f"stream_files.{name}", format="json"
        )
        for name in ("here", "gone")
    ]
    runner = StreamRunner(
        spark, sources, state_dir=tmp_path / "state", trigger_seconds=1.0, available_now=True
    )
    with pytest.raises(InputError, match="landing path does not exist"):
        runner.start()
    logged = spark.sql(
        f"select status, detail from ingest_meta.runs where run_id = '{runner.run_id}' order by event_at"
    ).collect()
    assert [r.status for r in logged] == ["started", "failed"]
    assert "landing path does not exist" in json.loads(logged[1].detail)["error"]
    assert not any(q.isActive for q in runner.queries.values())

"""Arrays exploded into child tables, and compaction of small files."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REALDATA
from tests.spark.helpers import ingest

pytestmark = pytest.mark.spark

GITHUB_EVENTS = (
    REALDATA / "dlt-cases" / "tests" / "normalize" / "cases" / "github.events.load_page_1_duck.json"
)
REVIEWERS = "payload.pull_request.requested_reviewers"


@pytest.mark.realdata(GITHUB_EVENTS)
def test_configured_array_becomes_a_child_table_keyed_to_its_parent(spark: Any) -> None:
    events = json.loads(GITHUB_EVENTS.read_text(encoding="utf-8"))
    expected = [
        (index + 1, position, reviewer["login"])
        for index, event in enumerate(events)
        for position, reviewer in enumerate(
            ((event.get("payload") or {}).get("pull_request") or {}).get("requested_reviewers") or []
        )
    ]
    assert len(expected) == 24  # dlt's stated expectation for this file

    report = ingest(spark, GITHUB_EVENTS, "child.events", arrays={"explode": [REVIEWERS]})
    child = "child.events__payload__pull_request__requested_reviewers"
    assert f"{child}.login" in report.sources[0].columns_added
    landed = sorted(
        (r._source_line, r._position, r.login)
        for r in spark.table(child).select("_source_line", "_position", "login").collect()
    )
    assert landed == sorted(expected)
    # every child row points at a parent row, and the parent no longer carries the array
    orphans = spark.sql(
        f"select count(*) from {child} c left anti join child.events p "
        "on c._source_file = p._source_file and c._source_line = p._source_line"
    ).first()[0]
    assert orphans == 0
    assert "payload_pull_request_requested_reviewers" not in spark.table("child.events").columns
    assert spark.table("child.events").count() == 100
    # An event whose list is written empty has no child row: its parent row keeps the "[]".
    written_empty = {
        index + 1
        for index, event in enumerate(events)
        if ((event.get("payload") or {}).get("pull_request") or {}).get("requested_reviewers") == []
    }
    assert written_empty  # the file has such events
    rescued = {
        r._source_line: json.loads(r._rescued_data)
        for r in spark.table("child.events").where("_rescued_data is not null").collect()
    }
    assert rescued == {line: {f"empty:{REVIEWERS}": "[]"} for line in written_empty}
    assert report.sources[0].rows_rescued == 0  # kept data, not a value that did not fit


def test_compact_after_schema_drift_keeps_every_value(spark: Any, landing: Path) -> None:
    """Three runs, each adding a column, then compaction: every input value is still there."""
    day = landing / "2026-03-01"
    day.mkdir()
    records: list[dict[str, Any]] = []
    for run in range(3):  # three runs -> three files in one partition, columns added by runs 2 and 3
        batch = [{"id": run * 10 + i, "ts": "2026-03-01T00:00:00Z"} for i in range(10)]
        for record in batch:
            if run >= 1:
                record["colour"] = f"c{record['id']}"
            if run >= 2:
                record["size"] = record["id"] * 1.5
        records += batch
        (day / f"part-{run}.jsonl").write_text("\n".join(json.dumps(r) for r in batch) + "\n")
        ingest(spark, landing, "compact.events")
    files_before = spark.sql("select count(*) from compact.events.files").first()[0]
    assert files_before == 3

    from ingest.tables.maintenance import compact_table

    result = compact_table(spark, "compact.events")
    assert (result.files_before, result.files_after, result.rows) == (3, 1, 30)
    landed = {
        r["id"]: (r["colour"], r["size"])
        for r in spark.table("compact.events").select("id", "colour", "size").collect()
    }
    expected = {r["id"]: (r.get("colour"), r.get("size")) for r in records}
    assert landed == expected  # 20 colours and 10 sizes: none turned into NULL
    snapshots = spark.sql("select operation from compact.events.snapshots order by committed_at").collect()
    assert snapshots[-1]["operation"] == "replace"  # one atomic rewrite commit


def test_rollback_undoes_one_run_and_its_files_become_new(spark: Any, landing: Path) -> None:
    day = landing / "2026-03-02"
    day.mkdir()
    reports = []
    for run in range(3):
        (day / f"part-{run}.jsonl").write_text(
            "\n".join(json.dumps({"id": run * 10 + i, "ts": "2026-03-02T00:00:00Z"}) for i in range(5))
            + ("\n{bad\n" if run == 1 else "\n")
        )
        reports.append(ingest(spark, landing, "undo.events"))
    middle = reports[1].run_id

    from ingest.tables.snapshots import rollback_run

    removed = {r.table: (r.method, r.rows_removed) for r in rollback_run(spark, "undo.events", middle)}
    assert removed["undo.events"] == ("delete", 5)  # not the latest commit: a delete, later runs stay
    assert removed["ingest_meta.quarantine"] == ("delete", 1)
    assert sorted(r.id for r in spark.table("undo.events").collect()) == [0, 1, 2, 3, 4, 20, 21, 22, 23, 24]

    again = ingest(spark, landing, "undo.events")  # the rolled-back file counts as new
    assert [f.file for f in again.sources[0].files] == [str(day / "part-1.jsonl")]
    assert spark.table("undo.events").count() == 15
    bad = spark.table("ingest_meta.quarantine").where("table_name = 'undo.events'").count()
    assert bad == 1

    latest = again.run_id  # the latest commit: undone by rolling the table back
    removed = {r.table: (r.method, r.rows_removed) for r in rollback_run(spark, "undo.events", latest)}
    assert removed["undo.events"] == ("rollback_to_snapshot", 5)
    assert spark.table("undo.events").count() == 10

    from ingest.status import collect_status

    status = collect_status(spark, "undo.events")  # what `ingest status --table undo.events` shows
    rollbacks = [(r["run_id"], r["table"]) for r in status["runs"] if r["status"] == "rolled_back"]
    assert rollbacks[:2] == [(latest, "undo.events"), (middle, "undo.events")]  # newest first
    # four appends (three runs and the one after the first rollback) and the first rollback's delete
    assert len(status["snapshots"]) >= 5
    assert "delete" in {snapshot["operation"] for snapshot in status["snapshots"]}


def test_compact_and_rollback_name_a_table_that_is_not_iceberg(spark: Any) -> None:
    """A dbt staging view or a plain Parquet table has no snapshots: a clear error (exit 2), not
    Spark's AnalysisException on ``<table>.files`` with a traceback."""
    from ingest.errors import ConfigError
    from ingest.tables.maintenance import compact_table
    from ingest.tables.snapshots import rollback_run

    spark.sql("CREATE DATABASE IF NOT EXISTS not_iceberg")
    spark.sql("CREATE OR REPLACE VIEW not_iceberg.stg AS SELECT 1 AS id")
    spark.sql("CREATE TABLE IF NOT EXISTS not_iceberg.plain (id INT) USING parquet")
    cases = [
        (compact_table, "not_iceberg.stg", "not_iceberg.stg is a view, not an Iceberg table"),
        (compact_table, "not_iceberg.plain", "not_iceberg.plain is a parquet table, not an Iceberg table"),
        (compact_table, "not_iceberg.gone", "table not found: not_iceberg.gone"),
    ]
    for call, table, what in cases:
        with pytest.raises(ConfigError) as info:
            call(spark, table)
        assert info.value.what.startswith(what), info.value.what
        assert info.value.exit_code == 2 and info.value.where == "--table"
    with pytest.raises(ConfigError) as info:
        rollback_run(spark, "not_iceberg.stg", "20260101T000000Z-abcdef")
    assert info.value.what.startswith("not_iceberg.stg is a view, not an Iceberg table")


def _local(uri: str) -> Path:
    return Path(uri.removeprefix("file:"))


def test_compact_with_a_retention_under_a_day_expires_snapshots_and_keeps_young_orphans(
    spark: Any, landing: Path
) -> None:
    """`--expire-older-than 0m` (or 12h, 30m): snapshots are expired at that age; orphan files
    only once a day old, Iceberg's floor for a write still in flight. Was Iceberg's
    IllegalArgumentException ("interval less than 24 hours") after the rewrite and the expiry
    had committed."""
    from ingest.tables.maintenance import compact_table

    day = landing / "2026-03-03"
    day.mkdir()
    for run in range(3):
        (day / f"part-{run}.jsonl").write_text(json.dumps({"id": run, "ts": "2026-03-03T00:00:00Z"}) + "\n")
        ingest(spark, landing, "compact.short")
    location = spark.sql("DESCRIBE TABLE EXTENDED compact.short").where("col_name = 'Location'").first()[1]
    data = _local(location) / "data"
    young, old = data / "orphan-young.parquet", data / "orphan-old.parquet"
    young.write_bytes(b"not committed yet")
    old.write_bytes(b"left by a killed write")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    time.sleep(1.1)  # the cutoff is in whole seconds: the last run's snapshot is to be older than it

    result = compact_table(spark, "compact.short", expire_older_than=timedelta(0), retain_last=1)

    assert (result.files_before, result.files_after, result.rows) == (3, 1, 3)
    assert result.snapshots_expired >= 1
    assert spark.sql("select count(*) from compact.short.snapshots").first()[0] == 1
    assert result.orphan_files_removed == 1
    assert not old.exists() and young.exists()
    assert sorted(r.id for r in spark.table("compact.short").collect()) == [0, 1, 2]


def test_catalog_rebuild_refuses_a_warehouse_that_is_not_a_directory(spark: Any, tmp_path: Path) -> None:
    """Was a Py4JJavaError (unknown scheme) or "0 table(s) registered" (a typo, a file)."""
    from ingest.errors import ConfigError
    from ingest.tables.rebuild import rebuild_catalog

    a_file = tmp_path / "warehouse.txt"
    a_file.write_text("")
    cases = [
        ("nosuchfs://x/y", "--warehouse: no file system for the scheme 'nosuchfs' of 'nosuchfs://x/y'"),
        (str(tmp_path / "missing"), f"--warehouse: '{tmp_path}/missing' does not exist"),
        (str(a_file), f"--warehouse: '{a_file}' is a file, not a directory"),
        ("no_such_relative_wh", "--warehouse: 'no_such_relative_wh' (here: file:/"),
    ]
    for warehouse, what in cases:
        with pytest.raises(ConfigError) as info:
            rebuild_catalog(spark, warehouse)
        assert info.value.what.startswith(what), info.value.what
        assert info.value.exit_code == 2 and info.value.where == "--warehouse"
    assert info.value.what.endswith("/no_such_relative_wh) does not exist")


def test_catalog_rebuild_skips_a_table_whose_metadata_cannot_be_read(
    spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged metadata file (`{}`) was an IllegalArgumentException that stopped the scan: the
    tables after it were not registered."""
    from ingest.tables.rebuild import RegisteredTable, rebuild_catalog

    spark.sql("CREATE DATABASE IF NOT EXISTS rebuild_src")
    spark.sql("CREATE TABLE rebuild_src.ev (id INT) USING iceberg")
    spark.sql("INSERT INTO rebuild_src.ev VALUES (1), (2), (3)")
    location = spark.sql("DESCRIBE TABLE EXTENDED rebuild_src.ev").where("col_name = 'Location'").first()[1]
    warehouse = tmp_path / "warehouse"
    for name in ("a_ev", "z_ev"):  # scanned before and after the damaged one
        shutil.copytree(_local(location), warehouse / "rebuilt.db" / name)
    junk = warehouse / "rebuilt.db" / "junk" / "metadata" / "00001-0a1b.metadata.json"
    junk.parent.mkdir(parents=True)
    junk.write_text("{}")

    with caplog.at_level(logging.WARNING, logger="ingest.tables.rebuild"):
        results = rebuild_catalog(spark, str(warehouse))

    by_table = {r.table: r for r in results}
    assert [r.action for r in results] == ["registered", "skipped", "registered"]
    assert by_table["rebuilt.junk"] == RegisteredTable(
        "rebuilt.junk", f"file:{junk}", "skipped", "Cannot parse missing int: format-version"
    )
    assert [r.getMessage() for r in caplog.records] == [
        f"skipped rebuilt.junk: its metadata file file:{junk} could not be read: "
        "Cannot parse missing int: format-version"
    ]
    assert spark.table("rebuilt.z_ev").count() == 3
    assert not spark.catalog.tableExists("rebuilt.junk")

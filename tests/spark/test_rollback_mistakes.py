"""``ingest rollback`` given what a user may well give it: a child table, or a run rolled back already."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ingest import cli
from ingest.errors import ConfigError
from ingest.tables.snapshots import rollback_run
from tests.spark.helpers import ingest

pytestmark = pytest.mark.spark


def _land(landing: Path, name: str, ids: range) -> None:
    day = landing / "2026-03-04"
    day.mkdir(exist_ok=True)
    lines = [json.dumps({"id": i, "ts": "2026-03-04T00:00:00Z", "tags": [f"t{i}", f"u{i}"]}) for i in ids]
    (day / name).write_text("\n".join(lines) + "\n")


def _land_record(spark: Any, landing: Path, table: str, name: str, record: dict[str, Any]) -> str:
    """One file of one record (``id``, ``ts`` and ``record``'s keys) ingested into ``table``: its run id."""
    day = landing / "2026-03-05"
    day.mkdir(exist_ok=True)
    (day / name).write_text(json.dumps({"id": 1, "ts": "2026-03-05T00:00:00Z", **record}) + "\n")
    return ingest(spark, landing, table).run_id


def test_a_child_table_is_rolled_back_through_its_main_table(spark: Any, landing: Path) -> None:
    _land(landing, "a.jsonl", range(3))
    run = ingest(spark, landing, "rb.parent", arrays={"explode": ["tags"]}).run_id

    with pytest.raises(ConfigError) as refused:
        rollback_run(spark, "rb.parent__tags", run)
    assert "rb.parent__tags is a child table of rb.parent" in refused.value.what
    assert f"ingest rollback --table rb.parent --run {run}" in (refused.value.hint or "")
    assert spark.table("rb.parent__tags").count() == 6  # nothing undone

    undone = {r.table: r.rows_removed for r in rollback_run(spark, "rb.parent", run)}
    assert (undone["rb.parent"], undone["rb.parent__tags"]) == (3, 6)
    again = ingest(spark, landing, "rb.parent", arrays={"explode": ["tags"]})  # the file is new again
    assert (again.sources[0].rows_written, spark.table("rb.parent__tags").count()) == (3, 6)


def test_a_main_table_whose_name_has_two_underscores_is_not_taken_for_a_child(
    spark: Any, landing: Path
) -> None:
    _land(landing, "b.jsonl", range(2))
    ingest(spark, landing, "rb.main")
    run = ingest(spark, landing, "rb.main__copy").run_id  # a source of its own, named like a child
    undone = {r.table: r.rows_removed for r in rollback_run(spark, "rb.main__copy", run)}
    assert undone["rb.main__copy"] == 2
    assert spark.table("rb.main").count() == 2


def test_rolling_back_a_run_twice_changes_nothing_the_second_time(spark: Any, landing: Path) -> None:
    _land(landing, "c.jsonl", range(4))
    first = ingest(spark, landing, "rb.twice").run_id
    _land(landing, "d.jsonl", range(10, 12))
    ingest(spark, landing, "rb.twice")
    assert {r.table: r.rows_removed for r in rollback_run(spark, "rb.twice", first)}["rb.twice"] == 4

    snapshots = spark.sql("select count(*) as n from rb.twice.snapshots").first().n
    logged = spark.table("ingest_meta.runs").where(f"run_id = '{first}' and status = 'rolled_back'").count()
    assert rollback_run(spark, "rb.twice", first) == []
    assert spark.sql("select count(*) as n from rb.twice.snapshots").first().n == snapshots  # no commit
    assert (
        spark.table("ingest_meta.runs").where(f"run_id = '{first}' and status = 'rolled_back'").count()
        == logged
    )
    assert sorted(r.id for r in spark.table("rb.twice").collect()) == [10, 11]


def test_rolling_back_a_tables_latest_run_twice_says_nothing_to_do(
    spark: Any, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first rollback of the table's latest run rolls it back to the snapshot before
    (rollback_to_snapshot), so the run's commit leaves the lineage: the second said "run ... has
    no commit in rb.latest" (exit 2), as if the run id were wrong."""
    _land(landing, "e.jsonl", range(3))
    ingest(spark, landing, "rb.latest")
    _land(landing, "f.jsonl", range(20, 22))
    last = ingest(spark, landing, "rb.latest").run_id
    monkeypatch.setattr(cli, "_spark", lambda *_args: spark)
    command = ["rollback", "--table", "rb.latest", "--run", last, "--state-dir", str(tmp_path / "state")]

    first = CliRunner().invoke(cli.app, command, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert first.exit_code == 0, first.output
    assert f"rb.latest: removed 2 row(s) of run {last} (rollback_to_snapshot)" in first.stdout
    second = CliRunner().invoke(cli.app, command, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [f"run {last} was already rolled back in rb.latest: nothing to do"]
    assert spark.table("ingest_meta.runs").where(f"run_id = '{last}' and status = 'rolled_back'").count() == 1
    assert sorted(r.id for r in spark.table("rb.latest").collect()) == [0, 1, 2]


def test_a_rollback_drops_the_columns_only_its_run_gave_values_to(
    spark: Any, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's new columns stayed in the table after its rollback, empty (the one column a CSV
    file read with the wrong delimiter made stayed for good). They go with the run, unless
    another run wrote values to them; such a column goes when that run is rolled back too."""

    def land(name: str, record: dict[str, Any]) -> str:
        return _land_record(spark, landing, "rb.columns", name, record)

    land("1.jsonl", {})
    second = land("2.jsonl", {"firmware": "1.2"})  # adds `firmware`
    third = land("3.jsonl", {"firmware": "1.3", "battery": 80})  # writes `firmware`, adds `battery`

    (report,) = rollback_run(spark, "rb.columns", second)
    assert report.columns_dropped == ()  # the third run's row holds a firmware
    assert {"firmware", "battery"} <= set(spark.table("rb.columns").columns)

    monkeypatch.setattr(cli, "_spark", lambda *_args: spark)
    command = ["rollback", "--table", "rb.columns", "--run", third, "--state-dir", str(tmp_path / "state")]
    undone = CliRunner().invoke(cli.app, command, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert undone.exit_code == 0, undone.output
    assert (
        "rb.columns: dropped the column(s) the run added, no row holds a value of them now: firmware, battery"
        in undone.stdout.splitlines()
    )
    assert [c for c in spark.table("rb.columns").columns if not c.startswith("_")] == [
        "id",
        "ts",
        "event_date",
    ]
    mapped = {
        r.column_name
        for r in spark.table("ingest_meta.column_map").where("table_name = 'rb.columns'").collect()
    }
    assert mapped == {"id", "ts"}

    again = land("4.jsonl", {"battery": 75})  # a later file with the key adds the column again
    assert "battery" in spark.table("rb.columns").columns
    added = spark.sql(
        "select run_id from ingest_meta.schema_changes "
        "where table_name = 'rb.columns' and column_name = 'battery' and change = 'add_column'"
    ).collect()
    assert sorted(r.run_id for r in added) == sorted([third, again])


def test_a_rollback_that_dies_while_dropping_columns_is_finished_by_running_it_again(
    spark: Any, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows go and the runs log says so before any column is touched: a rollback that dies
    while dropping (here: the ALTER fails) is repeated, not refused as a run with no commit in
    the table (its commit was the latest, so it left the lineage), and the repeat drops the
    columns, each logged once. Columns kept with ``--keep-columns`` stay kept."""
    from ingest.tables import snapshots

    def land(name: str, record: dict[str, Any]) -> str:
        return _land_record(spark, landing, "rb.dies", name, record)

    land("1.jsonl", {})
    kept = land("2.jsonl", {"note": "x"})
    rollback_run(spark, "rb.dies", kept, drop_columns=False)
    assert "note" in spark.table("rb.dies").columns
    latest = land("3.jsonl", {"gps": 1.5})

    def dies(*_args: Any) -> tuple[str, ...]:
        raise RuntimeError("killed mid-rollback")

    monkeypatch.setattr(snapshots, "_dropped", dies)
    with pytest.raises(RuntimeError, match="killed mid-rollback"):
        rollback_run(spark, "rb.dies", latest)
    assert "gps" in spark.table("rb.dies").columns
    monkeypatch.undo()

    (report,) = rollback_run(spark, "rb.dies", latest)
    assert report.columns_dropped == ("gps",)
    data_columns = {c for c in spark.table("rb.dies").columns if not c.startswith("_")}
    assert data_columns == {"id", "note", "ts", "event_date"}  # `note` kept, as asked
    drops = spark.sql(
        "select column_name from ingest_meta.schema_changes where table_name = 'rb.dies' and change = 'drop_column'"
    ).collect()
    assert [r.column_name for r in drops] == ["gps"]
    assert rollback_run(spark, "rb.dies", latest) == []  # nothing left to do

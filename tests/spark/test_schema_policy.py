"""schema_policy end to end, on a main table and the child table of an exploded array.

Every test lands the same two runs: the first creates both tables (under every policy), the
second brings a new path in the main table (``extra.note``) and one inside the array
(``items[].color``). The tests assert what a user sees: columns, rows, ``_rescued_data``,
quarantine rows and their reasons, the error, and that a failed source committed nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from ingest.config import IngestConfig
from tests.conftest import ingest_cli
from tests.spark.helpers import columns, ingest, rows

pytestmark = pytest.mark.spark

FIRST = [{"id": 1, "items": [{"sku": "a"}]}, {"id": 2, "items": []}]
SECOND = [
    {"id": 3, "extra": {"note": "hi"}, "items": [{"sku": "b"}]},
    {"id": 4, "items": [{"sku": "c", "color": "red"}]},
    {"id": 5, "items": [{"sku": "d"}]},
]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _two_runs(spark: Any, landing: Path, table: str, policy: str) -> Any:
    """Run 1 creates the tables under ``policy``; run 2 brings the new paths. Returns run 2's report."""
    _write(landing / "2026-05-01" / "a.jsonl", FIRST)
    options = {"arrays": {"explode": ["items"]}, "schema_policy": policy}
    first = ingest(spark, landing, table, **options)
    assert table in first.sources[0].tables_created and f"{table}__items" in first.sources[0].tables_created
    _write(landing / "2026-05-02" / "b.jsonl", SECOND)
    source = IngestConfig(
        sources=[{"name": "src", "path": str(landing), "table": table, "format": "json", **options}]
    ).sources[0]
    return pipeline.run(spark, [source], command="test")


def _by_id(spark: Any, table: str) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in rows(spark, table)}


def _child(spark: Any, table: str) -> dict[str, dict[str, Any]]:
    return {r["sku"]: r for r in rows(spark, f"{table}__items")}


def _quarantine(spark: Any, table: str) -> list[tuple[int, str, str]]:
    found = spark.sql(
        f"select line, raw, reason from ingest_meta.quarantine where table_name = '{table}' order by line"
    ).collect()
    return [(r.line, r.raw, r.reason) for r in found]


def test_first_run_creates_the_tables_under_every_policy(spark: Any, landing: Path) -> None:
    for policy in ("frozen", "freeze", "discard_row", "discard_value"):
        table = f"policy.first_{policy}"
        _write(landing / policy / "2026-05-01" / "a.jsonl", [*FIRST, *SECOND])
        ingest(spark, landing / policy, table, arrays={"explode": ["items"]}, schema_policy=policy)
        assert {"id", "extra_note"} <= set(columns(spark, table)), policy
        assert {"sku", "color"} <= set(columns(spark, f"{table}__items")), policy
        assert spark.table(table).count() == 5 and spark.table(f"{table}__items").count() == 4


def test_evolve_adds_columns_to_the_main_and_the_child_table(spark: Any, landing: Path) -> None:
    table = "policy.evolve"
    report = _two_runs(spark, landing, table, "evolve")
    assert report.ok
    assert set(report.sources[0].columns_added) == {"extra_note", f"{table}__items.color"}
    assert _by_id(spark, table)[3]["extra_note"] == "hi"
    assert _child(spark, table)["c"]["color"] == "red"


def test_frozen_rescues_new_paths_in_both_tables(spark: Any, landing: Path) -> None:
    table = "policy.frozen"
    report = _two_runs(spark, landing, table, "frozen")
    assert report.ok and report.sources[0].columns_added == [] and report.sources[0].ddl == []
    assert "extra_note" not in columns(spark, table)
    assert "color" not in columns(spark, f"{table}__items")
    main = _by_id(spark, table)
    assert sorted(main) == [1, 2, 3, 4, 5]
    assert json.loads(main[3]["_rescued_data"]) == {"extra_note": "hi"}
    assert main[4]["_rescued_data"] is None
    assert json.loads(main[2]["_rescued_data"]) == {"empty:items": "[]"}  # its list was written empty
    child = _child(spark, table)
    assert sorted(child) == ["a", "b", "c", "d"]
    assert json.loads(child["c"]["_rescued_data"]) == {"color": "red"}
    assert report.sources[0].rows_rescued == 1  # main-table records with rescued values


def test_freeze_fails_the_source_naming_every_new_path_and_commits_nothing(spark: Any, landing: Path) -> None:
    table = "policy.freeze"
    report = _two_runs(spark, landing, table, "freeze")
    assert not report.ok
    (failed,) = report.sources
    assert failed.status == "failed"
    assert failed.error == (
        "source 'src' has schema_policy freeze and its new files bring 2 path(s) its tables have no "
        f"column for: {table}: extra.note; {table}__items: items[].color"
    )
    # nothing of the second file anywhere: tables, schema, quarantine, manifest
    assert sorted(_by_id(spark, table)) == [1, 2]
    assert sorted(_child(spark, table)) == ["a"]
    assert "extra_note" not in columns(spark, table) and "color" not in columns(spark, f"{table}__items")
    assert _quarantine(spark, table) == []
    files = {
        r.file_uri
        for r in spark.sql(f"select file_uri from ingest_meta.files where table_name = '{table}'").collect()
    }
    assert files == {str(landing / "2026-05-01" / "a.jsonl")}
    # the file is still new: switching the source to evolve takes it
    report = ingest(spark, landing, table, arrays={"explode": ["items"]}, schema_policy="evolve")
    assert report.sources[0].rows_written == 3
    assert _by_id(spark, table)[3]["extra_note"] == "hi"


def test_a_later_run_whose_list_is_only_ever_empty_changes_no_table(spark: Any, landing: Path) -> None:
    """An array only ever written empty has no element to type it: under ``freeze`` it failed the
    source ("items[].value"), under ``evolve`` it added a ``value`` column no element fills. Its
    records land, each keeping "[]", and no table changes."""
    for policy in ("freeze", "evolve"):
        table = f"policy.only_empty_{policy}"
        folder = landing / policy
        _write(folder / "2026-05-01" / "a.jsonl", FIRST)
        options = {"arrays": {"explode": ["items"]}, "schema_policy": policy}
        ingest(spark, folder, table, **options)
        child_columns = columns(spark, f"{table}__items")
        _write(folder / "2026-05-02" / "b.jsonl", [{"id": 6, "items": []}, {"id": 7, "items": []}])
        report = ingest(spark, folder, table, **options)
        (source,) = report.sources
        assert (source.rows_written, source.columns_added, source.ddl) == (2, [], []), policy
        assert columns(spark, f"{table}__items") == child_columns, policy
        main = _by_id(spark, table)
        assert [json.loads(main[i]["_rescued_data"]) for i in (6, 7)] == [{"empty:items": "[]"}] * 2
        assert sorted(_child(spark, table)) == ["a"]


def test_discard_row_after_a_first_run_of_empty_lists_lands_the_rest(spark: Any, landing: Path) -> None:
    """A first run whose lists are all empty creates no child table (nothing to type it by). In the
    next, the only record with an element brings a new path and is quarantined by discard_row: the
    arrays to explode are decided once, before and after that, so the rest still lands."""
    table = "policy.discard_row_empty_first"
    options = {"arrays": {"explode": ["items"]}, "schema_policy": "discard_row"}
    _write(landing / "2026-05-01" / "a.jsonl", [{"id": 1, "items": []}])
    first = ingest(spark, landing, table, **options)
    assert list(first.sources[0].tables_created) == [table]
    _write(
        landing / "2026-05-02" / "b.jsonl", [{"id": 2, "extra": 1, "items": ["x"]}, {"id": 3, "items": []}]
    )
    (source,) = ingest(spark, landing, table, **options).sources
    assert (source.rows_written, source.rows_quarantined) == (1, 1)
    main = _by_id(spark, table)
    assert [json.loads(main[i]["_rescued_data"]) for i in (1, 3)] == [{"empty:items": "[]"}] * 2
    assert [(line, json.loads(raw)) for line, raw, _ in _quarantine(spark, table)] == [
        (1, {"id": 2, "extra": 1, "items": ["x"]})
    ]


def test_freeze_exits_1_with_the_error_from_the_cli(tmp_path: Path, landing: Path) -> None:
    _write(landing / "ev" / "2026-05-01" / "a.jsonl", FIRST)
    config = tmp_path / "ingest.yml"
    config.write_text(
        f"landing: {landing}\nsources:\n  ev:\n    path: ev\n    table: raw.ev\n    format: json\n"
        "    arrays: {explode: [items]}\n    schema_policy: freeze\n"
        "  other:\n    path: other\n    table: raw.other\n    format: json\n"
    )
    _write(landing / "other" / "2026-05-01" / "o.jsonl", [{"k": 1}])
    state = tmp_path / "state"
    first = ingest_cli("run", "-c", str(config), state_dir=state)
    assert first.returncode == 0, first.stderr + first.stdout
    _write(landing / "ev" / "2026-05-02" / "b.jsonl", SECOND)
    _write(landing / "other" / "2026-05-02" / "o.jsonl", [{"k": 2}])
    second = ingest_cli("run", "-c", str(config), "--json", state_dir=state)
    assert second.returncode == 1, second.stderr + second.stdout
    report = json.loads(second.stdout)
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["other"]["status"] == "ingested"  # the other source still commits
    assert by_source["ev"]["status"] == "failed"
    assert "raw.ev: extra.note; raw.ev__items: items[].color" in by_source["ev"]["error"]
    assert "first in" in second.stderr and "nothing of this source was committed" in second.stderr


def test_discard_row_quarantines_records_with_new_paths_from_every_table(spark: Any, landing: Path) -> None:
    table = "policy.discard_row"
    report = _two_runs(spark, landing, table, "discard_row")
    assert report.ok
    (source,) = report.sources
    assert (source.rows_read, source.rows_written, source.rows_quarantined) == (3, 1, 2)  # run 2
    assert source.ddl == []
    assert sorted(_by_id(spark, table)) == [1, 2, 5]
    assert sorted(_child(spark, table)) == ["a", "d"]  # a quarantined record has no child rows either
    assert _quarantine(spark, table) == [
        (
            1,
            json.dumps(SECOND[0]),
            f"schema_policy discard_row: new path(s) with no column: extra.note ({table})",
        ),
        (
            2,
            json.dumps(SECOND[1]),
            f"schema_policy discard_row: new path(s) with no column: items[].color ({table}__items)",
        ),
    ]


def test_discard_row_quarantines_a_csv_row_as_its_fields(spark: Any, landing: Path) -> None:
    table = "policy.discard_row_csv"
    (landing / "2026-05-01").mkdir()
    (landing / "2026-05-01" / "a.csv").write_text("id,name\n1,x\n")
    ingest(spark, landing, table, fmt="csv", schema_policy="discard_row")
    (landing / "2026-05-02").mkdir()
    (landing / "2026-05-02" / "b.csv").write_text("id,name,zip\n2,y,\n3,z,01234\n")
    report = ingest(spark, landing, table, fmt="csv", schema_policy="discard_row")
    assert report.sources[0].rows_quarantined == 1
    assert sorted(r["id"] for r in rows(spark, table)) == [1, 2]  # an empty zip carries no path
    ((line, raw, reason),) = _quarantine(spark, table)
    assert line == 3 and json.loads(raw) == {"id": "3", "name": "z", "zip": "01234"}
    assert reason == f"schema_policy discard_row: new path(s) with no column: zip ({table})"


def test_discard_value_keeps_values_out_of_the_columns_and_counts_them(spark: Any, landing: Path) -> None:
    table = "policy.discard_value"
    report = _two_runs(spark, landing, table, "discard_value")
    assert report.ok
    (source,) = report.sources
    assert (source.rows_written, source.rows_quarantined, source.ddl) == (3, 0, [])  # run 2
    assert source.values_discarded == {table: {"extra.note": 1}, f"{table}__items": {"color": 1}}
    assert "extra_note" not in columns(spark, table) and "color" not in columns(spark, f"{table}__items")
    main = _by_id(spark, table)
    assert sorted(main) == [1, 2, 3, 4, 5]
    assert json.loads(main[3]["_rescued_data"]) == {"discarded:extra.note": "hi"}
    assert json.loads(_child(spark, table)["c"]["_rescued_data"]) == {"discarded:color": "red"}
    # the counts are in the run log
    detail = spark.sql(
        f"select detail from ingest_meta.runs where run_id = '{report.run_id}' and status = 'succeeded'"
    ).first()
    assert json.loads(detail.detail)["sources"][0]["values_discarded"] == source.values_discarded

"""Hostile keys end to end: SQL text, quotes, backticks, dots, unicode, 1,000-character keys and
case-only twins must not inject, must give the same columns every time, and must lose no value.

Every value in the input is unique, so "kept" means: the row of that record holds the value in the
column that ``ingest_meta.column_map`` records for the value's original key path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.spark.helpers import columns, ingest, rows

pytestmark = pytest.mark.spark

INGEST_COLUMNS = {
    "_ingest_run_id",
    "_source_file",
    "_source_line",
    "_ingested_at",
    "_rescued_data",
    "event_date",
}
SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,127}$")

LONG_A = "k" * 1000
LONG_B = "k" * 999 + "z"  # equal to LONG_A up to its last character

RECORDS: list[dict[str, Any]] = [
    {
        "a`b; drop table x": "v_backtick_sql",
        "x`; drop table x; --": "v_backtick_sql_2",
        'it\'s "quoted"': "v_quotes",
        "semi;colon": "v_semicolon",
        "select * from t where 1=1; --": "v_sql_text",
        "with space": "v_space",
        "dotted.key": "v_dot",
        "nested": {"dotted.key": "v_nested_dot", "a`b": {"c;d": "v_nested_deep"}},
        "名前": "v_japanese",
        "Ünïcödé": "v_unicode",
        "🙂": "v_emoji",
        LONG_A: "v_long_a",
        LONG_B: "v_long_b",
        "userId": "v_twin_camel",
        "userid": "v_twin_lower",
    },
    {
        "USERID": "v_twin_upper",
        "UserId": "v_twin_pascal",
        "event_date": "v_reserved_partition",
        "_source_file": "v_reserved_ingest",
        "_rescued_data": "v_reserved_rescue",
        "Nested": {"Dotted.Key": "v_nested_twin"},
    },
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def leaf_values(record: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            found.update(leaf_values(value, (*prefix, key)))
        else:
            found[(*prefix, key)] = value
    return found


def column_map(spark: Any, table: str) -> dict[tuple[str, ...], str]:
    found = spark.sql(
        f"select path_json, column_name from ingest_meta.column_map where table_name = '{table}'"
    ).collect()
    return {tuple(json.loads(r.path_json)): r.column_name for r in found}


def all_tables(spark: Any) -> set[str]:
    return {
        f"{db.name}.{t.name}"
        for db in spark.catalog.listDatabases()
        for t in spark.catalog.listTables(db.name)
    }


@pytest.fixture(scope="module")
def canaries(spark: Any) -> list[str]:
    """Tables an injected ``drop table x`` would hit: ``x`` in the current and in the target db."""
    spark.sql("CREATE DATABASE IF NOT EXISTS hk")
    created = []
    for table in ("default.x", "hk.x"):
        spark.sql(f"CREATE TABLE IF NOT EXISTS {table} (id int) USING parquet")
        spark.sql(f"INSERT OVERWRITE {table} VALUES (42)")
        created.append(table)
    return created


@pytest.fixture(scope="module")
def hostile_json(spark: Any, canaries: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    before = all_tables(spark)
    landing = tmp_path_factory.mktemp("hostile_json")
    # the empty key is checked by its own test; it rides along in the same file
    records = [RECORDS[0], {**RECORDS[1], "": "v_empty_key"}]
    write_jsonl(landing / "keys.jsonl", records)
    table = "hk.json_keys"
    report = ingest(spark, landing, table)
    return {"table": table, "report": report, "records": records, "before": before}


def test_no_injection_other_tables_still_exist(
    spark: Any, canaries: list[str], hostile_json: dict[str, Any]
) -> None:
    assert hostile_json["report"].sources[0].status == "ingested"
    after = all_tables(spark)
    assert hostile_json["before"] <= after
    created = {t for t in after - hostile_json["before"] if not t.startswith("ingest_meta.")}
    assert created == {hostile_json["table"]}
    for table in canaries:
        assert [r.id for r in spark.table(table).collect()] == [42]


def test_every_column_is_a_safe_bounded_distinct_name(spark: Any, hostile_json: dict[str, Any]) -> None:
    data_columns = set(columns(spark, hostile_json["table"])) - INGEST_COLUMNS
    assert all(SAFE_NAME.match(c) for c in data_columns), sorted(data_columns)
    assert len({c.lower() for c in data_columns}) == len(data_columns)
    mapping = column_map(spark, hostile_json["table"])
    assert len(mapping[(LONG_A,)]) == len(mapping[(LONG_B,)]) == 128
    assert mapping[(LONG_A,)] != mapping[(LONG_B,)]
    twins = [mapping[(k,)] for k in ("userId", "userid", "USERID", "UserId")]
    assert len(set(twins)) == 4
    assert mapping[("userid",)] == "userid"
    assert mapping[("event_date",)] != "event_date"
    assert mapping[("_source_file",)] not in INGEST_COLUMNS
    assert mapping[("_rescued_data",)] not in INGEST_COLUMNS


def test_every_value_is_kept_in_the_column_of_its_path(spark: Any, hostile_json: dict[str, Any]) -> None:
    mapping = column_map(spark, hostile_json["table"])
    landed = {r["_source_line"]: r for r in rows(spark, hostile_json["table"])}
    assert sorted(landed) == [1, 2]
    for line, record in enumerate(hostile_json["records"], start=1):
        for path, value in leaf_values(record).items():
            if path == ("",):
                continue  # test_empty_key_value_is_kept
            assert landed[line][mapping[path]] == value, (line, path)
        row_values = {v for k, v in landed[line].items() if k not in INGEST_COLUMNS}
        assert {v for p, v in leaf_values(record).items() if p != ("",)} <= row_values
    # ingest columns are the pipeline's, not the data's
    assert all(r["_source_file"].endswith("keys.jsonl") for r in landed.values())
    assert all(r["_rescued_data"] is None for r in landed.values())


def test_column_map_records_each_original_path(spark: Any, hostile_json: dict[str, Any]) -> None:
    table = hostile_json["table"]
    mapping = column_map(spark, table)
    expected_paths = {p for r in hostile_json["records"] for p in leaf_values(r) if p != ("",)}
    assert set(mapping) - {("",)} == expected_paths
    assert set(mapping.values()) == set(columns(spark, table)) - INGEST_COLUMNS
    entries = spark.sql(
        f"select original_path, path_json, first_source_file from ingest_meta.column_map where table_name = '{table}'"
    ).collect()
    by_path = {tuple(json.loads(e.path_json)): e for e in entries}
    assert by_path[("nested", "dotted.key")].original_path == "nested.`dotted.key`"
    assert by_path[("a`b; drop table x",)].original_path == "`a``b; drop table x`"
    assert by_path[("nested", "a`b", "c;d")].original_path == "nested.`a``b`.c;d"
    assert all(e.first_source_file and e.first_source_file.endswith("keys.jsonl") for e in entries)


def test_empty_key_value_is_kept(spark: Any, hostile_json: dict[str, Any]) -> None:
    mapping = column_map(spark, hostile_json["table"])
    assert ("",) in mapping
    landed = {r["_source_line"]: r for r in rows(spark, hostile_json["table"])}
    assert landed[2][mapping[("",)]] == "v_empty_key"


def test_same_input_in_another_table_gives_the_same_columns(
    spark: Any, hostile_json: dict[str, Any], tmp_path: Path
) -> None:
    # the same records, in the other order and with every object's keys reversed
    def reverse(record: dict[str, Any]) -> dict[str, Any]:
        return {k: reverse(v) if isinstance(v, dict) else v for k, v in reversed(list(record.items()))}

    shuffled = [reverse(r) for r in reversed(hostile_json["records"])]
    table = "hk.json_keys_again"
    ingest(spark, write_jsonl(tmp_path / "again" / "keys.jsonl", shuffled), table)
    assert column_map(spark, table) == column_map(spark, hostile_json["table"])
    assert sorted(columns(spark, table).items()) == sorted(columns(spark, hostile_json["table"]).items())


def test_hostile_csv_headers(spark: Any, canaries: list[str], tmp_path: Path) -> None:
    headers = [
        "a`b; drop table x",
        "Name",
        "name",
        "NAME",
        "with space",
        "dotted.key",
        "名前",
        "event_date",
        LONG_A,
    ]
    values = [f"v{i}_text" for i in range(len(headers))]
    quoted = [h.replace('"', '""') for h in headers]
    (tmp_path / "h.csv").write_text(
        ",".join(f'"{h}"' for h in quoted) + "\n" + ",".join(values) + "\n", encoding="utf-8"
    )
    table = "hk.csv_headers"
    report = ingest(spark, tmp_path / "h.csv", table, "csv")
    assert report.sources[0].rows_written == 1
    mapping = column_map(spark, table)
    assert set(mapping) == {(h,) for h in headers}
    (row,) = rows(spark, table)
    assert [row[mapping[(h,)]] for h in headers] == values
    assert all(SAFE_NAME.match(c) for c in mapping.values())
    assert len(set(mapping.values())) == len(headers)
    for canary in canaries:
        assert spark.table(canary).count() == 1


def test_key_named_like_the_staging_outcome_column(spark: Any, tmp_path: Path) -> None:
    table = "hk.outcome_key"
    report = ingest(spark, write_jsonl(tmp_path / "o" / "o.jsonl", [{"outcome": "win", "id": 1}]), table)
    assert report.sources[0].rows_written == 1
    mapping = column_map(spark, table)
    assert [r[mapping[("outcome",)]] for r in rows(spark, table)] == ["win"]

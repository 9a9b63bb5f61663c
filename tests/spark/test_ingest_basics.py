"""Ingest basics end to end: file shapes, quarantine and the per-file balance, type rescue, schema
drift over days, and the CLI (``load --json``, ``plan``, config errors)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ingest import class_archive
from tests.conftest import JARS_DIR, ingest_cli
from tests.spark.helpers import READ_PATHS, columns, ingest, rows, splits_of

pytestmark = pytest.mark.spark


def write(path: Path, data: str | bytes, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.write_bytes(gzip.compress(raw, mtime=0) if gz else raw)
    return path


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def by_file(report: Any) -> dict[str, Any]:
    return {Path(f.file).name: f for f in report.sources[0].files}


def quarantine(spark: Any, table: str) -> list[tuple[str, int | None, str, str | None]]:
    found = spark.sql(
        f"select file_uri, line, reason, raw from ingest_meta.quarantine where table_name = '{table}'"
    ).collect()
    return sorted(
        ((Path(r.file_uri).name, r.line, r.reason, r.raw) for r in found), key=lambda q: (q[0], q[1] or 0)
    )


# ---------------------------------------------------------------------------------------------
# file shapes


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_json_lines_gzip_pretty_object_and_array_document_in_one_batch(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    landing = tmp_path / "shapes"
    write(
        landing / "lines.jsonl",
        '{"id": "l1", "n": 1}\n\n{"id": "l2", "n": 2}\n   \n\r\n{"id": "l3", "n": 3}',  # no final newline
    )
    write(landing / "lines.jsonl.gz", jsonl({"id": "g1", "n": 4}, {"id": "g2", "n": 5}), gz=True)
    pretty = {"id": "p1", "n": 6, "device": {"serial": "S-1", "fw": "1.2"}}
    write(landing / "pretty.json", json.dumps(pretty, indent=2) + "\n")
    array = [{"id": f"a{i}", "n": 10 + i} for i in range(1, 4)]
    write(landing / "array.json", json.dumps(array, indent=4))
    write(landing / "array.json.gz", json.dumps([{"id": "ga1", "n": 20}]), gz=True)

    table = f"basics.shapes_{read_as}"
    with splits_of(spark, READ_PATHS[read_as]):
        report = ingest(spark, landing, table)
    counts = {name: (f.rows_read, f.rows_written, f.rows_quarantined) for name, f in by_file(report).items()}
    assert counts == {
        "lines.jsonl": (3, 3, 0),
        "lines.jsonl.gz": (2, 2, 0),
        "pretty.json": (1, 1, 0),
        "array.json": (3, 3, 0),
        "array.json.gz": (1, 1, 0),
    }
    landed = {
        (Path(r["_source_file"]).name, r["_source_line"]): (r["id"], r["n"]) for r in rows(spark, table)
    }
    assert landed == {
        ("lines.jsonl", 1): ("l1", 1),  # blank lines are skipped but lines keep their file numbers
        ("lines.jsonl", 3): ("l2", 2),
        ("lines.jsonl", 6): ("l3", 3),
        ("lines.jsonl.gz", 1): ("g1", 4),
        ("lines.jsonl.gz", 2): ("g2", 5),
        ("pretty.json", 1): ("p1", 6),  # a whole-file document is one record, line 1
        ("array.json", 1): ("a1", 11),  # array elements are numbered from 1
        ("array.json", 2): ("a2", 12),
        ("array.json", 3): ("a3", 13),
        ("array.json.gz", 1): ("ga1", 20),
    }
    assert columns(spark, table)["n"] == "bigint"
    (pretty_row,) = [r for r in rows(spark, table) if r["id"] == "p1"]
    assert (pretty_row["device_serial"], pretty_row["device_fw"]) == ("S-1", "1.2")
    assert quarantine(spark, table) == []


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_array_documents_that_are_not_arrays_of_objects_are_quarantined_whole(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    landing = tmp_path / "arrays"
    bad = {
        "null_element.json": '[{"id": "x1"}, null]',
        "string_element.json": '[{"id": "x2"}, "{\\"id\\": \\"x3\\"}"]',  # a string, not an object
        "trailing_text.json": '[{"id": "x4"}],',
        "two_arrays.json": '[{"id": "x5"}][{"id": "x6"}]',
    }
    for name, text in bad.items():
        write(landing / name, text)
    write(landing / "bom.json", b'\xef\xbb\xbf[{"id": "b1"}]\n')  # a byte order mark is not text
    write(landing / "bom_lines.jsonl", b'\xef\xbb\xbf{"id": "b2"}\n{"id": "b3"}\n')

    table = f"basics.arrays_{read_as}"
    with splits_of(spark, READ_PATHS[read_as]):
        report = ingest(spark, landing, table)
    assert sorted(r["id"] for r in rows(spark, table)) == ["b1", "b2", "b3"]
    held = quarantine(spark, table)
    assert [(name, raw) for name, _line, _reason, raw in held] == sorted(bad.items())
    assert {reason for *_, reason, _raw in held} == {
        "not a JSON object but an array: an array document must be valid JSON holding only objects, "
        "and each line of JSON lines one object "
        "(jq -c 'if type == \"array\" then .[] else . end' splits the lines holding arrays)"
    }
    counts = {name: (f.rows_read, f.rows_quarantined) for name, f in by_file(report).items()}
    assert {name: counts[name] for name in bad} == dict.fromkeys(bad, (1, 1))


# ---------------------------------------------------------------------------------------------
# bad input: quarantined with file, line and reason; the per-file balance


MIXED_LINES: list[bytes] = [
    b'{"id": "m1", "v": 1}',
    b'{"id": "m2", "v": ',  # truncated
    b"",
    b'{"id": "m3", "v": 3}',
    b"[1, 2]",  # JSON, but not an object
    b'"just text"',
    b'{"id": "m4", "v": "caf\xe9"}',  # latin-1 byte: not UTF-8
    b"{id: m5}",
    b'{"id": "m6", "v": 6}',
]


def _independent_counts(data: bytes) -> tuple[int, int]:
    """(records, good records) of a JSON-lines file, counted with the standard library."""
    records = good = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        records += 1
        with contextlib.suppress(ValueError):  # UnicodeDecodeError and JSONDecodeError
            good += isinstance(json.loads(line.decode("utf-8")), dict)
    return records, good


@pytest.fixture(scope="module", params=READ_PATHS)
def bad_input(
    spark: Any, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Any]:
    landing = tmp_path_factory.mktemp("bad_input")
    files = {
        "mixed.jsonl": b"\n".join(MIXED_LINES) + b"\n",
        "empty.jsonl": b"",
        "blank.jsonl": b"\n  \n\n",
        "good.jsonl": jsonl({"id": "g1", "v": 7}, {"id": "g2", "v": 8}).encode(),
        "two_per_line.jsonl": b'{"id": "t1", "v": 9}{"id": "t2", "v": 10}\n',
        # Windows line ends, the last one a bare CR: the CR is not part of a record's text
        "crlf.jsonl": b'{"id": "r1", "v": 17}\r\n{"id": "r2", "v": \r\n{"id": "r3", "v": 18}\r',
        # text after the object that an escape-removing check could mistake for an escape
        "backslash_after.jsonl": b'{"id": "k1", "v": 11}\\ \n',
        # closers after the object, which a check that stops at the first ']' would pass; then
        # brackets inside strings and a NaN (Spark's parser takes it, Jackson's shared one not)
        "closers_after.jsonl": b"\n".join(
            [
                b'{"id": "c1", "v": 12}]',
                b'{"id": "c2", "v": 13}] }',
                b'{"id": "c3", "v": 14},1]{}',
                b'{"id": "c4", "v": 15, "s": "]},[{"}',
                b'{"id": "c5", "v": 16, "f": NaN}',
            ]
        )
        + b"\n",
    }
    for name, data in files.items():
        write(landing / name, data)
    table = f"basics.bad_input_{request.param}"
    with splits_of(spark, READ_PATHS[request.param]):
        return {"table": table, "files": files, "report": ingest(spark, landing, table)}


def test_bad_records_are_quarantined_with_file_line_and_reason(spark: Any, bad_input: dict[str, Any]) -> None:
    table = bad_input["table"]
    found = [q for q in quarantine(spark, table) if q[0] != "two_per_line.jsonl"]
    assert [(name, line) for name, line, _reason, _raw in found] == [
        ("backslash_after.jsonl", 1),
        ("blank.jsonl", None),
        ("closers_after.jsonl", 1),
        ("closers_after.jsonl", 2),
        ("closers_after.jsonl", 3),
        ("crlf.jsonl", 2),
        ("empty.jsonl", None),
        ("mixed.jsonl", 2),
        ("mixed.jsonl", 5),
        ("mixed.jsonl", 6),
        ("mixed.jsonl", 7),
        ("mixed.jsonl", 8),
    ]
    reasons = {(name, line): reason for name, line, reason, _raw in found}
    assert "empty" in reasons[("empty.jsonl", None)] and "empty" in reasons[("blank.jsonl", None)]
    assert "malformed" in reasons[("mixed.jsonl", 2)]
    assert "not a JSON object" in reasons[("mixed.jsonl", 5)]
    assert "not a JSON object" in reasons[("mixed.jsonl", 6)]
    assert "UTF-8" in reasons[("mixed.jsonl", 7)]
    assert "malformed" in reasons[("mixed.jsonl", 8)]
    assert reasons[("backslash_after.jsonl", 1)] == "malformed JSON: text after the end of the object"
    for line in (1, 2, 3):
        assert reasons[("closers_after.jsonl", line)] == "malformed JSON: text after the end of the object"
    raws = {(name, line): raw for name, line, _reason, raw in found}
    assert raws[("mixed.jsonl", 2)] == '{"id": "m2", "v": '  # the raw text is kept for repair
    assert raws[("mixed.jsonl", 8)] == "{id: m5}"
    assert raws[("crlf.jsonl", 2)] == '{"id": "r2", "v": '
    # good records of the same file are not held back by the bad ones
    landed = [(Path(r["_source_file"]).name, r["_source_line"], r["id"]) for r in rows(spark, table)]
    assert [x for x in landed if x[0] == "mixed.jsonl"] == [
        ("mixed.jsonl", 1, "m1"),
        ("mixed.jsonl", 4, "m3"),
        ("mixed.jsonl", 9, "m6"),
    ]
    assert [x for x in landed if x[0] == "crlf.jsonl"] == [("crlf.jsonl", 1, "r1"), ("crlf.jsonl", 3, "r3")]
    assert [x for x in landed if x[0] == "closers_after.jsonl"] == [
        ("closers_after.jsonl", 4, "c4"),
        ("closers_after.jsonl", 5, "c5"),
    ]


def test_per_file_read_equals_written_plus_quarantined(spark: Any, bad_input: dict[str, Any]) -> None:
    table = bad_input["table"]
    reported = by_file(bad_input["report"])
    manifest = {
        Path(r.file_uri).name: (r.rows_read, r.rows_written, r.rows_quarantined, r.status)
        for r in spark.sql(f"select * from ingest_meta.files where table_name = '{table}'").collect()
    }
    in_table: dict[str, int] = {}
    for r in spark.table(table).groupBy("_source_file").count().collect():
        in_table[Path(r["_source_file"]).name] = r["count"]
    in_quarantine: dict[str, int] = {}
    for name, line, _reason, _raw in quarantine(spark, table):
        if line is not None:
            in_quarantine[name] = in_quarantine.get(name, 0) + 1

    for name, data in bad_input["files"].items():
        if name == "two_per_line.jsonl":
            continue  # its own test below: two objects on one line
        records, good = _independent_counts(data)
        report = reported[name]
        assert (report.rows_read, report.rows_written, report.rows_quarantined) == (
            records,
            good,
            records - good,
        ), name
        assert manifest[name][:3] == (records, good, records - good), name
        assert in_table.get(name, 0) == good, name
        assert in_quarantine.get(name, 0) == records - good, name
    assert manifest["empty.jsonl"][3] == "empty"
    assert manifest["mixed.jsonl"][3] == "ingested"


def test_status_shows_the_quarantine_by_reason(spark: Any, bad_input: dict[str, Any]) -> None:
    """``ingest status``'s quarantine table: per reason, the records, their files and the run."""
    from ingest.status import collect_status, quarantine_by_reason

    table = bad_input["table"]
    held = spark.sql(
        f"select file_uri, reason, run_id from ingest_meta.quarantine where table_name = '{table}'"
    )
    expected: dict[str, tuple[int, set[str], str]] = {}
    for uri, reason, run_id in held.collect():
        records, files, last = expected.get(reason, (0, set(), ""))
        expected[reason] = (records + 1, files | {uri}, max(last, run_id))
    mine = [r for r in quarantine_by_reason(spark) if r["table_name"] == table]
    assert {r["reason"]: (r["records"], r["files"], r["last_run"]) for r in mine} == {
        reason: (records, len(files), last) for reason, (records, files, last) in expected.items()
    }
    assert [r["records"] for r in mine] == sorted((r["records"] for r in mine), reverse=True)
    status = collect_status(spark)  # what the command prints: the ten most frequent, and the total
    every = spark.sql("select table_name, reason, count(*) as n from ingest_meta.quarantine group by 1, 2")
    largest = sorted((r.n for r in every.collect()), reverse=True)[:10]
    assert [r["records"] for r in status["quarantine_by_reason"]] == largest
    assert status["quarantined_records"] == spark.table("ingest_meta.quarantine").count()


def test_two_objects_on_one_line_are_quarantined_not_half_kept(spark: Any, bad_input: dict[str, Any]) -> None:
    ids = {
        r["id"] for r in rows(spark, bad_input["table"]) if r["_source_file"].endswith("two_per_line.jsonl")
    }
    lines = [q for q in quarantine(spark, bad_input["table"]) if q[0] == "two_per_line.jsonl"]
    assert ids == {"t1", "t2"} or (ids == set() and len(lines) == 1)


# ---------------------------------------------------------------------------------------------
# types: fixed by the first values; what does not fit is rescued, never turned into NULL silently


def test_type_rescue_across_runs(spark: Any, tmp_path: Path) -> None:
    landing = tmp_path / "codes"
    table = "basics.type_rescue"
    write(landing / "1.jsonl", jsonl({"id": 1, "code": 200}, {"id": 2, "code": 404}))
    ingest(spark, landing, table)
    assert columns(spark, table)["code"] == "bigint"

    write(
        landing / "2.jsonl",
        jsonl({"id": 3, "code": "auto"}, {"id": 4, "code": "400"}, {"id": 5, "code": None}),
    )
    report = ingest(spark, landing, table)
    assert report.sources[0].rows_written == 3
    assert report.sources[0].rows_rescued == 1
    assert columns(spark, table)["code"] == "bigint"  # the column's type never changes
    landed = {r["id"]: (r["code"], r["_rescued_data"]) for r in rows(spark, table)}
    assert landed[1] == (200, None)
    assert landed[3][0] is None
    assert json.loads(landed[3][1]) == {"code": "auto"}  # the original text is kept
    assert landed[4] == (400, None)  # "400" casts back to 400 without loss
    assert landed[5] == (None, None)


# ---------------------------------------------------------------------------------------------
# schema drift over days


def test_schema_drift_day_three_adds_a_column_and_old_days_read_null(spark: Any, tmp_path: Path) -> None:
    landing = tmp_path / "drift"
    table = "basics.drift"
    for day, n in (("2026-01-01", 1), ("2026-01-02", 2)):
        write(landing / day / "ev.jsonl", jsonl({"id": f"d{n}", "dev": {"serial": f"S{n}"}}))
    first = ingest(spark, landing, table)
    assert "dev_fw" not in columns(spark, table)
    assert first.sources[0].ddl[0].startswith("CREATE TABLE")

    day3 = write(
        landing / "2026-01-03" / "ev.jsonl", jsonl({"id": "d3", "dev": {"serial": "S3", "fw": "2.0"}})
    )
    second = ingest(spark, landing, table)
    source = second.sources[0]
    assert source.columns_added == ["dev_fw"]
    assert source.ddl == ["ALTER TABLE `basics`.`drift` ADD COLUMNS (\n  `dev_fw` string\n)"]
    assert columns(spark, table)["dev_fw"] == "string"

    landed = {r["id"]: (str(r["event_date"]), r["dev_serial"], r["dev_fw"]) for r in rows(spark, table)}
    assert landed == {
        "d1": ("2026-01-01", "S1", None),  # old partitions read NULL for the new column
        "d2": ("2026-01-02", "S2", None),
        "d3": ("2026-01-03", "S3", "2.0"),
    }
    partitions = sorted(
        str(r[0].event_date) for r in spark.sql(f"select partition from {table}.partitions").collect()
    )
    assert partitions == ["2026-01-01", "2026-01-02", "2026-01-03"]  # Iceberg's partitions metadata table

    changes = spark.sql(
        f"select run_id, column_name, data_type, change, original_path, source_file, ddl "
        f"from ingest_meta.schema_changes where table_name = '{table}' and change = 'add_column' "
        f"and column_name = 'dev_fw'"
    ).collect()
    assert len(changes) == 1
    (change,) = changes
    assert (change.run_id, change.data_type, change.original_path) == (second.run_id, "string", "dev.fw")
    assert change.source_file == str(day3)
    assert "ALTER TABLE `basics`.`drift` ADD COLUMNS" in change.ddl


def test_the_schema_logs_name_the_first_file_with_each_new_column_of_every_table(
    spark: Any, tmp_path: Path
) -> None:
    """One run into a new table and its exploded child: each column is logged once in
    ``schema_changes`` and ``column_map``, with the first file (in file order) holding a value."""
    landing = tmp_path / "first_seen"
    write(landing / "a.jsonl", jsonl({"id": "a1", "items": [{"k": 1}]}, {"id": "a2"}))
    write(landing / "b.jsonl", jsonl({"id": "b1", "fw": "1.0", "items": [{"k": 2, "extra": "x"}]}))
    write(landing / "c.jsonl", jsonl({"id": "c1", "fw": "1.1", "items": [{"extra": "y"}]}))
    table, child = "basics.first_seen", "basics.first_seen__items"
    ingest(spark, landing, table, arrays={"explode": ["items"]})

    logged = spark.sql(
        "select table_name, column_name, source_file from ingest_meta.schema_changes "
        f"where table_name in ('{table}', '{child}') and change = 'add_column'"
    ).collect()
    keys = [(r.table_name, r.column_name) for r in logged]
    assert len(keys) == len(set(keys))  # each column once
    changes = {(r.table_name, r.column_name): Path(r.source_file).name for r in logged}
    mapped = {
        (r.table_name, r.column_name): Path(r.first_source_file).name
        for r in spark.sql(
            "select table_name, column_name, first_source_file from ingest_meta.column_map "
            f"where table_name in ('{table}', '{child}')"
        ).collect()
    }
    wanted = {
        (table, "id"): "a.jsonl",
        (table, "fw"): "b.jsonl",
        (child, "k"): "a.jsonl",
        (child, "extra"): "b.jsonl",
    }
    assert {key: changes.get(key) for key in wanted} == wanted
    assert {key: mapped.get(key) for key in wanted} == wanted


# ---------------------------------------------------------------------------------------------
# manifest


def test_same_file_loaded_into_a_second_table_lands_there_too(spark: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "shared" / "ev.jsonl", jsonl({"id": 1}, {"id": 2}))
    ingest(spark, path, "basics.manifest_first")
    second = ingest(spark, path, "basics.manifest_second")
    assert second.sources[0].rows_written == 2
    assert spark.table("basics.manifest_second").count() == 2


# ---------------------------------------------------------------------------------------------
# CLI: each call is its own process, JVM and metastore under its own state dir


def flat(text: str) -> str:
    """Console output with wrapping undone (rich wraps long lines at the terminal width)."""
    return "".join(text.split())


@pytest.mark.slow
def test_cli_plan_writes_nothing_then_load_json_reports_the_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # epoch milliseconds of 2026-01-01 and 2026-01-02 (UTC): the partition column is read by the
    # format --set names, as a config's source block would
    path = write(
        tmp_path / "in" / "events.jsonl",
        jsonl({"id": 1, "who": "a", "ts": 1767225600000}, {"id": 2, "who": "b", "ts": 1767312000000})
        + "{oops\n",
    )
    partition = ["--set", "partition.column=ts", "--set", "partition.format=epoch_ms"]

    plan = ingest_cli("plan", str(path), "--table", "cli.events", *partition, state_dir=state)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "CREATE TABLE IF NOT EXISTS `cli`.`events` (" in plan.stdout
    assert "`id` bigint" in plan.stdout and "`who` string" in plan.stdout
    assert "PARTITIONED BY (`event_date`)" in plan.stdout
    assert "nothing was written" in plan.stderr
    assert not (state / "warehouse" / "cli.db").exists()  # no table, no data

    # This run's JVM options name no archive, so the CLI maps the class archive itself (as every
    # user's run does); the JVM's class-loading log says where each class came from.
    suite_options = [
        o for o in os.environ["DAP_JVM_OPTIONS"].split() if "cds" not in o and "SharedArchive" not in o
    ]
    classes_log = tmp_path / "class-load.log"
    load = ingest_cli(
        "load", str(path), "--table", "cli.events", "--format", "json", *partition, "--json", state_dir=state,
        env={"DAP_JVM_OPTIONS": " ".join([*suite_options, f"-Xlog:class+load=info:file={classes_log}"])},
    )  # fmt: skip
    assert load.returncode == 0, load.stderr[-3000:]
    report = json.loads(load.stdout)  # nothing of the archive's on stdout
    if class_archive.enabled("") and class_archive.archive_path(Path(JARS_DIR)).is_file():
        from_archive = classes_log.read_text().count("source: shared objects file (top)")
        assert from_archive > 5000, f"{from_archive} classes came from the class archive"
    assert report["ok"] is True
    (source,) = report["sources"]
    assert (source["status"], source["table"]) == ("ingested", "cli.events")
    assert (source["rows_read"], source["rows_written"], source["rows_quarantined"]) == (3, 2, 1)
    assert [
        (f["file"], f["rows_read"], f["rows_written"], f["rows_quarantined"]) for f in source["files"]
    ] == [(str(path), 3, 2, 1)]
    assert source["columns_added"] == ["id", "ts", "who"]
    assert source["ddl"][0].startswith("CREATE TABLE")  # the plan had not created the table
    assert source["event_times_unread"] is None
    data = state / "warehouse" / "cli.db" / "events" / "data"
    assert sorted(p.parent.name for p in data.glob("event_date=*/*.parquet")) == [
        "event_date=2026-01-01",
        "event_date=2026-01-02",
    ]


def test_a_jvm_option_the_jvm_refuses_is_a_config_error_not_a_traceback(tmp_path: Path) -> None:
    """A JVM that exits before Spark starts: the JVM's own line, then what to fix (exit 2)."""
    option = "-Xss1"  # meant -Xss1m: a stack size the JVM refuses (it ignores unknown -XX options)
    result = ingest_cli("status", state_dir=tmp_path / "state", env={"DAP_JVM_OPTIONS": option})
    assert result.returncode == 2, result.stderr[-3000:]
    # The JVM's own message (it prints it on stdout), then ours.
    assert "The Java thread stack size specified is too small" in result.stdout + result.stderr
    assert flat("Spark's JVM exited before it started") in flat(result.stderr)
    assert flat(f"DAP_JVM_OPTIONS: {option}") in flat(result.stderr)
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_run_with_a_wrong_landing_path_exits_3_and_the_other_sources_still_land(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "shop" / "2026-01-02" / "orders.jsonl", jsonl({"id": 1}, {"id": 2}))
    config = write(
        tmp_path / "ingest.yml",
        f"landing: {landing}\nsources:\n"
        "  camera: {path: camra, table: raw.camera, format: json}\n"  # a typo, listed first
        "  shop: {path: shop, table: raw.shop, format: json}\n",
    )
    result = ingest_cli("run", "--config", str(config), state_dir=tmp_path / "state")
    assert result.returncode == 3, result.stderr[-3000:]
    assert "landing path does not exist" in result.stderr
    assert flat(str(landing / "camra")) in flat(result.stderr)
    assert "Traceback" not in result.stderr
    # The run went on to the next source and ended with its summary, as any run does.
    summary = flat(result.stdout)
    assert flat("failed: landing path does not exist") in summary
    assert flat("2 records read = 2 written + 0 quarantined") in summary
    assert list((tmp_path / "state" / "warehouse" / "raw.db" / "shop" / "data").rglob("*.parquet"))


def test_cli_missing_config_exits_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-sources.yml"
    result = ingest_cli("run", "--config", str(missing), state_dir=tmp_path / "state")
    assert result.returncode == 2
    assert "not found" in result.stderr
    assert flat(str(missing)) in flat(result.stderr)
    assert "Traceback" not in result.stderr


def test_cli_invalid_config_exits_2_naming_file_and_setting(tmp_path: Path) -> None:
    config = write(tmp_path / "sources.yml", "sources:\n  ev: {path: /x, table: Raw.Events, format: json}\n")
    result = ingest_cli("run", "--config", str(config), state_dir=tmp_path / "state")
    assert result.returncode == 2
    assert flat(str(config)) in flat(result.stderr)
    assert "table" in result.stderr and "Raw.Events" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_source_that_is_not_a_mapping_exits_2(tmp_path: Path) -> None:
    config = write(tmp_path / "sources.yml", "sources:\n  ev: 5\n")
    result = ingest_cli("run", "--config", str(config), state_dir=tmp_path / "state")
    assert result.returncode == 2
    assert flat(str(config)) in flat(result.stderr)
    assert "'ev'" in result.stderr and "mapping" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_load_takes_several_files_directories_and_globs_like_cp(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one = write(tmp_path / "in" / "one.jsonl", jsonl({"id": 1, "who": "a"}))
    two = write(
        tmp_path / "elsewhere" / "two.json", json.dumps([{"id": 2, "who": "b"}, {"id": 3, "who": "c"}])
    )
    day = write(tmp_path / "dir" / "2026-01-02" / "day.jsonl", jsonl({"id": 4, "who": "d"}))
    globbed = write(tmp_path / "glob" / "g1.jsonl", jsonl({"id": 5, "who": "e"}))
    write(tmp_path / "glob" / "skip.txt", "not matched by the glob\n")

    load = ingest_cli(
        "load",
        str(one),
        str(two),
        str(tmp_path / "dir"),
        str(tmp_path / "glob" / "*.jsonl"),
        str(one),  # named twice: loaded once
        "--table",
        "cli.many",
        "--json",
        state_dir=state,
    )
    assert load.returncode == 0, load.stderr[-3000:]
    (source,) = json.loads(load.stdout)["sources"]
    assert [(f["file"], f["rows_written"]) for f in source["files"]] == sorted(
        [(str(one), 1), (str(two), 2), (str(day), 1), (str(globbed), 1)]
    )
    assert source["rows_quarantined"] == 0

    again = ingest_cli(
        "load", str(one), str(tmp_path / "missing.jsonl"), "--table", "cli.many", state_dir=state
    )
    assert again.returncode == 3
    assert "landing path does not exist" in again.stderr
    assert flat(str(tmp_path / "missing.jsonl")) in flat(again.stderr)


def test_a_target_that_is_a_view_or_a_parquet_table_fails_its_source_only(
    spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A dbt view, or a plain Parquet table, where a source's table should be: that source fails
    with exit 2 naming it (no traceback in the log), nothing is written there, the others land."""
    from ingest import pipeline
    from ingest.config import IngestConfig

    spark.sql("CREATE DATABASE IF NOT EXISTS target")
    spark.sql("CREATE OR REPLACE VIEW target.as_view AS SELECT 1 AS id")
    spark.sql("CREATE TABLE IF NOT EXISTS target.as_parquet (id BIGINT) USING parquet")
    path = write(tmp_path / "in" / "events.jsonl", jsonl({"id": 1}, {"id": 2}))
    config = IngestConfig(
        sources=[
            {"name": name, "path": str(path), "table": f"target.{name}", "format": "json"}
            for name in ("as_view", "as_parquet", "fresh")
        ]
    )
    report = pipeline.run(spark, config.sources, command="test")
    outcome = {s.source: (s.status, s.exit_code, s.error) for s in report.sources}
    assert outcome["as_view"][:2] == ("failed", 2)
    assert "target.as_view is a view, not an Iceberg table" in (outcome["as_view"][2] or "")
    assert outcome["as_parquet"][:2] == ("failed", 2)
    assert "target.as_parquet is a parquet table, not an Iceberg table" in (outcome["as_parquet"][2] or "")
    assert outcome["fresh"][:2] == ("ingested", 0)
    assert report.exit_code == 2
    assert spark.table("target.as_parquet").count() == 0
    assert "Traceback" not in caplog.text

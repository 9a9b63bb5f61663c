"""Nothing lost, value by value: empty values, big numbers, CRLF, empty CSV rows, encodings, and
per-file counts that match an independent count of the input (``ingest.formats.record_count``)."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Callable
from datetime import date, datetime
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pytest

from ingest.formats.record_count import CsvGrammar, count_records
from ingest.read_json import _plan_splits, _read_lines
from ingest.reconcile import reconcile
from ingest.schema_plan import HAS_RESCUED_VALUES
from ingest.tables.snapshots import rollback_run
from tests.spark.helpers import READ_PATHS, columns, ingest, rows, splits_of

pytestmark = pytest.mark.spark


def column_map(spark: Any, table: str) -> dict[tuple[str, ...], str]:
    found = spark.sql(
        f"select path_json, column_name from ingest_meta.column_map where table_name = '{table}'"
    ).collect()
    return {tuple(json.loads(r.path_json)): r.column_name for r in found}


def write(path: Path, data: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding))
    return path


def check_before_and_after_compaction(spark: Any, table: str, check: Callable[[], None]) -> None:
    """Run ``check`` on ``table``, compact it, and run it again: compaction rewrites the data
    files (it must rewrite one here), and every value, and every rescued text, stays."""
    from ingest.tables.maintenance import compact_table

    check()
    compacted = compact_table(spark, table)
    assert compacted.rewritten_files > 0, compacted  # the check below reads the rewritten file
    check()


def ids_by_file_line(spark: Any, table: str) -> dict[tuple[str, int], Any]:
    """(file name, line) -> the landed row's ``id``."""
    return {(Path(r["_source_file"]).name, r["_source_line"]): r["id"] for r in rows(spark, table)}


def quarantine_by_file_line(spark: Any, table: str) -> dict[tuple[str, int], Any]:
    """(file name, line) -> the quarantined record (``raw``, ``reason``)."""
    found = spark.sql(
        f"select file_uri, line, raw, reason from ingest_meta.quarantine where table_name = '{table}'"
    )
    return {(Path(r.file_uri).name, r.line): r for r in found.collect()}


def quarantined_by_file_line(spark: Any, table: str) -> dict[tuple[str, int], str]:
    """(file name, line) -> the quarantined record's raw text."""
    return {key: r.raw for key, r in quarantine_by_file_line(spark, table).items()}


def assert_counts_reconcile(report: Any, fmt: str, grammar: CsvGrammar | None = None) -> None:
    files = report.sources[0].files
    expected = count_records([f.file for f in files], fmt, grammar)  # type: ignore[arg-type]
    written = {f.file: f.rows_written for f in files}
    quarantined = {f.file: f.rows_quarantined for f in files}
    assert reconcile(expected, written, quarantined) == []


def test_empty_strings_arrays_objects_and_the_empty_key_land_as_values(spark: Any, tmp_path: Path) -> None:
    records = [
        {"id": 1, "gravatar": "", "tags": [], "meta": {}, "": "under the empty key", "n": ""},
        {"id": 2, "gravatar": "", "tags": [], "meta": {}, "n": 5, "only_null": None},
        {"id": 3, "list": [{"": 1}, {}], "deep": {"x": ""}},
    ]
    path = write(tmp_path / "e" / "e.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    table = "lost.empties"
    report = ingest(spark, path, table)
    assert report.sources[0].rows_written == 3 and report.sources[0].rows_quarantined == 0
    mapping = column_map(spark, table)
    assert ("only_null",) not in mapping  # a field only ever null still creates no column
    landed = {r["id"]: r for r in rows(spark, table)}
    assert [landed[i][mapping[("gravatar",)]] for i in (1, 2, 3)] == ["", "", None]
    assert [landed[i][mapping[("tags",)]] for i in (1, 2, 3)] == ["[]", "[]", None]
    assert [landed[i][mapping[("meta",)]] for i in (1, 2, 3)] == ["{}", "{}", None]
    assert landed[1][mapping[("",)]] == "under the empty key"
    # "" beside a number: a text column holding both, no record quarantined
    assert columns(spark, table)[mapping[("n",)]] == "string"
    assert [landed[i][mapping[("n",)]] for i in (1, 2, 3)] == ["", "5", None]
    # the value of an empty key is kept as text (see ingest.empty_values); an array kept as JSON
    # text keeps its JSON as written
    assert json.loads(landed[3][mapping[("list",)]]) == [{"": 1}, {}]
    assert landed[3][mapping[("deep", "x")]] == ""
    assert all(r["_rescued_data"] is None for r in landed.values())
    assert_counts_reconcile(report, "json")


def test_empty_arrays_and_objects_with_whitespace_inside_land_as_values(spark: Any, tmp_path: Path) -> None:
    # No record holds a compact "", [] or {}: the cheap substring check finds none, and only
    # the whitespace between the brackets (JSON allows space, tab and CR there) marks them.
    lines = [
        '{"id": 1, "tags": [ ], "meta": {\t}, "deep": {"x": [\r]}}',
        '{"id": 2, "tags": [  \t], "meta": { }, "deep": {"x": [1, 2]}}',
    ]
    path = write(tmp_path / "spaced" / "s.jsonl", "".join(line + "\n" for line in lines))
    table = "lost.spaced_empties"
    report = ingest(spark, path, table)
    assert report.sources[0].rows_written == 2 and report.sources[0].rows_quarantined == 0
    mapping = column_map(spark, table)
    landed = {r["id"]: r for r in rows(spark, table)}
    assert [json.loads(landed[i][mapping[("tags",)]]) for i in (1, 2)] == [[], []]
    assert [json.loads(landed[i][mapping[("meta",)]]) for i in (1, 2)] == [{}, {}]
    assert [json.loads(landed[i][mapping[("deep", "x")]]) for i in (1, 2)] == [[], [1, 2]]
    assert all(r["_rescued_data"] is None for r in landed.values())
    assert_counts_reconcile(report, "json")


# Exploded arrays written empty, with spaces inside, absent, null, nested in an object, beside a
# repeated key (a value that went wrong, which the run counts), and with elements.
EXPLODED_LINES = [
    '{"id": 1, "tags": [], "p": {"list": []}}',
    '{"id": 2, "tags": [ \t], "p": {"list": [{"v": 1}]}}',
    '{"id": 3}',
    '{"id": 4, "tags": null, "p": null}',
    '{"id": 5, "tags": ["a", "b"], "p": {"list": []}}',
    '{"id": 6, "tags": [], "k": 1, "k": 2}',
    '{"id": 7, "tags": ["c"], "p": {"list": [{"v": 2}, {"v": 3}]}}',
]


def test_an_exploded_array_written_empty_keeps_its_value_in_the_parent_row(
    spark: Any, tmp_path: Path
) -> None:
    """An exploded array's elements are child rows, so ``"tags": []`` left no row anywhere and
    could not be told from a record without ``tags``. The parent row keeps ``[]`` under
    ``empty:`` and the array's path; absent and null arrays keep nothing, as null scalars do."""
    path = write(tmp_path / "x" / "x.jsonl", "".join(line + "\n" for line in EXPLODED_LINES))
    table = "lost.exploded_empty"
    report = ingest(spark, path, table, arrays={"explode": ["tags", "p.list"]})
    assert report.sources[0].rows_quarantined == 0
    assert_counts_reconcile(report, "json")
    # Only the repeated key counts as rescued: an empty array is data kept, not a value that went wrong.
    assert report.sources[0].rows_rescued == 1

    landed = {r["id"]: r for r in rows(spark, table)}
    for line in EXPLODED_LINES:  # what each record must keep, from Python's JSON parser
        record = json.loads(line)
        arrays = {"tags": record.get("tags"), "p.list": (record.get("p") or {}).get("list")}
        expected = {f"empty:{name}": "[]" for name, value in arrays.items() if value == []}
        rescued = json.loads(landed[record["id"]]["_rescued_data"] or "{}")
        assert {k: v for k, v in rescued.items() if k.startswith("empty:")} == expected, line
    assert json.loads(landed[6]["_rescued_data"]) == {"empty:tags": "[]", "repeated:k": "[1]"}
    # The query the CLI's summary shows for the rescued records finds that one record.
    shown = spark.sql(f"select id from {table} where {HAS_RESCUED_VALUES}").collect()
    assert [r.id for r in shown] == [6]

    # The elements are the child rows, as before.
    tags = sorted((r["id"], r["_position"], r["value"]) for r in _children(spark, table, "tags"))
    assert tags == [(5, 0, "a"), (5, 1, "b"), (7, 0, "c")]
    lists = sorted((r["id"], r["_position"], r["v"]) for r in _children(spark, table, "p__list"))
    assert lists == [(2, 0, 1), (7, 0, 2), (7, 1, 3)]


def _children(spark: Any, table: str, suffix: str) -> list[dict[str, Any]]:
    """The child table's rows, each with its parent's ``id``."""
    return [
        r.asDict()
        for r in spark.sql(
            f"select p.id, c.* from {table}__{suffix} c join {table} p "
            "on c._source_file = p._source_file and c._source_line = p._source_line"
        ).collect()
    ]


def test_the_driver_and_the_spark_job_find_the_same_empty_values(spark: Any, tmp_path: Path) -> None:
    # Small inputs are scanned on the driver, large ones by a Spark job (read_json.DRIVER_SCAN_BYTES);
    # the user's schema must not depend on which. Every kind of empty value, in and under arrays,
    # with whitespace inside, and records that hold none or are not objects.
    from ingest.landing import LandingFile
    from ingest.read_json import EmptyCandidates, find_empty_values, read_json_records

    lines = [
        '{"id": 1, "a": "", "b": [], "c": {}, "": "k"}',
        '{"id": 2, "list": [{"": 1}, {}, [""]], "deep": {"x": {"y": [ ]}}}',
        '{"id": 3, "spaced": {\t}, "text": "not \\"\\" émpty"}',  # 'é': two bytes
        '{"id": 4, "n": 5}',
        '["", []]',
        '{"id": 5, "broken": ""',
    ]
    path = write(tmp_path / "kinds" / "k.jsonl", "".join(line + "\n" for line in lines))
    records = read_json_records(spark, [LandingFile(path.as_uri(), path.stat().st_size, "")])
    try:
        counted = records.empty_candidates
        # the counts come from the JVM's filter: every line but id 4 holds "", [] or {} as text
        assert counted.records == 5 and counted.bytes == sum(
            len(line.encode()) for i, line in enumerate(lines) if i != 3
        )
        on_the_driver = find_empty_values(records.frame, counted)
        too_big = EmptyCandidates(counted.records, 10**12)
        in_a_spark_job = find_empty_values(records.frame, too_big)
        unknown = find_empty_values(records.frame, None)
        assert find_empty_values(records.frame, EmptyCandidates(0, 0)) == []
    finally:
        records.frame.unpersist()
    assert on_the_driver == in_a_spark_job == unknown
    found = {tuple(json.loads(item)[0]): json.loads(item)[1] for item in on_the_driver}
    assert found == {
        ("a",): "empty_string",
        ("b",): "empty_array",
        ("c",): "empty_object",
        ("",): "text",
        ("list", None, ""): "text",
        ("list", None): "empty_object",
        ("list", None, None): "empty_string",
        ("deep", "x", "y"): "empty_array",
        ("spaced",): "empty_object",
    }


def test_a_big_day_one_integer_keeps_its_digits_when_a_later_day_has_a_double(
    spark: Any, tmp_path: Path
) -> None:
    landing = tmp_path / "days"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 12345678901234567}\n')
    write(landing / "2026-01-02" / "b.jsonl", '{"id": 2, "n": 2.5}\n{"id": 3, "n": 7}\n')
    table = "lost.big_day_one"
    ingest(spark, landing, table)
    mapping = column_map(spark, table)
    assert columns(spark, table)[mapping[("n",)]] == "bigint"
    landed = {r["id"]: r for r in rows(spark, table)}
    assert landed[1][mapping[("n",)]] == 12345678901234567
    assert landed[2][mapping[("n",)]] is None
    assert json.loads(landed[2]["_rescued_data"]) == {mapping[("n",)]: "2.5"}
    assert landed[3][mapping[("n",)]] == 7


def test_a_big_integer_after_a_day_of_doubles_is_rescued_not_rounded(spark: Any, tmp_path: Path) -> None:
    """The other order, in one run: the column is a double (day one's type), so the integer does
    not fit it exactly and is rescued with all its digits; integers a double holds fit."""
    landing = tmp_path / "days"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 2.5}\n')
    write(
        landing / "2026-01-02" / "b.jsonl",
        '{"id": 2, "n": 12345678901234567}\n{"id": 3, "n": 7}\n{"id": 4, "n": 1767225601}\n',
    )
    table = "lost.doubles_then_big"
    ingest(spark, landing, table)
    mapping = column_map(spark, table)
    assert columns(spark, table)[mapping[("n",)]] == "double"
    landed = {r["id"]: r for r in rows(spark, table)}
    assert landed[1][mapping[("n",)]] == 2.5
    assert landed[2][mapping[("n",)]] is None
    assert json.loads(landed[2]["_rescued_data"]) == {mapping[("n",)]: "12345678901234567"}
    assert landed[3][mapping[("n",)]] == 7.0 and landed[3]["_rescued_data"] is None
    # a double shows as 1.767225601E9: the same number as the text, so it fits
    assert landed[4][mapping[("n",)]] == 1767225601.0 and landed[4]["_rescued_data"] is None


def test_the_largest_long_entering_a_double_column_in_a_later_run_is_rescued(
    spark: Any, tmp_path: Path
) -> None:
    """A later run's integers into the double column an earlier run made: 2^63 - 1 is 2^63 as a
    double, which a cast back to a long turns into 2^63 - 1 again; it must not pass as stored.
    An integer fits when its double prints as the same number, as a text's does."""
    landing = tmp_path / "days"
    table = "lost.double_then_longs"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 2.5}\n')
    ingest(spark, landing, table)
    longs = {2: 9223372036854775807, 3: -9223372036854775808, 4: 9007199254740993, 5: 9007199254740992, 6: 7}
    write(landing / "2026-01-02" / "b.jsonl", "".join(f'{{"id": {i}, "n": {n}}}\n' for i, n in longs.items()))
    ingest(spark, landing, table)
    column = column_map(spark, table)[("n",)]
    assert columns(spark, table)[column] == "double"
    landed = {r["id"]: r for r in rows(spark, table)}
    for i in (2, 3, 4):  # their doubles print as other numbers (-2^63: -9.223372036854776E18)
        assert landed[i][column] is None and json.loads(landed[i]["_rescued_data"]) == {column: str(longs[i])}
    for i in (5, 6):  # 2^53 prints as 9.007199254740992E15
        assert landed[i][column] == float(longs[i]) and landed[i]["_rescued_data"] is None


def _held_by_double(value: float | None, written: Decimal) -> bool:
    """Does ``value`` hold the number ``written``: the double, rounded to as many significant
    digits as ``written`` has, is ``written`` (decimal arithmetic on the two, none of ingest's)."""
    digits = written.normalize()
    if value is None or not math.isfinite(value):
        return False
    if digits.is_zero():
        return value == 0
    places = len(digits.as_tuple().digits)
    return value != 0 and Decimal(value).normalize(Context(prec=places)) == digits


# JSON numbers Spark parses through a double: every one must land in its column as the double
# that holds it, or, where no double does, with its text (as written) in a text column or in
# ``_rescued_data``. In records of JSON lines, an array document, arrays kept as JSON text, an
# object deeper than ``max_depth``, an exploded array and a column of text (an object in it too).
INEXACT_LINES = [
    '{"id": 1, "x": 0.1, "s": "abc", "arr": [1.5, 2], "deep": {"a": {"b": {"c": 1.25}}}, "ev": [{"v": 0.5}]}',
    '{"id": 2, "x": 3.14159265358979323846, "arr": [1, 3.14159265358979323846],'
    ' "deep": {"a": {"b": {"c": 1e400}}}, "ev": [{"v": 0.5}, {"v": 2.718281828459045235360}]}',
    '{"id": 3, "x": 1e400, "ev": [{"v": 1e-400}]}',
    '{"id": 4, "x": 12345678901234567}',  # an integer beside decimals: the day's type is double
    '{"id": 5, "x": 0.10000000000000001}',  # C's %.17g of 0.1: the double holds it
    '{"id": 6, "x": -1e-400}',
    '{"id": 7, "x": 2.5, "x": 1.00000000000000000001}',  # a repeated key: the last value is the one
    '{"id": 8, "x": 1.00000000000000000001, "x": 2.5}',
    '{"id": 9, "x": 46.51234567890123, "s": 3.14159265358979323846}',  # s: text, as on line 1
    '{"id": 10, "x": 1.7976931348623157e308, "s": 1e400}',
    # An object where other records hold text: Spark writes it again, each number through a double.
    '{"id": 13, "s": {"k": 3.14159265358979323846, "t": "x y", "u": 2.5}}',
    '{"id": 14, "ev": [{"w": "t"}, {"w": {"k": 1.00000000000000000001}}]}',  # the same in an element
]
INEXACT_DOCUMENT = '[{"id": 11, "x": 1.2345678901234567891},\n {"id": 12, "x": 2.5}]\n'


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_json_numbers_a_double_cannot_hold_keep_their_written_text(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    """Spark parses a JSON number into a double (and into text through one): 3.14159265358979323846
    landed as 3.141592653589793, 1e400 as Infinity (as ``"Infinity"`` in a text column), a
    17-digit integer beside decimals rounded, with nothing rescued. Each is now checked against
    its written text, found apart from Spark's parse; after ingest, and again after compaction."""
    landing = tmp_path / "numbers"
    table = f"lost.inexact_{read_as}"
    # Two runs, so that the table has two data files for the compaction below to rewrite.
    for name, text in (
        ("a.jsonl", "".join(line + "\n" for line in INEXACT_LINES)),
        ("doc.json", INEXACT_DOCUMENT),
    ):
        write(landing / "2026-01-01" / name, text)
        with splits_of(spark, READ_PATHS[read_as]):
            report = ingest(spark, landing, table, flatten={"max_depth": 3}, arrays={"explode": ["ev"]})
        assert_counts_reconcile(report, "json")

    def check_values() -> None:
        mapping = {".".join(p): c for p, c in column_map(spark, table).items()}
        types = columns(spark, table)
        assert types[mapping["x"]] == "double" and types[mapping["s"]] == "string"
        landed = {r["id"]: r for r in rows(spark, table)}

        # Every input number, from the files by Python's JSON parser (decimals, the last of a
        # repeated key), against its column and _rescued_data.
        records = [json.loads(line, parse_float=Decimal) for line in INEXACT_LINES]
        records += json.loads(INEXACT_DOCUMENT, parse_float=Decimal)
        rescued_where: dict[int, set[str]] = {}
        for record in records:
            row = landed[record["id"]]
            rescued = json.loads(row["_rescued_data"] or "{}")
            rescued_where[record["id"]] = set(rescued)
            for key in ("x", "s"):
                if not isinstance(record.get(key), Decimal | int):
                    continue  # absent, or a string
                written, column = Decimal(record[key]), mapping[key]
                if column in rescued:
                    assert row[column] is None and Decimal(rescued[column]) == written, (record, row)
                elif types[column] == "string":
                    assert Decimal(row[column]) == written, (record, row)  # as written: below
                else:
                    assert _held_by_double(row[column], written), (record, row)
        assert {i for i, keys in rescued_where.items() if mapping["x"] in keys} == {2, 3, 4, 6, 7, 11}
        assert landed[9][mapping["s"]] == "3.14159265358979323846" and landed[10][mapping["s"]] == "1e400"
        assert landed[8][mapping["x"]] == 2.5 and landed[5][mapping["x"]] == 0.1

        # Arrays kept as JSON text, and an object deeper than max_depth (3): the text as written
        # where it holds such a number, Spark's JSON otherwise.
        assert json.loads(landed[1][mapping["arr"]]) == [1.5, 2]
        assert landed[2][mapping["arr"]] == "[1, 3.14159265358979323846]"
        assert json.loads(landed[1][mapping["deep.a.b"]]) == {"c": 1.25}
        assert landed[2][mapping["deep.a.b"]] == '{"c": 1e400}'
        # An object in a column of text, as written where it holds such a number.
        assert landed[13][mapping["s"]] == '{"k": 3.14159265358979323846, "t": "x y", "u": 2.5}'

        # The exploded array: each element's number in the child's column or rescued with its text.
        child = {(r["_source_line"], r["_position"]): r for r in rows(spark, f"{table}__ev")}
        v = column_map(spark, f"{table}__ev")[("v",)]
        assert child[(1, 0)][v] == 0.5 and child[(2, 0)][v] == 0.5
        for key, text in (((2, 1), "2.718281828459045235360"), ((3, 0), "1e-400")):
            assert child[key][v] is None and json.loads(child[key]["_rescued_data"]) == {v: text}
        w = column_map(spark, f"{table}__ev")[("w",)]
        line = INEXACT_LINES.index(next(x for x in INEXACT_LINES if x.startswith('{"id": 14,'))) + 1
        assert (child[(line, 0)][w], child[(line, 1)][w]) == ("t", '{"k": 1.00000000000000000001}')

    check_before_and_after_compaction(spark, table, check_values)


# Values kept as JSON text (arrays, an object deeper than ``max_depth``, an exploded element's
# array) and an object in a column of text: numbers, booleans and objects where another element
# or record holds text there, null members, empty ones, keys out of alphabetical order.
AS_WRITTEN_LINES = [
    '{"id": 1, "arr": [{"a": 4284168, "b": 2.5}, {"a": "", "b": "x"}],'
    ' "deep": {"a": {"b": {"z": 1, "y": null, "c": "s"}}},'
    ' "ev": [{"k": "x", "v": 1, "n": [1, "two", {"t": true}]}, {"k": "y", "v": "on"}]}',
    '{"id": 2, "arr": [{"b": true, "a": {"x": 1, "w": [null]}}], "deep": {"a": {"b": {"c": 5, "m": {}}}},'
    ' "ev": [{"k": "z", "v": {"q": 1, "p": null}, "n": []}]}',
    '{"id": 3, "arr": [], "deep": {"a": {"b": {}}}, "ev": [{"v": false}]}',
    # An emoji as UTF-8 and as an escaped pair: both as the character (Spark's parser writes it as
    # an escaped pair).
    '{"id": 4, "arr": ["😀 é", "\\ud83d\\ude01"], "deep": {"a": {"b": {"😀": "ok"}}}}',
]


def _member(pairs: list[tuple[str, Any]], key: str) -> Any:
    """The value of ``key`` in an object as ``_exact`` reads it (absent: None)."""
    return next((value for k, value in pairs if k == key), None)


def test_values_kept_as_json_text_keep_their_json_as_written(spark: Any, tmp_path: Path) -> None:
    """A value kept as JSON text was Spark's JSON of it as parsed into the inferred type:
    ``[{"a": 4284168}, {"a": ""}]`` came back as ``[{"a":"4284168"},{"a":""}]`` (a number turned
    string), an object where another element holds text as a string of JSON, keys in
    alphabetical order, null members dropped. Each such column must hold the input's JSON, read
    from the file by Python's JSON parser: the same types, members, nulls and key order."""
    landing = tmp_path / "as_written"
    table = "lost.as_written"
    # Two runs, so that the table has two data files for the compaction below to rewrite.
    files = {"a.jsonl": AS_WRITTEN_LINES[:2], "b.jsonl": AS_WRITTEN_LINES[2:]}
    for name, lines in files.items():
        write(landing / "2026-01-01" / name, "".join(line + "\n" for line in lines))
        report = ingest(spark, landing, table, flatten={"max_depth": 3}, arrays={"explode": ["ev"]})
        assert_counts_reconcile(report, "json")

    def check_values() -> None:
        mapping = {".".join(p): c for p, c in column_map(spark, table).items()}
        child_mapping = {".".join(p): c for p, c in column_map(spark, f"{table}__ev").items()}
        landed = {r["id"]: r for r in rows(spark, table)}
        child = {
            (Path(r["_source_file"]).name, r["_source_line"], r["_position"]): r
            for r in rows(spark, f"{table}__ev")
        }
        written = [
            (name, line, text) for name, lines in files.items() for line, text in enumerate(lines, start=1)
        ]
        for name, line, text in written:
            record = _exact(text)
            row = landed[_member(record, "id")]
            assert _exact(row[mapping["arr"]]) == _member(record, "arr"), row
            deep = _member(_member(_member(record, "deep"), "a"), "b")
            assert _exact(row[mapping["deep.a.b"]]) == deep, row
            assert "\\u" not in row[mapping["arr"]] + row[mapping["deep.a.b"]], row  # emoji as themselves
            for position, element in enumerate(_member(record, "ev") or []):
                got = child[(name, line, position)]
                v, n = _member(element, "v"), _member(element, "n")
                if isinstance(v, list):  # an object in the child's column of text
                    assert _exact(got[child_mapping["v"]]) == v, got
                else:
                    assert got[child_mapping["v"]] == (v if isinstance(v, str) else json.dumps(v)), got
                assert (n is None and got[child_mapping["n"]] is None) or _exact(
                    got[child_mapping["n"]]
                ) == n, got

    check_before_and_after_compaction(spark, table, check_values)


# Keys written twice in one object: Spark's parse keeps the last value in the column; every
# earlier one must be in ``_rescued_data`` under ``repeated:`` and the key's path. A scalar, a
# key written three times, a nested key, an object repeated whole (its own repeat goes with it), a
# key with a dot, a key written once escaped, a repeat in an exploded array's element, in an array
# and in an object kept as JSON text (which keep both), in a record of an array document, in an
# object of 80 keys, an earlier value holding a number a double does not hold.
REPEATED_LINES = [
    '{"id": 1, "a": 1, "a": 2}',
    '{"id": 2, "a": 1, "a": "x", "a": 3}',
    '{"id": 3, "o": {"k": "x", "k": "y"}}',
    '{"id": 4, "o": {"k": "p", "k": "q"}, "o": {"k": "r"}}',
    '{"id": 5, "a.b": 1, "a.b": 2}',
    '{"id": 6, "a": 1, "\\u0061": 4}',
    '{"id": 7, "ev": [{"v": 1, "v": 2}, {"v": 3}]}',
    '{"id": 8, "arr": [{"z": 1, "z": 2}]}',
    '{"id": 9, "deep": {"a": {"b": {"c": 1, "c": 2}}}}',
    '{"id": 11, ' + ", ".join(f'"k{i}": {i}' for i in range(80)) + ', "k3": 300}',
    '{"id": 12, "m": {"x": 1}, "m": 5}',
    '{"id": 13, "a": 3.14159265358979323846, "a": 7}',
    '{"id": 14, "a": 9, "o": {"k": "s"}, "ev": [{"v": 4}]}',
]
REPEATED_DOCUMENT = '[{"id": 10, "a": 5, "a": 6}, {"id": 15, "a": 8}]\n'


def _exact(text: str) -> Any:
    """JSON as written: objects as lists of (key, value) pairs (repeats kept), decimals exact."""
    return json.loads(text, object_pairs_hook=list, parse_float=Decimal)


def _repeats(
    pairs: list[tuple[str, Any]], max_depth: int, path: tuple[str, ...] = ()
) -> dict[str, list[Any]]:
    """Every key written more than once in an object flattened into columns (fewer than
    ``max_depth`` keys deep, outside arrays), keyed as README says ``_rescued_data`` keys it
    (``repeated:`` and the path, a key with a dot in backticks), to its earlier values; and
    below the last value of each key, which is the one in the columns."""
    found: dict[str, list[Any]] = {}
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    for key, written in values.items():
        place = (*path, key)
        if len(written) > 1:
            found["repeated:" + ".".join(f"`{k}`" if "." in k else k for k in place)] = written[:-1]
        last = written[-1]
        if isinstance(last, list) and last and isinstance(last[0], tuple) and len(place) < max_depth:
            found.update(_repeats(last, max_depth, place))
    return found


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_a_key_written_twice_in_one_object_keeps_its_earlier_values(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    """``{"a": 1, "a": 2}`` landed 2 and lost the 1 without a trace. Every earlier value of a
    repeated key is now in ``_rescued_data`` (``repeated:a``: ``[1]``), checked against the
    files read by Python's JSON parser with the repeats kept, none of ingest's code."""
    landing = tmp_path / "repeated"
    table = f"lost.repeated_{read_as}"
    # Two runs, so that the table has two data files for the compaction below to rewrite.
    rescued_rows = 0
    for name, text in (
        ("a.jsonl", "".join(line + "\n" for line in REPEATED_LINES)),
        ("doc.json", REPEATED_DOCUMENT),
    ):
        write(landing / "2026-01-01" / name, text)
        with splits_of(spark, READ_PATHS[read_as]):
            report = ingest(spark, landing, table, flatten={"max_depth": 3}, arrays={"explode": ["ev"]})
        assert_counts_reconcile(report, "json")
        rescued_rows += report.sources[0].rows_rescued
    records = [_exact(line) for line in REPEATED_LINES] + _exact(REPEATED_DOCUMENT)
    assert rescued_rows >= sum(1 for r in records if _repeats(r, max_depth=3))

    def repeated_in(row: dict[str, Any]) -> dict[str, list[Any]]:
        rescued = json.loads(row["_rescued_data"] or "{}")
        return {k: _exact(v) for k, v in rescued.items() if k.startswith("repeated:")}

    def check_values() -> None:
        landed = {r["id"]: r for r in rows(spark, table)}
        mapping = {".".join(p): c for p, c in column_map(spark, table).items()}
        for record in records:
            id_ = dict(record)["id"]
            expected = _repeats(record, max_depth=3)
            # The exploded array's elements are child rows: their repeats are the child's.
            expected = {k: v for k, v in expected.items() if k != "repeated:ev"}
            assert repeated_in(landed[id_]) == expected, (id_, landed[id_]["_rescued_data"])

        # The columns hold the last value, as before.
        assert landed[1][mapping["a"]] == "2" and landed[2][mapping["a"]] == "3"
        assert landed[4][mapping["o.k"]] == "r" and landed[11][mapping["k3"]] == 300
        assert repeated_in(landed[2]) == {"repeated:a": [1, "x"]}
        assert repeated_in(landed[4]) == {"repeated:o": [[("k", "p"), ("k", "q")]]}
        assert repeated_in(landed[13]) == {"repeated:a": [Decimal("3.14159265358979323846")]}
        assert repeated_in(landed[14]) == {}
        # An array or an object kept as JSON text keeps every pair it was written with.
        assert _exact(landed[8][mapping["arr"]]) == [[("z", 1), ("z", 2)]]
        assert _exact(landed[9][mapping["deep.a.b"]]) == [("c", 1), ("c", 2)]

        # The exploded array: each element's repeats in its child row.
        child = {(r["_source_line"], r["_position"]): r for r in rows(spark, f"{table}__ev")}
        v = column_map(spark, f"{table}__ev")[("v",)]
        assert child[(7, 0)][v] == 2 and repeated_in(child[(7, 0)]) == {"repeated:v": [1]}
        assert child[(7, 1)][v] == 3 and child[(7, 1)]["_rescued_data"] is None

    check_before_and_after_compaction(spark, table, check_values)


# Strings cut between the two halves of a UTF-16 pair (as a JavaScript client's substring leaves
# them), beside a whole pair, nested, in arrays kept as text, in exploded arrays of strings and of
# objects, and as the earlier value of a repeated key.
UNPAIRED_LINES = [
    '{"id": 1, "s": "ok \\ud83d\\ude00", "m": {"t": "x"}}',
    '{"id": 2, "s": "cut \\ud83d", "m": {"t": "\\ude00 tail"}}',
    '{"id": 3, "tags": ["a", "\\ud83d"], "ev": [{"v": "\\udbff"}, {"v": "fine"}]}',
    '{"id": 4, "arr": [1, "\\ud800"], "s": "\\ud800", "s": "last"}',
    '{"id": 5, "c": "text"}',
    '{"id": 6, "c": {"b": "\\ud800"}}',
]


def _as_spark_stores(text: str) -> str:
    """Spark's text is UTF-8: an unpaired surrogate becomes "?" (as Python's "replace" makes it)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def test_a_string_with_half_a_surrogate_pair_keeps_its_text_as_written(spark: Any, tmp_path: Path) -> None:
    """``"cut \\ud83d"`` (an emoji cut in half) landed as ``cut ?`` with nothing else kept. The
    column still holds Spark's text; the string as written is kept in ``_rescued_data`` under
    ``unpaired:`` and its path, checked against Python's JSON decoder, which keeps the half, before
    and after compaction (the lines land in two runs, two files of one day)."""
    landing = tmp_path / "u"
    table = "lost.unpaired"
    rescued_rows = 0
    for name, lines in (("a.jsonl", UNPAIRED_LINES[:3]), ("b.jsonl", UNPAIRED_LINES[3:])):
        write(landing / "2026-01-01" / name, "".join(line + "\n" for line in lines))
        report = ingest(spark, landing, table, arrays={"explode": ["tags", "ev"]})
        assert report.sources[0].rows_quarantined == 0
        assert_counts_reconcile(report, "json")
        rescued_rows += report.sources[0].rows_rescued
    assert rescued_rows == 2  # ids 2 and 4 (id 3's are in its child rows)
    records = {r["id"]: r for r in (json.loads(line) for line in UNPAIRED_LINES)}

    def kept(row: dict[str, Any]) -> dict[str, Any]:
        rescued = json.loads(row["_rescued_data"] or "{}")
        return {k: json.loads(v) for k, v in rescued.items() if k.startswith(("unpaired:", "repeated:"))}

    def check_values() -> None:
        landed = {r["id"]: r for r in rows(spark, table)}
        mapping = {".".join(p): c for p, c in column_map(spark, table).items()}
        assert landed[1][mapping["s"]] == records[1]["s"] == "ok 😀" and kept(landed[1]) == {}
        assert landed[2][mapping["s"]] == _as_spark_stores(records[2]["s"]) == "cut ?"
        assert kept(landed[2]) == {"unpaired:s": records[2]["s"], "unpaired:m.t": records[2]["m"]["t"]}
        # An array kept as JSON text keeps its text as written; a repeated key's earlier value too.
        assert json.loads(landed[4][mapping["arr"]]) == records[4]["arr"] == [1, "\ud800"]
        assert landed[4][mapping["s"]] == "last" and kept(landed[4]) == {"repeated:s": ["\ud800"]}
        # An object in a text column (other records hold text there): Spark writes it back as JSON
        # text, the escape with it, so nothing more is kept.
        assert json.loads(landed[6][mapping["c"]]) == records[6]["c"] and kept(landed[6]) == {}

        # Exploded arrays: each element's string in its child row.
        tags = {r["_position"]: r for r in rows(spark, f"{table}__tags")}
        assert [tags[i]["value"] for i in (0, 1)] == ["a", _as_spark_stores(records[3]["tags"][1])]
        assert [kept(tags[i]) for i in (0, 1)] == [{}, {"unpaired:value": records[3]["tags"][1]}]
        ev = {r["_position"]: r for r in rows(spark, f"{table}__ev")}
        assert [ev[i]["v"] for i in (0, 1)] == ["?", "fine"]
        assert [kept(ev[i]) for i in (0, 1)] == [{"unpaired:v": records[3]["ev"][0]["v"]}, {}]

    check_before_and_after_compaction(spark, table, check_values)


def test_integers_a_float_column_cannot_hold_are_rescued(spark: Any, tmp_path: Path) -> None:
    """A float keeps 24 bits: 16777217 would come back as 16777216, so it is rescued."""
    landing = tmp_path / "floats"
    table = "lost.float_then_ints"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 2.5}\n')
    ingest(spark, landing, table, types={"n": "float"})
    write(landing / "2026-01-02" / "b.jsonl", '{"id": 2, "n": 16777217}\n{"id": 3, "n": 16777216}\n')
    ingest(spark, landing, table, types={"n": "float"})
    column = column_map(spark, table)[("n",)]
    assert columns(spark, table)[column] == "float"
    landed = {r["id"]: r for r in rows(spark, table)}
    assert landed[2][column] is None and json.loads(landed[2]["_rescued_data"]) == {column: "16777217"}
    assert landed[3][column] == 16777216.0 and landed[3]["_rescued_data"] is None


def test_numbers_as_text_entering_a_float_column_land_when_the_float_holds_them(
    spark: Any, tmp_path: Path
) -> None:
    """A float column (a type hint) compared a text's cast by its spelling only: "2" came back
    as "2.0" and was rescued, where a double column keeps it."""
    landing = tmp_path / "float_texts"
    table = "lost.float_then_texts"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 2.5}\n')
    ingest(spark, landing, table, types={"n": "float"})
    texts = {2: "2", 3: "0.1", 4: "16777217", 5: "1e3", 6: "0.1000000001"}
    write(
        landing / "2026-01-02" / "b.jsonl",
        "".join(json.dumps({"id": id_, "n": text}) + "\n" for id_, text in texts.items()),
    )
    ingest(spark, landing, table, types={"n": "float"})
    column = column_map(spark, table)[("n",)]
    assert columns(spark, table)[column] == "float"
    landed = {r["id"]: (r[column], r["_rescued_data"]) for r in rows(spark, table)}
    assert landed[2] == (2.0, None)
    assert landed[3][1] is None and abs(landed[3][0] - 0.1) < 1e-7  # 0.1 as a float holds it
    assert landed[5] == (1000.0, None)
    # 16777217 is no float (2^24 + 1), and 0.1000000001 comes back as 0.1: both kept as text
    assert landed[4][0] is None and json.loads(landed[4][1]) == {column: "16777217"}
    assert landed[6][0] is None and json.loads(landed[6][1]) == {column: "0.1000000001"}


def test_numbers_as_text_entering_an_int_column_land_as_in_a_bigint_column(
    spark: Any, tmp_path: Path
) -> None:
    """An int column (a type hint) took "5.0" for another value than 5, where a bigint keeps it."""
    landing = tmp_path / "int_texts"
    table = "lost.int_then_texts"
    write(landing / "2026-01-01" / "a.jsonl", '{"id": 1, "n": 4}\n')
    ingest(spark, landing, table, types={"n": "int"})
    texts = {2: "5.0", 3: "7", 4: "5.5", 5: "3000000000"}
    write(
        landing / "2026-01-02" / "b.jsonl",
        "".join(json.dumps({"id": id_, "n": text}) + "\n" for id_, text in texts.items()),
    )
    ingest(spark, landing, table, types={"n": "int"})
    column = column_map(spark, table)[("n",)]
    assert columns(spark, table)[column] == "int"
    landed = {r["id"]: (r[column], r["_rescued_data"]) for r in rows(spark, table)}
    assert landed[2] == (5, None) and landed[3] == (7, None)
    for id_ in (4, 5):  # not a whole number; beyond an int
        assert landed[id_][0] is None and json.loads(landed[id_][1]) == {column: texts[id_]}


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_json_lines_under_a_first_line_that_is_an_array_land_as_records(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    """A first line that starts with "[" made the whole file one array document: not valid, so
    it was quarantined whole as one record (its text cut in the quarantine), the objects below
    it never landed. A first line that is a whole value by itself now starts JSON lines. Read as
    lines (a file larger than a split), such a file was still read whole, one string in a task's
    memory (over 2 GB, a failed run): it is now read as the stream of lines it is."""
    landing = tmp_path / "arrays"
    write(landing / "a.jsonl", '[1, 2]\n{"id": 1}\n\n{"id": 2, "v": "x"}\n')
    write(landing / "b.jsonl", '[{"id": 3}, null]\n{"id": 4}\n')
    write(landing / "c.json", '[{"id": 5},\n {"id": 6}]\n')  # an array document still
    write(landing / "d.json", '[{"id": 7},\n null]\n')  # not a valid one: one bad record
    write(landing / "e.json", "[{'id': 8}]\n")  # single quotes are no JSON here either
    write(landing / "f.jsonl", '{"id": 9,}\r\n{"id": 10}\r\n')  # a bad object, closed on its line
    table = f"lost.array_first_lines_{read_as}"
    with splits_of(spark, READ_PATHS[read_as]):
        report = ingest(spark, landing, table)
        if read_as == "as_lines":
            uris = [f.file for f in report.sources[0].files]
            read_whole, _ = _plan_splits(spark, _read_lines(spark, uris))
            assert sorted(Path(uri).name for uri in read_whole) == ["c.json", "d.json", "e.json"]
    assert_counts_reconcile(report, "json")
    landed = ids_by_file_line(spark, table)
    assert landed == {
        ("a.jsonl", 2): 1,
        ("a.jsonl", 4): 2,
        ("b.jsonl", 2): 4,
        ("c.json", 1): 5,
        ("c.json", 2): 6,
        ("f.jsonl", 2): 10,
    }
    quarantined = quarantined_by_file_line(spark, table)
    assert quarantined == {
        ("a.jsonl", 1): "[1, 2]",
        ("b.jsonl", 1): '[{"id": 3}, null]',
        ("d.json", 1): '[{"id": 7},\n null]\n',
        ("e.json", 1): "[{'id': 8}]",
        ("f.jsonl", 1): '{"id": 9,}',
    }


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_a_document_is_told_from_json_lines_by_brackets_as_the_count_tells_it(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    """The reader told a pretty-printed object from JSON lines by Spark's lenient JSON parser
    (single quotes accepted; whole text valid or not), the independent count by brackets: on
    these files the two disagreed and the source failed ("do not reconcile")."""
    landing = tmp_path / "documents"
    write(landing / "a.json", '{"id": 1,\n "v": "x"}\n')  # a pretty-printed object: one record
    write(landing / "b.json", '{"id": 2,\n "v": "x",}\n')  # not valid JSON: one bad record, not two
    write(landing / "c.jsonl", "{'id': 3, 'v': 'x{y'}\n{'id': 4, 'v': 'z}w'}\n")  # str(dict) lines
    write(landing / "d.json", '{"id": 5,\n "v": "x"} and more\n')  # text after it: two bad lines
    write(landing / "e.jsonl", '"two\nlines"\n{"id": 6}\n')  # a top-level string is no document
    table = f"lost.documents_{read_as}"
    with splits_of(spark, READ_PATHS[read_as]):
        report = ingest(spark, landing, table)
    assert_counts_reconcile(report, "json")
    landed = ids_by_file_line(spark, table)
    assert landed == {("a.json", 1): 1, ("e.jsonl", 3): 6}
    quarantined = quarantined_by_file_line(spark, table)
    assert quarantined == {
        ("b.json", 1): '{"id": 2,\n "v": "x",}\n',
        ("c.jsonl", 1): "{'id': 3, 'v': 'x{y'}\n{'id': 4, 'v': 'z}w'}\n",
        ("d.json", 1): '{"id": 5,',
        ("d.json", 2): ' "v": "x"} and more',
        ("e.jsonl", 1): '"two',
        ("e.jsonl", 2): 'lines"',
    }


def test_csv_big_integers_and_long_decimals_land_exactly(spark: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path / "n" / "n.csv",
        "id,big,pi,short,huge\n"
        "1,12345678901234567890123,3.14159265358979323846,1.5," + "1234567890" * 4 + "\n"
        "2,-98765432109876543210,2.5,0.25,7\n",
    )
    table = "lost.csv_numbers"
    ingest(spark, path, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    types = columns(spark, table)
    assert [types[mapping[k]] for k in ("id", "big", "pi", "short", "huge")] == [
        "bigint",
        "decimal(38,0)",
        "decimal(38,20)",
        "double",
        "string",
    ]
    first, second = rows(spark, table)
    assert first[mapping["big"]] == Decimal("12345678901234567890123")
    assert second[mapping["big"]] == Decimal("-98765432109876543210")
    assert first[mapping["pi"]] == Decimal("3.14159265358979323846")
    assert second[mapping["pi"]] == Decimal("2.5")
    assert first[mapping["huge"]] == "1234567890" * 4  # 40 digits: more than a decimal holds


def test_csv_values_entering_an_existing_column_are_checked_on_their_text(spark: Any, tmp_path: Path) -> None:
    table = "lost.csv_existing"
    ingest(spark, write(tmp_path / "r1" / "a.csv", "id,v\n1,5\n"), table, "csv")
    ingest(
        spark, write(tmp_path / "r2" / "b.csv", "id,v\n2,12345678901234567890\n3,1.5\n4,6.0\n"), table, "csv"
    )
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    assert columns(spark, table)[mapping["v"]] == "bigint"
    landed = {r[mapping["id"]]: r for r in rows(spark, table)}
    assert landed[2][mapping["v"]] is None
    assert json.loads(landed[2]["_rescued_data"]) == {mapping["v"]: "12345678901234567890"}
    assert json.loads(landed[3]["_rescued_data"]) == {mapping["v"]: "1.5"}
    assert landed[4][mapping["v"]] == 6 and landed[4]["_rescued_data"] is None


def test_csv_values_entering_an_existing_text_column_keep_their_text(spark: Any, tmp_path: Path) -> None:
    """A later file whose values look like numbers or booleans: the text column holds them as
    written, not as the typed value's text ("1234", "true", "0")."""
    table = "lost.csv_text_column"
    ingest(spark, write(tmp_path / "r1" / "a.csv", "id,code,flag,zero\n1,N/A,yes,none\n"), table, "csv")
    ingest(
        spark,
        write(tmp_path / "r2" / "b.csv", 'id,code,flag,zero\n2,"1,234",TRUE,-0\n3,17,False,0\n'),
        table,
        "csv",
    )
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    assert {columns(spark, table)[mapping[k]] for k in ("code", "flag", "zero")} == {"string"}
    landed = {r[mapping["id"]]: r for r in rows(spark, table)}
    assert [landed[i][mapping["code"]] for i in (1, 2, 3)] == ["N/A", "1,234", "17"]
    assert [landed[i][mapping["flag"]] for i in (1, 2, 3)] == ["yes", "TRUE", "False"]
    assert [landed[i][mapping["zero"]] for i in (1, 2, 3)] == ["none", "-0", "0"]
    assert all(landed[i]["_rescued_data"] is None for i in (1, 2, 3))


def test_a_pandas_one_column_csv_lands_every_row(spark: Any, tmp_path: Path) -> None:
    """``Series.to_csv()``: a header whose first cell (the index's) is blank, above numbers."""
    table = "lost.csv_pandas_series"
    report = ingest(spark, write(tmp_path / "s" / "s.csv", ",value\n0,1.5\n1,2.5\n2,-3\n"), table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    assert set(mapping) == {"column_1", "value"}
    assert [(r[mapping["column_1"]], r[mapping["value"]]) for r in rows(spark, table)] == [
        (0, 1.5),
        (1, 2.5),
        (2, -3.0),
    ]
    assert_counts_reconcile(report, "csv")


def test_csv_crlf_in_quotes_rows_of_empty_fields_and_latin1_headers(spark: Any, tmp_path: Path) -> None:
    landing = tmp_path / "csv"
    write(landing / "crlf.csv", 'id,text\r\n1,"two\r\nlines"\r\n2,plain\r\n')
    write(landing / "empty_rows.csv", "id,text\n1,a\n,\n\n2,b\n")
    table = "lost.csv_fidelity"
    report = ingest(spark, landing, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    landed = [
        (Path(r["_source_file"]).name, r[mapping["id"]], r[mapping["text"]]) for r in rows(spark, table)
    ]
    assert landed == [
        ("crlf.csv", 1, "two\r\nlines"),
        ("crlf.csv", 2, "plain"),
        ("empty_rows.csv", 1, "a"),
        ("empty_rows.csv", None, None),  # ",": a record of empty fields lands
        ("empty_rows.csv", 2, "b"),
    ]
    assert_counts_reconcile(report, "csv")

    latin = write(tmp_path / "latin" / "l.csv", "Prénom;Ville\nZoë;Liège\n", encoding="latin-1")
    report = ingest(spark, latin, "lost.csv_latin1", "csv", csv={"delimiter": ";", "encoding": "ISO-8859-1"})
    latin_map = {p[0]: c for p, c in column_map(spark, "lost.csv_latin1").items()}
    assert set(latin_map) == {"Prénom", "Ville"}
    (row,) = rows(spark, "lost.csv_latin1")
    assert (row[latin_map["Prénom"]], row[latin_map["Ville"]]) == ("Zoë", "Liège")
    assert_counts_reconcile(report, "csv", CsvGrammar(delimiter=";", encoding="ISO-8859-1"))


def test_csv_with_mixed_cr_only_or_bare_cr_line_ends_lands_every_value(spark: Any, tmp_path: Path) -> None:
    """CRLF and LF in one file (files joined with ``cat``) ran two records into one, and the
    source failed as "do not reconcile"; a file with CR line ends only (Excel's "CSV
    (Macintosh)") and one with a bare CR in its header were taken for files without records, and
    their rows were lost; a row of empty fields in a mixed file was dropped as a blank line. The
    expected values come from Python's csv module (universal newlines), not from the reader."""
    landing = tmp_path / "ends"
    texts = {
        "mixed.csv": 'id,text\r\n1,"two\r\nlines"\r\n2,plain\n\r\n3, last \r\n4,"q"\n5,\r\n6,end\n',
        "mac.csv": 'id,text\r1,"a\rb"\r\r2,c\r',
        # a row of empty fields ending in LF, in a mixed file: a record of NULLs, as anywhere else
        "mixed_empty.csv": "id,text\r\n,\n7,x\r\n",
    }
    for name, text in texts.items():
        write(landing / name, text)
    write(landing / "bare_cr.csv", "id,te\rxt\n1,a\rb\n")  # a CR beside LFs is a character
    table = "lost.csv_line_ends"
    report = ingest(spark, landing, table, "csv")
    assert report.ok and report.sources[0].rows_quarantined == 0
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    landed = {
        (Path(r["_source_file"]).name, r[mapping["id"]]): (
            r.get(mapping.get("text", "")),
            r.get(mapping.get("te\rxt", "")),
        )
        for r in rows(spark, table)
    }
    expected = {
        (name, int(row[0]) if row[0] else None): ((row[1] or None), None)
        for name, text in texts.items()
        for row in list(csv.reader(io.StringIO(text, newline="")))[1:]
        if row
    }
    expected[("bare_cr.csv", 1)] = (None, "a\rb")
    assert landed == expected
    assert expected[("mixed.csv", 3)] == (" last ", None) and expected[("mac.csv", 1)] == ("a\rb", None)
    assert_counts_reconcile(report, "csv")


def test_csv_values_with_a_quote_inside_land_as_written(spark: Any, tmp_path: Path) -> None:
    """``5" screen``: a quote inside an unquoted value is part of it (Spark's CSV parser and the
    independent count agree); the count took it for an opening quote, and the source failed
    with "records read do not reconcile"."""
    landing = tmp_path / "inch"
    write(landing / "inch.csv", 'id,item\n1,5" screen\n2,"a ""quoted"" one"\n3,x"y\n')
    table = "lost.csv_inch"
    report = ingest(spark, landing, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    assert [(r[mapping["id"]], r[mapping["item"]]) for r in rows(spark, table)] == [
        (1, '5" screen'),
        (2, 'a "quoted" one'),
        (3, 'x"y'),
    ]
    assert_counts_reconcile(report, "csv")


def test_csv_numbers_beyond_the_range_of_a_double_keep_their_text(spark: Any, tmp_path: Path) -> None:
    """``1e400`` has one significant digit, but a double holds it as Infinity; ``1e-400`` becomes
    0.0 and ``3e-324`` the subnormal 5e-324. Such a column was typed double and those values
    landed changed; it is text now. Expected values come from Python's csv module."""
    text = "id,big,tiny,small,fine\n1,1e400,1e-400,3e-324,1e308\n2,2.5e3,2.5e-3,0e0,2.3e-308\n"
    path = write(tmp_path / "far" / "far.csv", text)
    table = "lost.csv_double_range"
    report = ingest(spark, path, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    types = columns(spark, table)
    assert [types[mapping[k]] for k in ("big", "tiny", "small", "fine")] == [
        "string",
        "string",
        "string",
        "double",
    ]
    landed = rows(spark, table)
    for row, want in zip(landed, csv.DictReader(io.StringIO(text)), strict=True):
        assert [row[mapping[k]] for k in ("big", "tiny", "small")] == [
            want["big"],
            want["tiny"],
            want["small"],
        ]
        assert row[mapping["fine"]] == float(want["fine"])
        assert row["_rescued_data"] is None
    assert_counts_reconcile(report, "csv")


def test_csv_date_and_timestamp_hints_rescue_what_the_column_cannot_keep(spark: Any, tmp_path: Path) -> None:
    """Spark casts ``2024`` to the date 2024-01-01, ``2024-01-31T10:30:00Z`` to the date
    2024-01-31, a time alone to today at that time, and cuts nanoseconds: all of these landed
    changed. A date column takes a whole date, a timestamp column a text that starts with one and
    has nothing beyond the microsecond; the rest is rescued as its text (from Python's csv)."""
    text = (
        "id,day,at\n"
        "1,2024-01-31,2024-01-31T10:30:00Z\n"
        "2,2024-01-31T10:30:00Z,2024-01-31 10:00:00.123456789\n"
        "3,2024,10:00:00\n"
        "4,2024-05,2024-01-31 10:00:00.123456000\n"
    )
    path = write(tmp_path / "when" / "when.csv", text)
    table = "lost.csv_date_hints"
    report = ingest(spark, path, table, "csv", types={"day": "date", "at": "timestamp"})
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    landed = {r[mapping["id"]]: r for r in rows(spark, table)}
    stored = {
        (1, "day"): date(2024, 1, 31),
        (1, "at"): datetime(2024, 1, 31, 10, 30),
        (4, "at"): datetime(2024, 1, 31, 10, 0, 0, 123456),
    }
    for want in csv.DictReader(io.StringIO(text)):
        row = landed[int(want["id"])]
        rescued = json.loads(row["_rescued_data"] or "{}")
        for key in ("day", "at"):
            if (int(want["id"]), key) in stored:
                assert row[mapping[key]] == stored[(int(want["id"]), key)] and mapping[key] not in rescued
            else:
                assert (row[mapping[key]], rescued[mapping[key]]) == (None, want[key])
    assert_counts_reconcile(report, "csv")


def test_csv_rows_with_invalid_bytes_are_quarantined_with_their_fields(spark: Any, tmp_path: Path) -> None:
    """A row with bytes its encoding cannot decode went to quarantine with no raw text at all:
    its other values were in neither the table nor the quarantine. Its raw text is now the
    record's fields as one CSV record (the undecodable bytes as U+FFFD), which Python's csv reads
    back to the same fields; a note row after the data keeps its empty and quoted fields too."""
    data = b'a,b,c\n1,x\xffy,"q,""r"""\n2,z,w\n"n, ote",,\n'
    path = tmp_path / "bytes" / "bytes.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    table = "lost.csv_invalid_bytes"
    report = ingest(spark, path, table, "csv")
    expected = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))
    quarantined = {
        r.line: r
        for r in spark.sql(
            f"select line, raw, reason from ingest_meta.quarantine where table_name = '{table}'"
        ).collect()
    }
    assert sorted(quarantined) == [2, 4]
    assert quarantined[2].reason == (
        "invalid bytes for the file encoding (UTF-8): a file in another encoding "
        "(windows-1252, ISO-8859-1) needs csv.encoding"
    )
    assert quarantined[4].reason.startswith("note row after the data")
    for line in (2, 4):
        assert quarantined[line].raw is not None
        assert next(csv.reader(io.StringIO(quarantined[line].raw, newline=""))) == expected[line - 1]
    assert expected[1] == ["1", "x\ufffdy", 'q,"r"']
    assert [r["_source_line"] for r in rows(spark, table)] == [3]
    assert_counts_reconcile(report, "csv")


def test_a_utf16_json_lines_file_is_quarantined_whole_and_the_files_beside_it_land(
    spark: Any, tmp_path: Path
) -> None:
    """PowerShell 5 writes UTF-16 with a byte order mark. Read as UTF-8, each of its lines went
    to quarantine as garbage, its values (``Zoë``) lost to U+FFFD; the file is now one record of
    quarantine saying what it is and what to do, and the UTF-8 file beside it lands."""
    records = [{"id": 1, "name": "Zoë"}, {"id": 2, "name": "Jürg"}]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records)
    write(tmp_path / "mixed" / "powershell.jsonl", text, encoding="utf-16")
    write(tmp_path / "mixed" / "utf8.jsonl", text)
    table = "lost.json_utf16"
    report = ingest(spark, tmp_path / "mixed", table)
    per_file = {Path(f.file).name: (f.rows_written, f.rows_quarantined) for f in report.sources[0].files}
    assert per_file == {"powershell.jsonl": (0, 1), "utf8.jsonl": (2, 0)}
    assert [{"id": r["id"], "name": r["name"]} for r in rows(spark, table)] == records
    ((line, raw, reason),) = spark.sql(
        f"select line, raw, reason from ingest_meta.quarantine where table_name = '{table}'"
    ).collect()
    assert (line, raw) == (None, None)
    assert reason == (
        "not UTF-8 text: it starts with the UTF-16LE byte order mark (JSON must be UTF-8); "
        "convert it (iconv -f UTF-16LE -t UTF-8) and land it under a new name"
    )


def test_a_semicolon_csv_read_with_commas_lands_whole_in_one_column_and_the_run_says_so(
    spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """European Excel writes ';'. Read with the default ',', every row is one field: nothing is
    lost (each row's text is its one value), and the run names the delimiter to set. Doing what
    it says (roll the run back, set the delimiter, run again) leaves the table as if the file
    had been read right the first time: the rollback drops the one column the run added, which
    stayed in the table before."""
    path = write(tmp_path / "semicolon" / "export.csv", "id;name;city\n1;Zoë;Liège\n2;Jürg;Bern\n")
    table = "lost.csv_semicolon"
    with caplog.at_level("WARNING", logger="ingest.read_csv"):
        first = ingest(spark, path, table, "csv")
    mapping = column_map(spark, table)
    assert list(mapping) == [("id;name;city",)]  # the header is one column's name
    column = mapping[("id;name;city",)]
    assert [r[column] for r in rows(spark, table)] == ["1;Zoë;Liège", "2;Jürg;Bern"]
    assert (
        f"1 CSV file(s) seem separated by ';', not ',', e.g. {path}: if so, set csv.delimiter: ';' "
        "for the source; to read them again, `ingest rollback` the run that took them (its rows go, "
        "and the columns it added) and run again"
    ) in caplog.text

    (*_, main) = rollback_run(spark, table, first.run_id)
    assert (main.rows_removed, main.columns_dropped) == (2, (column,))
    assert column not in spark.table(table).columns and column_map(spark, table) == {}
    ingest(spark, path, table, "csv", csv={"delimiter": ";"})
    assert [c for c in spark.table(table).columns if not c.startswith("_") and c != "event_date"] == [
        "id",
        "name",
        "city",
    ]
    assert [(r["id"], r["name"], r["city"]) for r in rows(spark, table)] == [
        (1, "Zoë", "Liège"),
        (2, "Jürg", "Bern"),
    ]
    changes = spark.sql(
        "select column_name, change from ingest_meta.schema_changes "
        f"where table_name = '{table}' order by changed_at, column_name"
    ).collect()
    assert [(c.column_name, c.change) for c in changes] == [
        ("", "create_table"),
        (column, "add_column"),
        (column, "drop_column"),
        ("city", "add_column"),
        ("id", "add_column"),
        ("name", "add_column"),
    ]


def test_csv_records_before_the_guessed_header_are_quarantined_with_their_text(
    spark: Any, tmp_path: Path
) -> None:
    """The header guess dropped every record above the one it took for the header, and the
    independent count mirrored the guess, so the run reconciled and said nothing: a row with
    unquoted commas among the first 50 became the header, and the real header and the rows
    above it vanished. The guess now judges against the usual width, records above the header
    are quarantined with their text, and the count is every record but the header. Each
    record of each file but its real header (read with Python's csv) is in the table or, read
    back from its raw text, in the quarantine."""
    files = {  # name: (text, index of the real header among the non-empty records)
        "commas.csv": ("id,comment\n1,fine\n2,ok\n3,this, has, many, commas, unquoted\n4,last\n", 0),
        "title.csv": ("Sales report,,\n,,\nid,comment,extra\n5,a,x\n", 2),
        "two_cell_title.csv": ("Report,2024\nid,comment,extra\n6,b,y\n7,c,z\n", 1),
        # every row one value wider than its header: all quarantined, none taken for the header
        "narrow_header.csv": ("id,comment\n8,d,q\n9,e,r\n", 0),
    }
    landing = tmp_path / "guess"
    for name, (text, _) in files.items():
        write(landing / name, text)
    table = "lost.csv_header_guess"
    report = ingest(spark, landing, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    assert set(mapping) == {"id", "comment", "extra"}  # the real headers, no value as a name
    landed = {(Path(r["_source_file"]).name, r["_source_line"]): r for r in rows(spark, table)}
    quarantine = quarantine_by_file_line(spark, table)
    for name, (text, header_index) in files.items():
        records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
        header = records[header_index]
        for number, record in enumerate(records, start=1):
            if number == header_index + 1:
                assert (name, number) not in landed and (name, number) not in quarantine
            elif (name, number) in landed:
                row = landed[(name, number)]
                got = [row[mapping[h]] for h in header]
                assert [None if v is None else str(v) for v in got] == [v or None for v in record]
            else:
                raw = quarantine[(name, number)].raw
                assert next(csv.reader(io.StringIO(raw, newline=""))) == record, (name, number)
    reasons = {key: r.reason for key, r in quarantine.items()}
    assert reasons[("commas.csv", 4)].startswith("wrong number of fields")
    assert reasons[("title.csv", 1)].startswith("row before the header (taken to be record 3)")
    assert reasons[("title.csv", 2)] == "empty row before the header (every field empty)"
    assert reasons[("two_cell_title.csv", 1)].startswith("row before the header")
    assert reasons[("narrow_header.csv", 2)].startswith("wrong number of fields (the header has 2)")
    assert len(landed) == 6 and len(quarantine) == 6
    assert_counts_reconcile(report, "csv")


def test_csv_files_of_many_headers_in_one_batch_land_every_value_under_its_own_name(
    spark: Any, tmp_path: Path
) -> None:
    """Files whose headers differ (columns added, dropped, reordered, repeated; CRLF and mixed
    line ends; one under a title row) are read as one union and named per file from its header's
    positions (``read_csv._rows``): a position taken from another file's header would put a value
    under another name. Each value says which column, file and row it belongs to; every record,
    read back with Python's csv, is in its row under its own names, or in quarantine with the
    width of its own file's header. Values hold quotes, line breaks, a CR, an emoji and a byte
    order mark, quoted as needed or every one."""
    rnd = random.Random(7)
    pool = ["id", "name", "price", "a b", "ts", "note", "dup"]

    def hostile(column: str, row: int) -> str:  # quotes, a line break, a CR, an emoji, a BOM
        return f'{column} "{row}",\n€😀\ufeff\r{row}'

    landing = tmp_path / "headers"
    files: dict[str, tuple[list[str], list[list[str]], int]] = {}  # name: (header, records, header index)
    for number in range(24):
        header = rnd.sample(pool, rnd.randint(2, len(pool)))
        if number % 5 == 0:
            header.append("dup")  # repeated: read as "dup" and "dup#2"
        records = [
            [
                rnd.choice([f"{column}/{number}/{row}", "", f"{column}, {number}", hostile(column, row)])
                for column in header
            ]
            for row in range(3)
        ]
        records.append([f"{column}/{number}/last" for column in header])  # full: no note row after the data
        if number % 3 == 0:
            records.insert(1, [*records[0], "one too many"])
        if number % 4 == 1:
            records.insert(2, records[0][:-1])  # one field short
        title = ["Monthly export"] if number == 7 else []
        buffer = io.StringIO()
        line_end = ["\n", "\r\n"][number % 2]
        quoting = csv.QUOTE_ALL if number % 4 == 2 else csv.QUOTE_MINIMAL
        csv.writer(buffer, lineterminator=line_end, quoting=quoting).writerows(
            [*([title] if title else []), header, *records]
        )
        text = buffer.getvalue()
        if number % 6 == 3:
            text = text.replace("\r\n", "\n", 2)  # mixed: LF and CRLF
        write(landing / f"f{number:02d}.csv", text)
        files[f"f{number:02d}.csv"] = (header, records, len(title))
    table = "lost.csv_many_headers"
    report = ingest(spark, landing, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    landed = {(Path(r["_source_file"]).name, r["_source_line"]): r for r in rows(spark, table)}
    quarantine = quarantine_by_file_line(spark, table)
    expected_landed = expected_quarantined = 0
    for name, (header, records, header_index) in files.items():
        names = [*header[:-1], "dup#2"] if header.count("dup") == 2 else header
        if header_index:
            assert quarantine[(name, 1)].reason.startswith("row before the header (taken to be record 2)")
            expected_quarantined += 1
        for number, record in enumerate(records, start=header_index + 2):
            if len(record) == len(header):
                row = landed[(name, number)]
                values = {n: row[mapping[n]] for n in mapping}  # the file's names, and the others NULL
                assert values == {n: None for n in mapping} | dict(
                    zip(names, [v or None for v in record], strict=True)
                )
                expected_landed += 1
            else:
                bad = quarantine[(name, number)]
                assert bad.reason == f"wrong number of fields (the header has {len(header)})", (name, number)
                assert next(csv.reader(io.StringIO(bad.raw, newline=""))) == record
                expected_quarantined += 1
    assert (len(landed), len(quarantine)) == (expected_landed, expected_quarantined)
    assert set(mapping) == {*pool, "dup#2"}
    assert_counts_reconcile(report, "csv")


def test_csv_with_hundreds_of_columns_lands_every_value(spark: Any, tmp_path: Path) -> None:
    """A file 600 columns wide failed its source with "An error occurred while calling
    o123.select" (a StackOverflowError in Spark's analyzer: one nested expression per column),
    and one with mixed line ends took minutes to plan (a test per column over all later
    columns). Every value lands, compared with Python's csv."""
    width = 600
    header = ",".join(f"c{i}" for i in range(width))
    numbers = ",".join(str(i) for i in range(width))
    texts = ",".join(f"v{i}" for i in range(width))
    landing = tmp_path / "wide"
    files = {
        "a_lf.csv": f"{header}\n{numbers}\n{texts}\n",
        "b_mixed.csv": f"{header}\r\n{numbers}\n{texts}\r\n",
    }
    for name, text in files.items():
        write(landing / name, text)
    table = "lost.csv_wide"
    report = ingest(spark, landing, table, "csv")
    mapping = {p[0]: c for p, c in column_map(spark, table).items()}
    landed = rows(spark, table)
    expected = [
        record for text in files.values() for record in list(csv.reader(io.StringIO(text, newline="")))[1:]
    ]
    assert len(landed) == len(expected) == 4
    for row, record in zip(landed, expected, strict=True):
        assert [str(row[mapping[f"c{i}"]]) for i in range(width)] == record
    assert_counts_reconcile(report, "csv")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_files_and_folders_named_with_glob_characters_land(spark: Any, tmp_path: Path, fmt: str) -> None:
    """Spark's reader takes a path holding ``[]{}*?\\`` for a pattern (Hadoop's globber):
    ``orders[1].csv`` matched no file but ``orders1.csv``, and the source failed with "path does
    not exist". Files so named land, in a folder so named read whole and in one read by name."""
    names = ["orders[1]", "a{b,c}", "star*", "what?", "back\\slash", "plain"]
    landing = tmp_path / f"land[{fmt}]"
    text = {"json": '{{"id": "{name}"}}\n', "csv": 'id\n"{name}"\n'}[fmt]
    for name in names:
        write(
            landing / f"{name}.{fmt}", text.format(name=name.replace("\\", "\\\\") if fmt == "json" else name)
        )
    write(tmp_path / "other" / f"one[2].{fmt}", text.format(name="one[2]"))  # its folder holds one file
    table = f"lost.glob_names_{fmt}"
    report = ingest(spark, landing, table, fmt)
    report_other = ingest(spark, tmp_path / "other", table, fmt)
    landed = {(Path(r["_source_file"]).name, r["id"]) for r in rows(spark, table)}
    assert landed == {(f"{n}.{fmt}", n) for n in [*names, "one[2]"]}
    assert_counts_reconcile(report, fmt)
    assert report_other.ok

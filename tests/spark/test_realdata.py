"""Real data from ../shared/realdata, read in place: what lands must be what the files hold.

Cases (see each dataset's SOURCE.txt / EXPECTATIONS.md):
- dlt-cases: 100 GitHub events (one JSON array document) and the ``extra`` bool-vs-double conflict;
- csvkit-examples: two yearly VA exports with different headers, a preamble, footnotes;
- JSONTestSuite: every ``n_`` file is rejected (quarantined), every top-level-object ``y_`` accepted;
- csv-spectrum: each CSV equals its expected JSON;
- spark-csv-fixtures: Spark's own CSV test files, read with the defaults: every record a row
  holding its fields or quarantined, narrow rows with NULLs, a file without a header, other
  delimiters named, ISO-8859-1 text named and then read;
- spark-json-fixtures: a string and an array in one key, arrays of objects, lines of arrays.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REALDATA, require_realdata
from tests.spark.helpers import columns, ingest, rows

# Missing real data skips these tests, or fails them when CI=true (see tests/conftest.py).
pytestmark = [pytest.mark.spark, pytest.mark.realdata(REALDATA)]

DLT = REALDATA / "dlt-cases" / "tests" / "normalize" / "cases"
GITHUB_EVENTS = DLT / "github.events.load_page_1_duck.json"
EXTRA = DLT / "event_user.event_user.user_load_extra.json"
EXTRA_CONFLICT = DLT / "event_user.event_user.user_load_extra_conflict.json"
CSVKIT = REALDATA / "csvkit-examples" / "examples" / "realdata"
FY09 = CSVKIT / "FY09_EDU_Recipients_by_State.csv"
FY10 = CSVKIT / "Datagov_FY10_EDU_recp_by_State.csv"
JSON_SUITE = REALDATA / "jsontestsuite" / "test_parsing"
SPECTRUM = REALDATA / "csv-spectrum"

INGEST_COLUMNS = {
    "_ingest_run_id",
    "_source_file",
    "_source_line",
    "_ingested_at",
    "_rescued_data",
    "event_date",
}


def column_map(spark: Any, table: str) -> dict[tuple[str, ...], str]:
    """original key path -> column, as ``ingest_meta.column_map`` records it."""
    found = spark.sql(
        f"select path_json, column_name from ingest_meta.column_map where table_name = '{table}'"
    ).collect()
    return {tuple(json.loads(r.path_json)): r.column_name for r in found}


def stored_value(row: dict[str, Any], column: str) -> Any:
    """The value a row holds for ``column``: the column itself, else its rescued original text."""
    if row.get(column) is not None:
        return row[column]
    rescued = json.loads(row["_rescued_data"]) if row.get("_rescued_data") else {}
    return rescued.get(column)


def same_value(original: Any, stored: Any) -> bool:
    """Does the stored cell hold the original JSON value (JSON text for objects and arrays)?"""
    if original is None:
        return stored is None
    if isinstance(original, dict | list):
        return stored is not None and json.loads(stored) == original
    if isinstance(original, bool):
        return stored is original or stored == json.dumps(original)
    if isinstance(original, int | float):
        if isinstance(stored, str):
            return float(stored) == float(original)
        return stored == original
    return stored == original


# ---------------------------------------------------------------------------------------------
# dlt: 100 GitHub events in one JSON array document


def _leaf_paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _leaf_paths(inner, (*prefix, key))
    else:
        yield prefix, value


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(record, dict) or key not in record:
            return None
        record = record[key]
    return record


EMPTY: tuple[Any, ...] = (None, {}, [], "")


def _strip(value: Any, *, drop_empty: bool) -> Any:
    """Drop null members (JSON text written by Spark omits them) and, if asked, empty ones."""
    if isinstance(value, dict):
        inner = {k: _strip(v, drop_empty=drop_empty) for k, v in value.items()}
        return {
            k: v for k, v in inner.items() if v is not None and v != {} and not (drop_empty and v in EMPTY)
        }
    if isinstance(value, list):
        return [_strip(v, drop_empty=drop_empty) for v in value]
    return value


def _equivalent(original: Any, stored: Any) -> bool:
    """Same JSON value; numbers compare numerically, JSON text is parsed."""
    if isinstance(stored, str) and not isinstance(original, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            return False
    if isinstance(original, dict):
        return (
            isinstance(stored, dict)
            and set(original) == set(stored)
            and all(_equivalent(original[k], stored[k]) for k in original)
        )
    if isinstance(original, list):
        return (
            isinstance(stored, list)
            and len(original) == len(stored)
            and all(_equivalent(a, b) for a, b in zip(original, stored, strict=True))
        )
    if isinstance(original, bool) or original is None:
        return stored is original
    if isinstance(original, int | float):
        return (
            isinstance(stored, int | float)
            and not isinstance(stored, bool)
            and float(stored) == float(original)
        )
    return bool(original == stored)


def _lost_values(
    events: list[dict[str, Any]],
    landed: dict[int, dict[str, Any]],
    mapping: dict[tuple[str, ...], str],
    *,
    drop_empty: bool,
) -> tuple[list[Any], list[Any]]:
    """(leaf paths with no column, values that differ), over every leaf of every event."""
    missing, wrong = [], []
    for index, event in enumerate(events, start=1):
        row = landed[index]
        for path, value in _leaf_paths(event):
            if value is None or value == {} or (drop_empty and value in EMPTY):
                continue
            owner = next((path[:n] for n in range(len(path), 0, -1) if path[:n] in mapping), None)
            if owner is None:
                missing.append((index, path))
                continue
            original = _strip(_at(event, owner), drop_empty=drop_empty)
            stored = stored_value(row, mapping[owner])
            if isinstance(stored, str) and isinstance(original, dict | list):
                stored = _strip(json.loads(stored), drop_empty=drop_empty)
            if not _equivalent(original, stored):
                wrong.append((index, owner))
    return sorted(set(missing)), sorted(set(wrong))


@pytest.fixture(scope="module")
def github_events(spark: Any) -> tuple[str, list[dict[str, Any]], Any]:
    require_realdata(GITHUB_EVENTS)
    events = json.loads(GITHUB_EVENTS.read_text(encoding="utf-8"))
    assert isinstance(events, list) and len(events) == 100  # one JSON array document
    table = "rd.github_events"
    return table, events, ingest(spark, GITHUB_EVENTS, table)


def test_github_events_land_as_100_rows_with_their_keys_as_columns(
    spark: Any, github_events: tuple[str, list[dict[str, Any]], Any]
) -> None:
    table, events, report = github_events
    (file_report,) = report.sources[0].files
    assert (file_report.rows_read, file_report.rows_written, file_report.rows_quarantined) == (100, 100, 0)

    landed = {r["_source_line"]: r for r in rows(spark, table)}
    assert sorted(landed) == list(range(1, 101))  # the element index is the record's line
    assert [landed[i]["id"] for i in range(1, 101)] == [e["id"] for e in events]

    mapping = column_map(spark, table)
    table_columns = columns(spark, table)
    assert set(mapping.values()) == set(table_columns) - INGEST_COLUMNS
    assert {path[0] for path in mapping} == {key for e in events for key in e}
    assert all(len(path) <= 4 for path in mapping)  # default flatten depth; deeper objects are JSON text

    # Nothing lost: every non-empty leaf of every event is in the column of its path (or of the
    # deepest flattened prefix of it, as JSON text), with the same value.
    missing, wrong = _lost_values(events, landed, mapping, drop_empty=True)
    assert missing == []
    assert wrong == []


def test_github_events_keep_empty_strings_and_empty_arrays(
    spark: Any, github_events: tuple[str, list[dict[str, Any]], Any]
) -> None:
    table, events, _report = github_events
    mapping = column_map(spark, table)
    landed = {r["_source_line"]: r for r in rows(spark, table)}
    assert ("actor", "gravatar_id") in mapping
    assert {landed[i][mapping[("actor", "gravatar_id")]] for i in landed} == {""}
    missing, wrong = _lost_values(events, landed, mapping, drop_empty=False)
    assert missing == []
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# dlt: "extra" is a boolean in one file and a double in the other


def _assert_extra_conflict_kept(spark: Any, table: str) -> None:
    landed = rows(spark, table)
    assert len(landed) == 6
    mapping = column_map(spark, table)
    extra = mapping[("extra",)]
    values = {r["event"] + "@" + Path(r["_source_file"]).name: stored_value(r, extra) for r in landed}
    slot_bool = values["slot@" + EXTRA.name]
    slot_double = values["slot@" + EXTRA_CONFLICT.name]
    assert slot_bool in (True, "true")
    assert slot_double in (1.1, "1.1")
    assert [v for k, v in values.items() if not k.startswith("slot@")] == [None] * 4
    # the other fields of both files are kept too
    timestamps = sorted(
        stored_value(r, mapping[("timestamp",)]) or stored_value(r, mapping[("timestamp_2",)]) for r in landed
    )
    assert timestamps == sorted([1424001204.7594721, 1424001205.7594721, 1424001205.7594721] * 2)


def test_extra_bool_vs_double_in_one_batch_keeps_all_rows_and_both_values(spark: Any) -> None:
    require_realdata(EXTRA, EXTRA_CONFLICT)
    table = "rd.event_user_one_batch"
    report = ingest(spark, str(DLT / "event_user.event_user.user_load_extra*.json"), table)
    assert [Path(f.file).name for f in report.sources[0].files] == [EXTRA.name, EXTRA_CONFLICT.name]
    assert report.sources[0].rows_written == 6
    _assert_extra_conflict_kept(spark, table)


def test_extra_bool_then_double_in_two_runs_keeps_all_rows_and_both_values(
    spark: Any, tmp_path: Path
) -> None:
    require_realdata(EXTRA, EXTRA_CONFLICT)
    # symlinks, not copies: the manifest keys files by path and the one-batch test read the originals
    landing = tmp_path / "event_user"
    landing.mkdir()
    table = "rd.event_user_two_runs"
    (landing / EXTRA.name).symlink_to(EXTRA)
    first = ingest(spark, landing, table)
    assert first.sources[0].rows_written == 3
    assert columns(spark, table)[column_map(spark, table)[("extra",)]] == "boolean"

    (landing / EXTRA_CONFLICT.name).symlink_to(EXTRA_CONFLICT)
    second = ingest(spark, landing, table)
    assert [Path(f.file).name for f in second.sources[0].files] == [EXTRA_CONFLICT.name]
    assert second.sources[0].rows_written == 3
    assert second.sources[0].rows_rescued == 1  # 1.1 does not fit a boolean column: rescued, counted
    _assert_extra_conflict_kept(spark, table)
    slot = next(
        r for r in rows(spark, table) if r["event"] == "slot" and EXTRA_CONFLICT.name in r["_source_file"]
    )
    assert slot["extra"] is None
    assert json.loads(slot["_rescued_data"]) == {"extra": "1.1"}


# ---------------------------------------------------------------------------------------------
# csvkit: FY09 + FY10 exports of the same feed


@pytest.fixture(scope="module")
def va_table(spark: Any) -> str:
    require_realdata(FY09, FY10)
    table = "rd.va_edu_recipients"
    report = ingest(spark, str(CSVKIT / "*_by_State.csv"), table, "csv")
    assert sorted(Path(f.file).name for f in report.sources[0].files) == sorted([FY09.name, FY10.name])
    return table


def _csv_records(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, state rows) read independently with Python's csv: rows with a 2-letter abbreviation."""
    import csv

    records = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    header_index = next(i for i, r in enumerate(records) if r and r[0] == "State Name")
    header = records[header_index]
    state_rows = [r for r in records[header_index + 1 :] if len(r) > 1 and len(r[1]) == 2 and r[1].isupper()]
    return header, state_rows


def test_csvkit_fy09_fy10_land_in_one_table_with_the_union_of_their_columns(
    spark: Any, va_table: str
) -> None:
    mapping = column_map(spark, va_table)
    headers = {}
    for path in (FY09, FY10):
        header, _ = _csv_records(path)
        headers[path] = [h.strip() for h in header if h.strip()]
    union = set(headers[FY09]) | set(headers[FY10])
    assert len(union) == 12  # exact-name union (see EXPECTATIONS.md)
    assert {path[0] for path in mapping} == union  # one column per original header text
    assert len(set(mapping.values())) == 12
    table_columns = columns(spark, va_table)
    assert mapping[("Code",)] in table_columns and mapping[("Post-9/11GI Bill Program",)] in table_columns


def test_csvkit_state_rows_are_typed_and_complete(spark: Any, va_table: str) -> None:
    mapping = {path[0]: column for path, column in column_map(spark, va_table).items()}
    table_columns = columns(spark, va_table)
    landed = [r for r in rows(spark, va_table) if r[mapping["State Abbreviate"]] is not None]
    assert len(landed) == 105  # 52 + 53 (FY10 adds PHILIPPINES)

    assert table_columns[mapping["Code"]] == "string"
    for name in (
        "Montgomery GI Bill-Active Duty",
        "Montgomery GI Bill - Active Duty",
        "Post-9/11GI Bill Program",
    ):
        assert table_columns[mapping[name]] == "bigint", name

    by_file = {FY09.name: {}, FY10.name: {}}  # type: dict[str, dict[str, dict[str, Any]]]
    for row in landed:
        by_file[Path(row["_source_file"]).name][row[mapping["State Abbreviate"]]] = row
    assert len(by_file[FY09.name]) == 52 and len(by_file[FY10.name]) == 53
    assert by_file[FY09.name]["AL"][mapping["Code"]] == "01"  # leading zero kept
    assert by_file[FY09.name]["AL"][mapping["Montgomery GI Bill-Active Duty"]] == 6718  # "6,718"
    assert by_file[FY10.name]["AL"][mapping["Post-9/11GI Bill Program"]] == 7738
    assert by_file[FY10.name]["PH"][mapping["State Name"]] == "PHILIPPINES"

    # every numeric cell of every state row equals the file's text without separators
    for path in (FY09, FY10):
        header, state_rows = _csv_records(path)
        for record in state_rows:
            row = by_file[path.name][record[1]]
            for name, text in zip(header, record, strict=False):
                name = name.strip()
                if not name or name in ("TOTAL",):
                    continue
                stored = row[mapping[name]]
                if table_columns[mapping[name]] == "bigint":
                    assert stored == int(text.replace(",", "")), (path.name, record[1], name)
                else:
                    assert stored == text, (path.name, record[1], name)


def test_csvkit_has_no_footnote_rows_and_total_is_an_integer(spark: Any, va_table: str) -> None:
    mapping = {path[0]: column for path, column in column_map(spark, va_table).items()}
    assert spark.table(va_table).count() == 105
    assert columns(spark, va_table)[mapping["TOTAL"]] == "bigint"


# ---------------------------------------------------------------------------------------------
# JSONTestSuite: n_ files must be rejected, y_ objects accepted

# n_ files Spark's lenient JSON parser alone would accept (single quotes, text after the first
# complete value); ingest quarantines them too: see the "lenient" test below.
N_FILES_ACCEPTED = [
    "n_object_single_quote.json",
    "n_object_trailing_comment.json",
    "n_object_trailing_comment_open.json",
    "n_object_trailing_comment_slash_open.json",
    "n_object_trailing_comment_slash_open_incomplete.json",
    "n_object_with_trailing_garbage.json",
    "n_structure_object_followed_by_closing_object.json",
    "n_structure_object_with_trailing_garbage.json",
    "n_structure_trailing_#.json",
]


@pytest.fixture(scope="module")
def n_files(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str], Any]:
    require_realdata(JSON_SUITE)
    landing = tmp_path_factory.mktemp("json_suite_n")
    names = sorted(p.name for p in JSON_SUITE.glob("n_*.json"))
    for name in names:
        shutil.copyfile(JSON_SUITE / name, landing / name)
    table = "rd.json_suite_n"
    report = ingest(spark, landing, table)
    return table, names, report


def _n_outcome(spark: Any, table: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    written: dict[str, int] = {}
    if spark.catalog.tableExists(table):
        for r in spark.table(table).groupBy("_source_file").count().collect():
            written[Path(r["_source_file"]).name] = r["count"]
    quarantined: dict[str, list[str]] = {}
    for r in spark.table("ingest_meta.quarantine").where(f"table_name = '{table}'").collect():
        quarantined.setdefault(Path(r.file_uri).name, []).append(r.reason)
    return written, quarantined


def test_json_suite_n_files_are_quarantined_one_row_per_file(
    spark: Any, n_files: tuple[str, list[str], Any]
) -> None:
    table, names, report = n_files
    assert len(names) == 188
    written, quarantined = _n_outcome(spark, table)
    expected = [n for n in names if n not in N_FILES_ACCEPTED]
    assert {n: written[n] for n in expected if n in written} == {}
    assert {n: len(quarantined.get(n, [])) for n in expected if len(quarantined.get(n, [])) != 1} == {}
    for file_report in report.sources[0].files:  # the run's per-file report balances
        assert file_report.rows_read == file_report.rows_written + file_report.rows_quarantined


def test_json_suite_lenient_n_files_are_quarantined_too(
    spark: Any, n_files: tuple[str, list[str], Any]
) -> None:
    table, _names, _report = n_files
    written, quarantined = _n_outcome(spark, table)
    assert {n: written.get(n, 0) for n in N_FILES_ACCEPTED} == dict.fromkeys(N_FILES_ACCEPTED, 0)
    assert all(len(quarantined.get(n, [])) == 1 for n in N_FILES_ACCEPTED)


def _y_objects() -> dict[str, Any]:
    found = {}
    for path in sorted(JSON_SUITE.glob("y_*.json")):
        try:
            value = json.loads(path.read_bytes())
        except ValueError:
            continue
        if isinstance(value, dict):
            found[path.name] = value
    return found


Y_DUPLICATE_KEYS = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]


def test_json_suite_y_objects_are_accepted(spark: Any, tmp_path: Path) -> None:
    require_realdata(JSON_SUITE)
    objects = _y_objects()
    assert len(objects) == 12
    accepted = {n: v for n, v in objects.items() if n not in Y_DUPLICATE_KEYS}
    for name in accepted:
        shutil.copyfile(JSON_SUITE / name, tmp_path / name)
    table = "rd.json_suite_y"
    report = ingest(spark, tmp_path, table)
    assert {Path(f.file).name: (f.rows_written, f.rows_quarantined) for f in report.sources[0].files} == {
        name: (1, 0) for name in accepted
    }
    mapping = column_map(spark, table)
    landed = {Path(r["_source_file"]).name: r for r in rows(spark, table)}
    for name, value in accepted.items():
        for key, original in value.items():
            assert same_value(original, stored_value(landed[name], mapping[(key,)])), (name, key)


def test_json_suite_y_objects_with_duplicated_keys_are_accepted(spark: Any, tmp_path: Path) -> None:
    require_realdata(JSON_SUITE)
    for name in Y_DUPLICATE_KEYS:
        shutil.copyfile(JSON_SUITE / name, tmp_path / name)
    report = ingest(spark, tmp_path, "rd.json_suite_y_duplicated")
    assert [f.rows_written for f in report.sources[0].files] == [1, 1]
    assert {r["a"] for r in rows(spark, "rd.json_suite_y_duplicated")} <= {"b", "c"}


# ---------------------------------------------------------------------------------------------
# csvkit's UTF-16 files (a byte order mark each, big- and little-endian) beside its UTF-8 one

CSVKIT_FIXTURES = REALDATA / "csvkit-examples" / "examples"
UTF16 = {"test_utf16_big.csv": "UTF-16BE", "test_utf16_little.csv": "UTF-16LE"}


def test_csvkit_utf16_files_are_quarantined_whole_saying_the_encoding_then_land_with_it(
    spark: Any, tmp_path: Path
) -> None:
    """Read as UTF-8 (the default), a UTF-16 file was "binary data"; now its reason names the
    setting, and under that setting every value lands as Python's own decoder reads it."""
    folder = tmp_path / "utf16"
    folder.mkdir()
    for name in [*UTF16, "test_utf8.csv"]:
        shutil.copy(CSVKIT_FIXTURES / name, folder / name)
    report = ingest(spark, folder, "rd.csvkit_default_encoding", "csv")
    per_file = {Path(f.file).name: (f.rows_written, f.rows_quarantined) for f in report.sources[0].files}
    assert per_file == {"test_utf8.csv": (2, 0), **dict.fromkeys(UTF16, (0, 1))}
    quarantined = spark.sql(
        "select file_uri, line, raw, reason from ingest_meta.quarantine "
        "where table_name = 'rd.csvkit_default_encoding'"
    ).collect()
    assert {Path(r.file_uri).name: (r.line, r.raw, r.reason) for r in quarantined} == {
        name: (
            None,
            None,
            f"not UTF-8 text: it starts with the {bom} byte order mark; set csv.encoding: UTF-16 "
            "for this source (every file of it), then `ingest rollback` this run and run it again",
        )
        for name, bom in UTF16.items()
    }

    (folder / "test_utf8.csv").unlink()  # a source reads its files in one encoding
    report = ingest(spark, folder, "rd.csvkit_utf16", "csv", csv={"encoding": "UTF-16"})
    assert report.sources[0].rows_quarantined == 0
    landed = rows(spark, "rd.csvkit_utf16")
    for name in UTF16:
        header, *records = csv.reader((CSVKIT_FIXTURES / name).read_text(encoding="utf-16").splitlines())
        assert [[str(r[c]) for c in header] for r in landed if r["_source_file"].endswith(name)] == records


def test_csvkit_file_without_a_header_row_lands_under_header_none(spark: Any, tmp_path: Path) -> None:
    """``no_header_row.csv`` is one line of data, ``1,2,3``. Under ``auto`` that line is the
    header, so the file has no records: its reason said "empty file" and nothing told the user
    how to read it. ``csv.header: none`` reads every line as a record, in ``column_<n>`` columns."""
    folder = tmp_path / "no_header"
    folder.mkdir()
    shutil.copy(CSVKIT_FIXTURES / "no_header_row.csv", folder / "no_header_row.csv")
    ingest(spark, folder, "rd.csvkit_no_header_auto", "csv")
    ((line, raw, reason),) = spark.sql(
        "select line, raw, reason from ingest_meta.quarantine where table_name = 'rd.csvkit_no_header_auto'"
    ).collect()
    assert (line, raw) == (None, None)
    assert reason == (
        "no records: the file holds only its header, or rows of empty fields (if its one line is data, "
        "the source's files have no header: csv.header: none)"
    )

    # beside it, a device's dump without a header whose last row lost a field, and an older
    # firmware's dump of two fields a row (a narrower file: its columns are the first two)
    (folder / "dump.csv").write_text("7,8.5,ok\n9,10.5,warn\n11,12.5\n", encoding="utf-8")
    (folder / "old_firmware.csv").write_text("5,6.5\n", encoding="utf-8")
    report = ingest(spark, folder, "rd.csvkit_no_header_none", "csv", csv={"header": "none"})
    assert {Path(f.file).name: f.rows_read for f in report.sources[0].files} == {
        "no_header_row.csv": 1,  # its one line, now a record
        "dump.csv": 3,
        "old_firmware.csv": 1,
    }
    landed = rows(spark, "rd.csvkit_no_header_none")
    assert set(columns(spark, "rd.csvkit_no_header_none")) == INGEST_COLUMNS | {
        "column_1",
        "column_2",
        "column_3",
    }
    for name in ("no_header_row.csv", "dump.csv"):
        records = csv.reader((folder / name).read_text(encoding="utf-8").splitlines())
        whole = [[int(a), float(b), c] for a, b, c in (r for r in records if len(r) == 3)]
        assert [
            [r["column_1"], r["column_2"], r["column_3"]] for r in landed if r["_source_file"].endswith(name)
        ] == whole
    assert [
        [r["column_1"], r["column_2"], r["column_3"]]
        for r in landed
        if r["_source_file"].endswith("old_firmware.csv")
    ] == [[5, 6.5, None]]
    ((line, raw, reason),) = spark.sql(
        "select line, raw, reason from ingest_meta.quarantine where table_name = 'rd.csvkit_no_header_none'"
    ).collect()
    assert (line, raw, reason) == (3, "11,12.5", "wrong number of fields (the file's rows have 3)")


# ---------------------------------------------------------------------------------------------
# csv-spectrum: each CSV equals its expected JSON


# one placeholder case when csv-spectrum is missing, so the test runs and spectrum_table reports it
SPECTRUM_CASES = sorted(p.stem for p in (SPECTRUM / "csvs").glob("*.csv")) or ["csv-spectrum-missing"]


@pytest.fixture(scope="module")
def spectrum_table(spark: Any) -> str:
    require_realdata(SPECTRUM)
    table = "rd.csv_spectrum"
    report = ingest(spark, SPECTRUM / "csvs", table, "csv")
    assert report.sources[0].rows_quarantined == 0
    return table


@pytest.mark.parametrize("case", SPECTRUM_CASES)
def test_csv_spectrum_rows_equal_the_expected_json(spark: Any, spectrum_table: str, case: str) -> None:
    expected = json.loads((SPECTRUM / "json" / f"{case}.json").read_text(encoding="utf-8"))
    mapping = {path[0]: column for path, column in column_map(spark, spectrum_table).items()}
    landed = [r for r in rows(spark, spectrum_table) if Path(r["_source_file"]).name == f"{case}.csv"]
    keys = list(expected[0])
    other_columns = set(mapping.values()) - {mapping[k] for k in keys}

    def as_text(value: Any) -> str:
        return "" if value is None else str(value)  # the default null token "" reads back as NULL

    assert [{k: as_text(r[mapping[k]]) for k in keys} for r in landed] == expected
    assert all(r[c] is None for r in landed for c in other_columns)
    assert all(r["_rescued_data"] is None for r in landed)


# ---------------------------------------------------------------------------------------------
# spark-csv-fixtures: Spark's own CSV test files (databricks/spark-csv), each as it is

SPARK_CSV = REALDATA / "spark-csv-fixtures" / "src" / "test" / "resources"


def _records(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> dict[int, list[str]]:
    """record number -> fields, by Python's csv (numbered as ``_source_line``: non-empty records)."""
    text = path.read_bytes().decode(encoding).removeprefix("\ufeff")
    parsed = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return dict(enumerate((record for record in parsed if record), start=1))


def _cell_holds(text: str, stored: Any) -> bool:
    """Does the stored value stand for the field's text (NULL for an empty field)?"""
    if stored is None:
        return text == ""
    if isinstance(stored, bool):
        return text.strip().lower() == str(stored).lower()
    if isinstance(stored, int | float):
        return float(text) == stored
    return bool(stored == text)


@pytest.fixture(scope="module")
def spark_csv(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any, str]:
    """Every fixture file in one source, read with the defaults, as a user would first try."""
    require_realdata(SPARK_CSV)
    table = "rd.spark_csv_fixtures"
    handler = _Captured()
    logging.getLogger("ingest.read_csv").addHandler(handler)
    try:
        report = ingest(spark, SPARK_CSV, table, "csv")
    finally:
        logging.getLogger("ingest.read_csv").removeHandler(handler)
    return table, report.sources[0], "\n".join(handler.messages)


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_spark_csv_fixtures_every_record_lands_with_its_values_or_is_quarantined(
    spark: Any, spark_csv: tuple[str, Any, str]
) -> None:
    """Each record of each file (Python's csv, not the reader) is a row whose values are its
    fields, the file's header, or a quarantined record, and the files' counts add up."""
    table, source, _ = spark_csv
    names = {path[0]: column for path, column in column_map(spark, table).items()}
    landed = rows(spark, table)
    quarantined = spark.sql(
        f"select file_uri, line, reason from ingest_meta.quarantine where table_name = '{table}'"
    ).collect()
    whole = {Path(q.file_uri).name: q.reason for q in quarantined if q.line is None}
    assert whole["empty.csv"] == "empty file: no records"
    assert whole["cars_iso-8859-1.csv"].startswith("not UTF-8 text: 15 of its first 134 characters")
    read = {Path(f.file).name: f for f in source.files}
    for path in sorted(SPARK_CSV.iterdir()):
        if path.name in whole:
            continue
        records = _records(path)
        raw = path.read_text(encoding="utf-8")
        mine = [r for r in landed if Path(r["_source_file"]).name == path.name]
        bad = {q.line for q in quarantined if Path(q.file_uri).name == path.name}
        header_lines = set(records) - {r["_source_line"] for r in mine} - bad
        assert len(header_lines) <= 1, (path.name, header_lines)
        header = records[min(header_lines)] if header_lines else None
        for row in mine:
            fields = records[row["_source_line"]]
            keys = [cell.strip() for cell in header] if header else [""] * len(fields)
            for position, (key, text) in enumerate(zip(keys, fields, strict=True), start=1):
                column = names.get(key or f"column_{position}")  # none: only empty fields (NULLs) so far
                stored = row[column] if column else None
                # a field malformed by its quotes (escape.csv: "|"thing") is kept as written;
                # Python's csv drops two of its quotes
                as_written = (
                    isinstance(stored, str)
                    and stored in raw
                    and stored.replace('"', "") == text.replace('"', "")
                )
                assert _cell_holds(text, stored) or as_written, (
                    path.name,
                    row["_source_line"],
                    key,
                    text,
                    stored,
                )
        assert read[path.name].rows_read == len(records) - len(header_lines), path.name


def test_spark_csv_fixtures_narrow_rows_with_nulls_land_and_numbers_without_a_header_are_data(
    spark: Any, spark_csv: tuple[str, Any, str]
) -> None:
    """``null-numbers.csv`` (``name,age``; ``bob,`` and ``,24`` last) had both rows quarantined as
    notes after the data. ``comments.csv`` (two '~' comment lines over rows of numbers) had its
    first row of numbers taken for the header: its values were column names, in no row."""
    table, _, _ = spark_csv
    names = {path[0]: column for path, column in column_map(spark, table).items()}
    landed = rows(spark, table)

    def of(name: str, keys: list[str]) -> list[list[Any]]:
        return [[r[names.get(k, k)] for k in keys] for r in landed if Path(r["_source_file"]).name == name]

    texts = [[None if v is None else str(v) for v in row] for row in of("null-numbers.csv", ["name", "age"])]
    assert texts == [["alice", "35"], ["bob", None], [None, "24"]]  # `age` is text: "null" in another file
    assert of("comments.csv", ["_source_line", "column_1", "column_2"]) == [
        [3, "1", 2],
        [4, "6", 7],
        [5, "~0", 9],
        [6, "1", 2],
    ]
    reasons = spark.sql(
        f"select line, reason from ingest_meta.quarantine where table_name = '{table}' "
        "and file_uri like '%/comments.csv' order by line"
    ).collect()
    before = (
        "row before the data (taken to start at record 3; the file has no header): a title row? "
        "If it is data, set csv.header: none"
    )
    assert [(r.line, r.reason) for r in reasons] == [(1, before), (2, before)]


def test_spark_csv_fixtures_other_delimiters_are_named_and_latin1_lands_with_its_encoding(
    spark: Any, spark_csv: tuple[str, Any, str], tmp_path: Path
) -> None:
    """Read with ',', the tab file and the '|' file landed in one column each with no word of
    why; the ISO-8859-1 file (fields separated by 'þ') was "binary data". The run now names the
    delimiters, and the reason the encoding; set as it says, the file's rows land."""
    _, _, warnings = spark_csv
    assert "seem separated by '\\t', not ','" in warnings
    assert "seem separated by '|', not ','" in warnings
    folder = tmp_path / "latin1"
    folder.mkdir()
    shutil.copy(SPARK_CSV / "cars_iso-8859-1.csv", folder)
    table = "rd.spark_csv_latin1"
    report = ingest(spark, folder, table, "csv", csv={"encoding": "windows-1252", "delimiter": "þ"})
    records = _records(folder / "cars_iso-8859-1.csv", "windows-1252", "þ")
    header = records[1]
    names = {path[0]: column for path, column in column_map(spark, table).items()}
    landed = rows(spark, table)
    assert [r["_source_line"] for r in landed] == [2, 3]  # record 4 is 3 fields of the header's 5
    for row in landed:
        for key, text in zip(header, records[row["_source_line"]], strict=True):
            column = names.get(key)  # none for `blank`: only empty fields (NULLs)
            assert _cell_holds(text, row[column] if column else None)
    assert landed[1][names["comment"]] == "Go get one now they are þoing fast"
    assert report.sources[0].rows_quarantined == 1


# ---------------------------------------------------------------------------------------------
# spark-json-fixtures: three of Spark's own JSON test files

SPARK_JSON = REALDATA / "spark-json-fixtures"


def test_spark_json_fixtures_land_value_for_value_and_lines_of_arrays_are_quarantined(spark: Any) -> None:
    """``partial1.json``: ``attr2`` is a string in one record and an array in the other (both
    kept, the array as its JSON); ``with-array-fields.json``: arrays of objects kept as JSON, no
    newline at the end; ``partial2.json``: each line an array of objects, which Spark's reader
    splits into rows but JSON lines does not hold: each line is quarantined whole, saying how to
    split it."""
    require_realdata(SPARK_JSON)
    table = "rd.spark_json_fixtures"
    report = ingest(spark, str(SPARK_JSON / "*.json"), table)
    lines = {
        path.name: [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for path in SPARK_JSON.glob("*.json")
    }
    assert {Path(f.file).name: f.rows_read for f in report.sources[0].files} == {
        name: len(found) for name, found in lines.items()
    }
    names = {path: column for path, column in column_map(spark, table).items()}
    landed = rows(spark, table)
    for name in ("partial1.json", "with-array-fields.json"):
        mine = [r for r in landed if Path(r["_source_file"]).name == name]
        assert [r["_source_line"] for r in mine] == list(range(1, len(lines[name]) + 1))
        for row, line in zip(mine, lines[name], strict=True):
            record = json.loads(line)
            for key, value in record.items():
                assert same_value(value, stored_value(row, names[(key,)])), (name, key, value)
    assert [r[names[("attr2",)]] for r in landed if r["_source_file"].endswith("partial1.json")] == [
        "[val2]",  # the string
        '["val4"]',  # the array, as JSON
    ]
    held = spark.sql(
        f"select line, raw, reason from ingest_meta.quarantine where table_name = '{table}' order by line"
    ).collect()
    assert [(r.line, r.raw) for r in held] == list(enumerate(lines["partial2.json"], start=1))
    assert {r.reason for r in held} == {
        "not a JSON object but an array: an array document must be valid JSON holding only objects, "
        "and each line of JSON lines one object "
        "(jq -c 'if type == \"array\" then .[] else . end' splits the lines holding arrays)"
    }


def test_csv_comment_lines_are_no_records_where_a_record_would_start(spark: Any, tmp_path: Path) -> None:
    """``csv.comment``: Spark's ``comments.csv`` with its comment character '~' is three rows,
    its '~' lines no records (not quarantined, not counted); in a file with a header, a '#' line
    above it or between rows is skipped, and one inside a quoted value is part of the value."""
    require_realdata(SPARK_CSV)
    folder = tmp_path / "comments"
    folder.mkdir()
    shutil.copy(SPARK_CSV / "comments.csv", folder)
    report = ingest(spark, folder, "rd.csv_comments", "csv", csv={"comment": "~"})
    assert (report.sources[0].rows_written, report.sources[0].rows_quarantined) == (3, 0)
    data = [r for r in _records(folder / "comments.csv").values() if not r[0].startswith("~")]
    landed = rows(spark, "rd.csv_comments")
    names = {path[0]: column for path, column in column_map(spark, "rd.csv_comments").items()}
    for row, fields in zip(landed, data, strict=True):
        for position, text in enumerate(fields, start=1):
            assert _cell_holds(text, row[names[f"column_{position}"]]), (position, text)

    (folder / "comments.csv").unlink()
    (folder / "export.csv").write_text(
        '# exported by the device\nid,note\n1,"first line\n# not a comment, inside quotes"\n#2,skipped\n3,c\n',
        encoding="utf-8",
    )
    report = ingest(spark, folder, "rd.csv_hash_comments", "csv", csv={"comment": "#"})
    assert (report.sources[0].rows_written, report.sources[0].rows_quarantined) == (2, 0)
    assert [(r["id"], r["note"]) for r in rows(spark, "rd.csv_hash_comments")] == [
        (1, "first line\n# not a comment, inside quotes"),
        (3, "c"),
    ]

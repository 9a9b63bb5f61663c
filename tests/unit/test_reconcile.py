"""read = written + quarantined, per file, against an independent count."""

from __future__ import annotations

import pytest

from ingest.formats.record_count import count_records
from ingest.reconcile import Mismatch, ReconcileError, reconcile


def test_balanced_files_give_no_mismatch() -> None:
    assert reconcile({"a": 3, "b": 0}, {"a": 2}, {"a": 1}) == []


def test_a_dropped_record_an_extra_row_and_an_unknown_file_are_each_reported() -> None:
    found = reconcile({"a": 3, "b": 2}, {"a": 2, "b": 3, "c": 1}, {})
    assert found == [Mismatch("a", 3, 2, 0), Mismatch("b", 2, 3, 0), Mismatch("c", 0, 1, 0)]
    assert [m.missing for m in found] == [1, -1, -1]
    assert found[0].describe() == "a: 3 records in the file, 2 written + 0 quarantined (1 missing)"


def test_the_error_names_the_file_and_the_numbers() -> None:
    error = ReconcileError([Mismatch("/l/a.csv", 5, 3, 1)])
    assert error.where == "/l/a.csv"
    assert "5 records in the file, 3 written + 1 quarantined (1 missing)" in error.render()


def test_the_check_catches_a_record_dropped_on_purpose(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "a.csv"  # type: ignore[operator]
    path.write_text("id,name\n1,a\n,\n2,b\n")
    expected = count_records([str(path)], "csv")
    # a reader that drops the all-empty row (what read_csv did before) writes 2 of 3 records
    assert reconcile(expected, {str(path): 2}, {}) == [Mismatch(str(path), 3, 2, 0)]
    assert reconcile(expected, {str(path): 3}, {}) == []


def test_data_errors_fail_one_source_with_exit_code_1() -> None:
    from ingest.errors import DataError, SchemaError

    assert issubclass(ReconcileError, DataError) and issubclass(SchemaError, DataError)
    assert SchemaError("x").exit_code == 1 == ReconcileError([]).exit_code

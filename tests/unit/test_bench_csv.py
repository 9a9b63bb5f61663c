"""The CSV benchmark's workloads (bench/csv_bench.py): the rows and widths asked for, one header
per file, and values a CSV reader must handle (quoted commas, empty cells) really in them."""

from __future__ import annotations

import csv
from pathlib import Path

from bench.csv_bench import LONG_HEADER, write_long, write_wide


def _records(landing: Path) -> dict[str, list[list[str]]]:
    return {p.name: list(csv.reader(p.open(newline=""))) for p in sorted(landing.glob("*.csv"))}


def test_long_workload_has_every_row_once_under_one_header_per_file(tmp_path: Path) -> None:
    write_long(tmp_path / "long", rows=1_001, files=4)
    files = _records(tmp_path / "long")
    assert len(files) == 4 and all(records[0] == LONG_HEADER for records in files.values())
    ids = sorted(int(r[0]) for records in files.values() for r in records[1:])
    assert ids == list(range(1_001))
    cells = [r for records in files.values() for r in records[1:]]
    assert {len(r) for r in cells} == {len(LONG_HEADER)}
    assert any("," in r[LONG_HEADER.index("note")] for r in cells)  # quoted commas
    assert any("," in r[LONG_HEADER.index("revenue")] for r in cells)  # grouped integers


def test_wide_workload_is_as_wide_as_asked_with_empty_cells(tmp_path: Path) -> None:
    write_wide(tmp_path / "wide", rows=40, width=37)
    files = _records(tmp_path / "wide")
    rows = [r for records in files.values() for r in records[1:]]
    assert len(rows) == 40
    assert {len(records[0]) for records in files.values()} == {len(r) for r in rows} == {37}
    assert any(cell == "" for r in rows for cell in r)

"""Landing discovery (no Spark): several files, directories and globs in one listing, like cp."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import InputError
from ingest.landing import discover


def touch(path: Path, text: str = "{}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_directories_and_globs_are_one_sorted_listing_without_duplicates(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.json")
    b = touch(tmp_path / "dir" / "2026-01-01" / "b.json")
    c = touch(tmp_path / "more" / "c.json")
    d = touch(tmp_path / "more" / "d.csv", "x\n")
    touch(tmp_path / "dir" / "_SUCCESS")
    found = discover([str(a), str(tmp_path / "dir"), str(tmp_path / "more" / "*.json"), str(a)])
    assert [f.uri for f in found] == [str(a), str(b), str(c)]
    assert found[1].landing_date is not None and str(found[1].landing_date) == "2026-01-01"
    assert str(d) not in [f.uri for f in found]
    assert [f.size for f in found] == [3, 3, 3]


def test_a_file_named_explicitly_is_taken_even_if_its_name_starts_with_underscore(tmp_path: Path) -> None:
    hidden = touch(tmp_path / "_export.json")
    assert [f.uri for f in discover([str(hidden)])] == [str(hidden)]
    assert discover([str(tmp_path)]) == []  # inside a directory it is skipped, as before


def test_one_missing_path_among_several_is_an_error_naming_it(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.json")
    with pytest.raises(InputError) as info:
        discover([str(a), str(tmp_path / "typo.json")])
    assert info.value.where == str(tmp_path / "typo.json")
    assert discover([str(tmp_path / "nothing-*.json")]) == []  # a glob may match nothing

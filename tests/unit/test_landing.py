"""Landing discovery (no Spark): several files, directories and globs in one listing, like cp."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ingest import landing
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


@pytest.mark.parametrize("name", ["_export.json", ".export.json"])
def test_a_file_named_explicitly_whose_name_spark_skips_is_an_input_error(tmp_path: Path, name: str) -> None:
    """Spark's file index drops ``_``- and ``.``-prefixed names even when given one by name: the
    records would be counted and never read ("do not reconcile ... report it as a bug")."""
    hidden = touch(tmp_path / name)
    with pytest.raises(InputError) as info:
        discover([str(hidden)])
    assert info.value.exit_code == 3 and info.value.where == str(hidden)
    assert (
        f"cannot read {name}: Spark's file reader skips file names that start with '_' or '.'"
        in info.value.what
    )
    assert discover([str(tmp_path)]) == []  # inside a directory it is skipped, as before


def test_one_missing_path_among_several_is_an_error_naming_it(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.json")
    with pytest.raises(InputError) as info:
        discover([str(a), str(tmp_path / "typo.json")])
    assert info.value.where == str(tmp_path / "typo.json")
    assert discover([str(tmp_path / "nothing-*.json")]) == []  # a glob may match nothing


# -- unreadable files and directories (root reads through chmod 000: the refusal is simulated) --


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, refused: Path) -> None:
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(path) == str(refused):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_landing_file_is_an_input_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path / "a.json")
    locked = touch(tmp_path / "b.json")
    real_open = open

    def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(landing, "open", refusing_open, raising=False)  # what sha256_of opens
    with pytest.raises(InputError) as info:
        discover([str(tmp_path)])
    assert info.value.exit_code == 3
    assert info.value.what == "cannot read landing file: Permission denied"
    assert info.value.where == str(locked)
    assert (
        info.value.hint == "make it readable by the user running ingest, or move it out of the landing path"
    )


@pytest.mark.parametrize("pattern", ["ev", "ev/*/*.json", "ev/**/*.json"])
def test_a_landing_directory_that_cannot_be_listed_is_an_input_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pattern: str
) -> None:
    touch(tmp_path / "ev" / "2026-01-01" / "a.json")
    touch(tmp_path / "ev" / "2026-01-02" / "b.json")
    _refuse_listing(monkeypatch, tmp_path / "ev" / "2026-01-02")
    # missing_ok (a pulled source's one directory, which the first pull creates): it exists, so
    # the error is not "not there yet"
    for missing_ok in (False, True) if pattern == "ev" else (False,):
        with pytest.raises(InputError) as info:
            discover([str(tmp_path / pattern)], missing_ok=missing_ok)
        assert info.value.exit_code == 3
        assert info.value.what == "cannot list landing directory: Permission denied"
        assert info.value.where == str(tmp_path / "ev" / "2026-01-02")


def test_an_unlistable_directory_whose_files_are_never_taken_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = touch(tmp_path / "ev" / "2026-01-01" / "a.json")
    touch(tmp_path / "ev" / "_pulls" / "x.json.part")
    _refuse_listing(monkeypatch, tmp_path / "ev" / "_pulls")
    assert [f.uri for f in discover([str(tmp_path / "ev")])] == [str(a)]
    assert [f.uri for f in discover([str(tmp_path / "ev" / "*" / "*.json")])] == [str(a)]

"""Which JVMs the class archive is given to (ingest.class_archive): no JVM started here."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from ingest import class_archive
from ingest.settings import Settings


@pytest.fixture
def jars(tmp_path: Path) -> Path:
    folder = tmp_path / "state" / "jars"
    folder.mkdir(parents=True)
    (folder / "iceberg-spark-runtime.jar").write_bytes(b"jar")
    return folder


def _made(jars: Path) -> Path:
    archive = class_archive.archive_path(jars)
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(b"archive")
    return archive


def test_the_archive_lives_beside_the_jars_and_its_name_follows_the_class_path(jars: Path) -> None:
    before = class_archive.archive_path(jars)
    assert before.parent == jars.parent / "cds" and before.suffix == ".jsa"
    (jars / "another.jar").write_bytes(b"more")  # a new jar on the class path: another archive
    assert class_archive.archive_path(jars) != before


def test_the_embedded_driver_maps_the_archive_once_it_is_made(
    jars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAP_JARS_DIR", str(jars))
    monkeypatch.delenv("DAP_CLASS_ARCHIVE", raising=False)
    settings = Settings(state_dir=jars.parent)
    assert class_archive.driver_options(settings) == ""  # not made yet: the JVM starts as before
    archive = _made(jars)
    assert class_archive.driver_options(settings) == f'-XX:SharedArchiveFile="{archive}" -Xlog:cds*=off'


@pytest.mark.parametrize(
    ("profile", "jvm_options", "switch"),
    [
        ("platform", "", "1"),  # the platform's driver has another class path
        ("local", "-XX:SharedArchiveFile=/elsewhere.jsa", "1"),  # the options name one already
        ("local", "-XX:ArchiveClassesAtExit=/new.jsa", "1"),  # this JVM is making one
        ("local", "", "0"),  # turned off
    ],
)
def test_no_archive_where_it_cannot_or_must_not_apply(
    jars: Path, monkeypatch: pytest.MonkeyPatch, profile: str, jvm_options: str, switch: str
) -> None:
    monkeypatch.setenv("DAP_JARS_DIR", str(jars))
    monkeypatch.setenv("DAP_CLASS_ARCHIVE", switch)
    _made(jars)
    settings = Settings(profile=profile, state_dir=jars.parent, jvm_options=jvm_options)  # type: ignore[arg-type]
    assert class_archive.driver_options(settings) == ""


def test_jvm_options_for_a_dbt_the_makefile_runs_directly_keep_the_users_and_add_the_archive(
    jars: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DAP_JARS_DIR", str(jars))
    monkeypatch.setenv("DAP_JVM_OPTIONS", "-XX:+UseSerialGC")
    monkeypatch.delenv("DAP_CLASS_ARCHIVE", raising=False)
    monkeypatch.delenv("DAP_PROFILE", raising=False)
    monkeypatch.setattr("sys.argv", ["class_archive", "--jvm-options"])
    archive = _made(jars)
    assert class_archive.main() == 0
    assert shlex.split(capsys.readouterr().out) == [  # as Spark's launcher splits them
        "-XX:+UseSerialGC",
        f"-XX:SharedArchiveFile={archive}",
        "-Xlog:cds*=off",
    ]

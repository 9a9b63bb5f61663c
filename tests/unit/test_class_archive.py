"""Which JVMs the class archive is given to (ingest.class_archive): no JVM started here."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ingest import class_archive
from ingest.settings import Settings
from ingest.tables.catalog import ICEBERG_RUNTIME_JAR


@pytest.fixture
def jars(tmp_path: Path) -> Path:
    folder = tmp_path / "state" / "jars"
    folder.mkdir(parents=True)
    (folder / "iceberg-spark-runtime.jar").write_bytes(b"jar")
    return folder


def _made(jars: Path, class_path: str | None = None) -> Path:
    archive = class_archive.archive_path(jars, class_path)
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


def test_the_platform_driver_maps_the_archive_of_its_own_class_path(
    jars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAP_JARS_DIR", str(jars))
    monkeypatch.delenv("DAP_CLASS_ARCHIVE", raising=False)
    platform_jar = jars.parent / "platform" / "jars" / "dap-s3a-pruning.jar"
    platform_jar.parent.mkdir(parents=True)
    platform_jar.write_bytes(b"jar")
    monkeypatch.setenv("DAP_PLATFORM_JARS_DIR", str(platform_jar.parent))
    settings = Settings(profile="platform", state_dir=jars.parent, spark_master="spark://127.0.0.1:7077")
    class_path = class_archive.driver_class_path(settings)
    assert str(jars / ICEBERG_RUNTIME_JAR) in class_path.split(":")  # the pinned jars first
    assert str(platform_jar) in class_path.split(":")
    _made(jars)  # the embedded driver's archive is of no use to it
    assert class_archive.driver_options(settings) == ""
    archive = _made(jars, class_path)
    assert archive != class_archive.archive_path(jars)
    assert class_archive.driver_options(settings) == f'-XX:SharedArchiveFile="{archive}" -Xlog:cds*=off'
    # The local platform's executors (this machine, the same class path) map it too; a remote
    # cluster's executors have neither the file nor the class path.
    assert class_archive.executor_options(settings) == class_archive.driver_options(settings)
    for master in ("spark://10.0.0.7:7077", "yarn", "k8s://https://10.0.0.1:6443"):
        remote = Settings(profile="platform", state_dir=jars.parent, spark_master=master)
        assert class_archive.driver_options(remote) and class_archive.executor_options(remote) == ""
    # A jar of that class path rebuilt: the JVM would skip the archive, so another is made.
    platform_jar.write_bytes(b"rebuilt jar")
    assert class_archive.archive_path(jars, class_path) != archive
    assert class_archive.driver_options(settings) == ""


@pytest.mark.parametrize(
    ("profile", "jvm_options", "switch"),
    [
        ("platform", "-XX:SharedArchiveFile=/elsewhere.jsa", "1"),  # the options name one already
        ("platform", "", "0"),  # turned off
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
    settings = Settings(profile=profile, state_dir=jars.parent, jvm_options=jvm_options)  # type: ignore[arg-type]
    _made(jars, class_archive.driver_class_path(settings))
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


def test_a_new_archive_replaces_the_stale_ones_of_its_kind_only(
    jars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jar updated or rebuilt gives a new fingerprint: the archive made for the old class path
    (about 200 MB) goes when the new one is made; the other kind's archive stays."""
    platform_path = str(jars / "hadoop-aws.jar")
    (jars / "hadoop-aws.jar").write_bytes(b"jar")
    embedded, platform = _made(jars), _made(jars, platform_path)
    (jars / "hadoop-aws.jar").write_bytes(b"updated jar")  # the platform class path changed

    java_version = subprocess.run

    def archiving_jvm(argv: list[str], **kwargs: Any) -> object:
        # Stands in for the archiving JVM (tested against a real one in tests/platform): it writes
        # the archive named by its -XX:ArchiveClassesAtExit option as it exits.
        if "-version" in argv:  # the fingerprint's `java -version`
            return java_version(argv, **kwargs)
        env = kwargs["env"]
        partial = Path(shlex.split(env["DAP_JVM_OPTIONS"])[-1].split("=", 1)[1])
        partial.write_bytes(b"archive")
        assert env["DAP_PROFILE"] == "local" and platform_path in env["PYSPARK_SUBMIT_ARGS"]
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(subprocess, "run", archiving_jvm)
    made = class_archive.ensure_archive(jars, "", {}, platform_path)
    assert made is not None and made.is_file() and made != platform
    assert sorted(p.name for p in made.parent.glob("*.jsa")) == sorted([embedded.name, made.name])

"""Ingest's functions jar: built reproducibly from ingest/java (ingest.java_jar), on the embedded
driver's class path, and a clear error before any JVM starts when it was never built. (What the
functions answer is tested in Spark: tests/spark/test_jvm_functions.py.)"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from ingest import jvm_functions
from ingest.errors import StateError
from ingest.java_jar import build_jar
from ingest.settings import Settings
from ingest.spark_session import build_spark, spark_conf
from ingest.tables.catalog import ICEBERG_RUNTIME_JAR


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs the JDK's javac")
def test_the_jar_is_built_once_and_the_same_bytes_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = jvm_functions.build(tmp_path / "a")
    with zipfile.ZipFile(first) as jar:
        names = set(jar.namelist())
    for java_class, _sql_type in jvm_functions.FUNCTIONS.values():
        assert java_class.replace(".", "/") + ".class" in names
    second = jvm_functions.build(tmp_path / "b")
    assert second.read_bytes() == first.read_bytes()  # the class archive's fingerprint reads jar sizes
    built = first.read_bytes()
    with monkeypatch.context() as without_javac:  # same sources: no compile (it would fail here)
        without_javac.setattr(shutil, "which", lambda _name: None)
        built_at = first.stat().st_mtime_ns
        assert jvm_functions.build(tmp_path / "a").read_bytes() == built
        # Left as it was: a class archive with the jar on its class path holds while its time does.
        assert first.stat().st_mtime_ns == built_at
        os.utime(first, ns=(0, 0))  # older than its sources (a checkout rewrote them): touched, for make
        jvm_functions.build(tmp_path / "a")
        assert first.stat().st_mtime_ns > built_at
        (tmp_path / "a" / f"{jvm_functions.JAR}.sha256").write_text("other sources\n")
        with pytest.raises(StateError, match="javac"):
            jvm_functions.build(tmp_path / "a")


def test_the_embedded_driver_has_the_jar_from_the_jars_dir_on_its_class_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the driver's class path as the JVM starts (Hadoop loads the local file system class in
    it before Spark adds any jar), and shipped to executors (``spark.jars``) for the functions.
    The file system only with a local master: another machine's executors may lack the class."""
    monkeypatch.setenv("DAP_JARS_DIR", str(tmp_path / "jars"))
    jar = str(tmp_path / "jars" / jvm_functions.JAR)
    conf = spark_conf(Settings(state_dir=tmp_path))
    assert conf["spark.driver.extraClassPath"] == jar
    assert jar in conf["spark.jars"].split(",")
    assert conf["spark.hadoop.fs.file.impl"] == jvm_functions.LOCAL_FILE_SYSTEM
    cluster = spark_conf(Settings(state_dir=tmp_path, spark_master="spark://10.0.0.7:7077"))
    assert jar in cluster["spark.jars"].split(",") and "spark.hadoop.fs.file.impl" not in cluster


@pytest.fixture
def fetched_jars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A jars dir (``DAP_JARS_DIR``) holding the fetched jars and not yet the built one."""
    jars = tmp_path / "jars"
    monkeypatch.setenv("DAP_JARS_DIR", str(jars))
    jars.mkdir()
    (jars / ICEBERG_RUNTIME_JAR).write_bytes(b"")
    return jars


def test_a_missing_jar_says_to_run_make_jars_before_spark_starts(tmp_path: Path, fetched_jars: Path) -> None:
    with pytest.raises(StateError, match="make jars") as raised:
        build_spark(Settings(state_dir=tmp_path / "state"))
    assert jvm_functions.JAR in str(raised.value)
    assert not (tmp_path / "state").exists()  # failed before doing anything


def test_a_jar_built_from_older_sources_says_to_run_make_jars_before_spark_starts(
    tmp_path: Path, fetched_jars: Path
) -> None:
    (fetched_jars / jvm_functions.JAR).write_bytes(b"an older build")
    (fetched_jars / f"{jvm_functions.JAR}.sha256").write_text("digest of older sources\n")
    with pytest.raises(StateError, match="other sources than this checkout") as raised:
        build_spark(Settings(state_dir=tmp_path / "state"))
    assert "make jars" in raised.value.render()
    assert not (tmp_path / "state").exists()


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs the JDK's javac")
def test_a_compile_error_names_the_file_and_line_and_leaves_no_jar(tmp_path: Path) -> None:
    root = tmp_path / "java"
    (root / "dap").mkdir(parents=True)
    source = root / "dap" / "Broken.java"
    source.write_text('package dap;\npublic class Broken {\n  int f() { return "text"; }\n}\n')
    jar = tmp_path / "jars" / "broken.jar"
    with pytest.raises(StateError) as raised:
        build_jar(jar, [source], [], root=root)
    assert f"{source}:3: error: incompatible types" in str(raised.value)
    assert not jar.exists() and not jar.with_name("broken.jar.sha256").exists()

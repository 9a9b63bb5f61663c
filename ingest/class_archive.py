"""A class-data-sharing archive of Spark's classes for the driver JVMs (JDK 17 dynamic AppCDS).

Every Spark JVM (an ``ingest`` command, dbt in session mode, a test's session) spends seconds
loading, parsing and verifying the same classes of Spark, Hive's metastore client, DataNucleus
and Iceberg. One JVM run with ``-XX:ArchiveClassesAtExit`` writes the classes it loaded, already
parsed and verified, into an archive; a JVM started with ``-XX:SharedArchiveFile`` maps them
instead. Measured alone on 2 cores (bench/class_archive_bench.py, bench/RESULTS.md): ``ingest
status`` 26.7 -> 20.0 s (median of three), ``dbt source freshness`` 28.9 -> 21.8 s; in the suite
a Spark start plus its first metastore call 12.4 -> 5.9 s.

An archive holds only for the JDK and the class path it was made with, so its file name carries a
fingerprint of both (the JDK's version, pyspark's jars, the pinned jars). ``make class-archive``
(``python -m ingest.class_archive``; ``make run`` and ``make test`` depend on it) makes it once,
under ``cds/`` beside the jars dir (``.state/cds``), by running a small ingest and the statement
kinds dbt sends: about a minute. The driver JVMs of the embedded profile map it when it is there
(``build_spark``, and dbt through ``ingest.dbt_console`` and ``ingest.dbt_docs``); without it they
start as before.

The platform profile's driver puts the pinned jars and the platform's first on its class path
(``spark.driver.extraClassPath``), so it gets an archive of its own: the same workload, run on an
embedded Spark whose driver has that class path (``DAP_PROFILE=platform python -m
ingest.class_archive``; ``make platform-up`` runs it, and nothing is written to the platform). A
platform ``ingest status`` then takes 7.2-7.8 s instead of 9.4-10.1 s (bench/RESULTS.md, session
44). The local platform's executors have the same class path and map it too
(``executor_options``); its services (the Thrift Server's driver, the master and the workers)
have others and are not given one.

``-Xlog:cds*=off`` keeps the JVM quiet about the archive on stdout, where a CLI's ``--json``
output goes. ``DAP_CLASS_ARCHIVE=0`` turns it off; JVM options that already name an archive
(``DAP_JVM_OPTIONS``) are left as they are.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.settings import jvm_option

if TYPE_CHECKING:
    from ingest.settings import Settings

# What the archiving JVM does: start Spark with the Hive metastore, ingest a JSON and a CSV
# source into Iceberg tables, and run the statement kinds dbt's models and tests send. Every
# class this loads is in the archive.
_WORKLOAD = """
import json, sys
from pathlib import Path
from ingest import pipeline
from ingest.config import IngestConfig
from ingest.settings import load_settings
from ingest.spark_session import build_spark

landing = Path(sys.argv[1])
(landing / "ev").mkdir(parents=True)
(landing / "ev" / "a.jsonl").write_text(
    "".join(json.dumps({"id": i, "ts": "2026-01-05T10:00:00Z", "dev": {"sn": "S1"}, "tags": ["a"]}) + "\\n"
            for i in range(20)) + "{bad\\n"
)
(landing / "crm").mkdir()
(landing / "crm" / "c.csv").write_text("id,name,amount\\n1,a,2.5\\n2,b,3\\n")
spark = build_spark(load_settings(), "class-archive")
sources = IngestConfig(sources=[
    {"name": "ev", "path": str(landing / "ev"), "table": "raw.ev", "format": "json",
     "partition": {"column": "ts"}, "arrays": {"explode": ["tags"]}},
    {"name": "crm", "path": str(landing / "crm"), "table": "raw.crm", "format": "csv"},
]).sources
report = pipeline.run(spark, sources, command="archive")
assert report.ok, [s.error for s in report.sources]
for statement in (
    "CREATE DATABASE IF NOT EXISTS marts",
    "CREATE TABLE marts.t USING iceberg AS SELECT id, dev_sn, event_date FROM raw.ev",
    "MERGE INTO marts.t AS t USING (SELECT id, dev_sn, event_date FROM raw.ev) AS s ON t.id = s.id"
    " WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    "INSERT OVERWRITE marts.t SELECT id, dev_sn, event_date FROM raw.ev",
    "CREATE OR REPLACE VIEW marts.v AS SELECT dev_sn, count(*) AS n FROM marts.t GROUP BY dev_sn",
    "ALTER TABLE marts.t ALTER COLUMN id COMMENT 'id'",
    "DESCRIBE TABLE EXTENDED marts.t",
    "SHOW TABLE EXTENDED IN marts LIKE '*'",
    "SELECT * FROM marts.v WHERE n > 1",
    "SELECT count(*) FROM raw.ev__tags",
):
    spark.sql(statement).collect()
# The JVM writes the archive as it exits by itself, which it does when its stdin closes (not on
# spark.stop(), which kills it). Close it and wait: the archive is whole when this process ends.
jvm = spark.sparkContext._gateway.proc
jvm.stdin.close()
sys.exit(0 if jvm.wait(timeout=300) == 0 else 1)
"""


def archive_options(archive: Path) -> str:
    """The JVM options that map ``archive`` (silently skipped where the class path differs)."""
    return f"{jvm_option('-XX:SharedArchiveFile', archive)} -Xlog:cds*=off"


def enabled(jvm_options: str) -> bool:
    """Should this process give its Spark JVMs the archive? Not when turned off, and not when the
    options already name an archive (the test suite's, or one a user made)."""
    if os.environ.get("DAP_CLASS_ARCHIVE", "1").strip() == "0":
        return False
    return "SharedArchiveFile" not in jvm_options and "ArchiveClassesAtExit" not in jvm_options


def archive_path(jars_dir: Path, class_path: str | None = None) -> Path:
    """Where the archive for this JDK and class path is, or would be made: ``cds/`` beside the jars.
    ``class_path``: what the driver puts before Spark's jars (``driver_class_path``); by default
    the embedded driver's."""
    if class_path is None:
        class_path = embedded_class_path(jars_dir)
    kind = _kind(jars_dir, class_path)
    return jars_dir.parent / "cds" / f"{kind}-{fingerprint(jars_dir, class_path)}.jsa"


def _kind(jars_dir: Path, class_path: str) -> str:
    """The archive's name before its fingerprint: one kind per driver class path layout."""
    return "spark" if class_path == embedded_class_path(jars_dir) else "spark-platform"


def _remove_stale(archive: Path, jars_dir: Path, class_path: str) -> None:
    """Delete the archives of the same kind made for a class path that is gone (a jar updated or
    rebuilt): about 200 MB each, and no JVM would map them again."""
    stale = re.compile(rf"{re.escape(_kind(jars_dir, class_path))}-[0-9a-f]{{16}}\.jsa")
    for other in archive.parent.glob("*.jsa"):
        if other != archive and stale.fullmatch(other.name):
            other.unlink(missing_ok=True)  # a JVM that maps it keeps its pages


def embedded_class_path(jars_dir: Path) -> str:
    """What the embedded driver (``ingest``, dbt's session) has on its class path before Spark's
    own jars: ingest's functions jar, whose local file system Hadoop loads as the JVM starts
    (``spark.hadoop.fs.file.impl``, ``ingest.spark_session``); its other jars are added at run
    time (``spark.jars``)."""
    from ingest.jvm_functions import JAR

    return str(jars_dir / JAR)


def driver_class_path(settings: Settings) -> str:
    """What this profile's driver JVM has on its class path before Spark's own jars: ingest's
    functions jar for the embedded profile, the pinned and the platform's jars for the platform
    profile."""
    from ingest.spark_session import spark_conf  # it imports this module

    return spark_conf(settings).get("spark.driver.extraClassPath", "")


def driver_options(settings: Settings) -> str:
    """The options that map the archive into this profile's driver JVM, or "" when there is none
    (not made yet, or turned off)."""
    if not enabled(settings.jvm_options):
        return ""
    archive = archive_path(settings.jars_dir, driver_class_path(settings))
    return archive_options(archive) if archive.is_file() else ""


def add_executor_options(conf: dict[str, str], settings: Settings) -> None:
    """Append ``executor_options`` to the executors' JVM options in ``conf`` (a Spark conf)."""
    options = executor_options(settings)
    if options:
        key = "spark.executor.extraJavaOptions"
        conf[key] = f"{conf.get(key, '')} {options}".strip()


def executor_options(settings: Settings) -> str:
    """The options that map the platform driver's archive into its executors too, or "".

    Only on the local platform's cluster: its workers run on this machine (the archive's path is
    theirs too) and start executors with the platform driver's class path, entry for entry
    (``dap_platform.spark_cluster``). A remote cluster's executors have neither.
    """
    host = settings.spark_master.removeprefix("spark://").rsplit(":", 1)[0]
    if settings.profile != "platform" or host not in ("127.0.0.1", "localhost"):
        return ""
    return driver_options(settings)


@functools.lru_cache(maxsize=4)
def _java_version(java: str) -> str:
    """``java -version``, once per process: a platform driver's start asks for the fingerprint
    twice (its own archive options and its executors')."""
    return subprocess.run([java, "-version"], capture_output=True, text=True, check=True).stderr


def fingerprint(jars_dir: Path, class_path: str = "") -> str:
    """The JDK and the class path an archive is valid for, as a short hash.

    The JVM maps an archive only where each jar it was made with is the same (size and time of
    change); a jar of ``class_path`` that is rebuilt or missing gives another fingerprint, so a
    new archive is made instead of one the JVM would skip.
    """
    import pyspark

    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    version = _java_version(str(java))
    jars = sorted(Path(pyspark.__file__).parent.joinpath("jars").glob("*.jar")) + sorted(
        jars_dir.glob("*.jar")
    )
    digest = hashlib.sha256(version.encode())
    for jar in jars:
        digest.update(f"{jar.name}:{jar.stat().st_size}\n".encode())
    for entry in filter(None, class_path.split(os.pathsep)):
        try:
            stat = os.stat(entry)
        except OSError:
            stat = None
        digest.update(f"cp {entry}:{stat and stat.st_size}:{stat and stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def with_archive(settings: Settings) -> str:
    """``DAP_JVM_OPTIONS`` for a dbt session-mode JVM (profiles.yml passes them on): the user's
    options, plus the archive's where ``driver_options`` gives it."""
    return " ".join(o for o in (settings.jvm_options, driver_options(settings)) if o)


def export_for_dbt() -> None:
    """Give the dbt this process runs (``ingest.dbt_console``, ``ingest.dbt_docs``) the archive.

    A ``DAP_*`` setting that is not valid raises its ``ConfigError`` (exit 2): the caller reports
    it before dbt starts, as ``ingest`` does, instead of a Spark JVM failing on it later. A JDK
    that cannot say its version only costs the archive: dbt's Spark reports the JDK itself.
    """
    from ingest.settings import load_settings

    settings = load_settings()
    try:
        os.environ["DAP_JVM_OPTIONS"] = with_archive(settings)
    except (OSError, subprocess.CalledProcessError):  # `java -version` failed: no fingerprint
        return


def ensure_archive(
    jars_dir: Path, jvm_options: str, env: dict[str, str], class_path: str | None = None
) -> Path | None:
    """The archive for this JDK and class path: made (once, under a lock) if missing.

    ``class_path`` (``driver_class_path``; by default the embedded driver's): the workload runs
    on an embedded Spark whose driver has it before Spark's jars, as the platform's driver has;
    it reads and writes only its own temp dir. Returns None, with the reason on stderr, if the
    archiving run fails.
    """
    if class_path is None:
        class_path = embedded_class_path(jars_dir)
    archive = archive_path(jars_dir, class_path)
    cache_dir = archive.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if archive.exists():
            return archive
        work = Path(tempfile.mkdtemp(prefix="dap-class-archive-"))
        partial = cache_dir / f"{archive.name}.partial"
        log = cache_dir / "make-archive.log"
        try:
            with log.open("w") as out:
                result = subprocess.run(
                    [sys.executable, "-c", _WORKLOAD, str(work / "landing")],
                    cwd=work,
                    env={
                        **env,
                        "DAP_PROFILE": "local",  # embedded, whatever profile the archive is for
                        "DAP_SPARK_MASTER": "local[2]",
                        # The class path goes where spark-submit puts the platform driver's.
                        "PYSPARK_SUBMIT_ARGS": f"--driver-class-path {shlex.quote(class_path)} pyspark-shell",
                        "DAP_STATE_DIR": str(work / "state"),
                        "DAP_JARS_DIR": str(jars_dir),
                        # C1 only: the archive holds classes, not compiled code, so C2's work in
                        # this short JVM is thrown away (46 -> 32 s of CPU, the same classes).
                        "DAP_JVM_OPTIONS": f"{jvm_options} -XX:TieredStopAtLevel=1 "
                        f"{jvm_option('-XX:ArchiveClassesAtExit', partial)}",
                    },
                    stdout=out,  # the archiving JVM lists every class it cannot archive
                    stderr=subprocess.STDOUT,
                    timeout=600,
                    check=False,
                )
            if result.returncode != 0 or not partial.exists() or not partial.stat().st_size:
                print(f"class archive not made (exit {result.returncode}); see {log}", file=sys.stderr)
                return None
            partial.rename(archive)
            _remove_stale(archive, jars_dir, class_path)
            return archive
        finally:
            partial.unlink(missing_ok=True)
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    """``make class-archive``: make the archive if it is missing; say where it is. Exit 0 either
    way: without an archive every JVM still starts, only slower. With ``--jvm-options``, print
    ``DAP_JVM_OPTIONS`` with the archive added, for a dbt the Makefile runs directly."""
    from ingest.errors import ConfigError
    from ingest.settings import load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:  # the same error stops `ingest` before any JVM starts
        print(f"class archive: not used ({exc.render()})", file=sys.stderr)
        return 0
    if sys.argv[1:] == ["--jvm-options"]:
        print(with_archive(settings))
        return 0
    class_path = driver_class_path(settings)
    archive = archive_path(settings.jars_dir, class_path)
    if archive.is_file():
        print(f"class archive: {archive}")
        return 0
    if not enabled(settings.jvm_options):
        print("class archive: turned off (DAP_CLASS_ARCHIVE=0 or DAP_JVM_OPTIONS names one)")
        return 0
    print(
        f"making the class archive of Spark's classes for the {settings.profile} profile's driver"
        " (once per JDK and class path, about a minute) ...",
        flush=True,
    )
    started = time.perf_counter()
    made = ensure_archive(settings.jars_dir, settings.jvm_options, dict(os.environ), class_path)
    if made is not None:
        print(
            f"class archive: {made} ({made.stat().st_size / 2**20:.0f} MiB, {time.perf_counter() - started:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

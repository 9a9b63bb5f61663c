"""A class-data-sharing archive for the suite's Spark JVMs (JDK 17 dynamic AppCDS).

``make test`` is CPU-bound, and each of its Spark JVMs (in-process sessions, CLI runs, dbt in
session mode: about 200) spends seconds loading, parsing and verifying the same classes of Spark,
Hive's metastore client, DataNucleus and Iceberg. One JVM run with ``-XX:ArchiveClassesAtExit``
writes the classes it loaded, already parsed and verified, into an archive; a JVM started with
``-XX:SharedArchiveFile`` maps them instead. Measured on 2 cores: a Spark start plus its first
metastore call took 12.4 s without the archive and 5.9 s with it (bench/RESULTS.md).

An archive holds only for the JDK and the class path it was made with, so its file name carries a
fingerprint of both (the JDK's version, pyspark's jars, the pinned jars); it is made once under
``.state/cds`` and reused by later runs. A JVM with another class path (the platform's services
and executors) cannot use it and goes on without it; ``-Xlog:cds*=off`` keeps the JVM from saying
so on stdout, where a CLI's ``--json`` output goes. Making the archive costs one small ingest run
(about a minute); if it fails, the suite runs without it, says so on stderr, and its header shows
the JVM options without the archive.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
    return f"-XX:SharedArchiveFile={archive} -Xlog:cds*=off"


def fingerprint(jars_dir: Path) -> str:
    """The JDK and the class path an archive is valid for, as a short hash."""
    import pyspark

    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    version = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=True).stderr
    jars = sorted(Path(pyspark.__file__).parent.joinpath("jars").glob("*.jar")) + sorted(
        jars_dir.glob("*.jar")
    )
    digest = hashlib.sha256(version.encode())
    for jar in jars:
        digest.update(f"{jar.name}:{jar.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def ensure_archive(cache_dir: Path, jars_dir: Path, jvm_options: str, env: dict[str, str]) -> Path | None:
    """The archive for this JDK and class path under ``cache_dir``: made (once, under a lock) if missing.

    Returns None, with the reason on stderr, if the archiving run fails.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = cache_dir / f"spark-{fingerprint(jars_dir)}.jsa"
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
                    cwd=Path(__file__).resolve().parents[1],
                    env={
                        **env,
                        "DAP_STATE_DIR": str(work / "state"),
                        "DAP_JARS_DIR": str(jars_dir),
                        "DAP_JVM_OPTIONS": f"{jvm_options} -XX:ArchiveClassesAtExit={partial}",
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
            return archive
        finally:
            partial.unlink(missing_ok=True)
            shutil.rmtree(work, ignore_errors=True)

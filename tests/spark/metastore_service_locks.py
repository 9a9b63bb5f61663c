"""Commit locks from several threads of one process, against a Hive metastore *service*.

Run by ``test_commit_locks.py`` as ``python -m tests.spark.metastore_service_locks DIR`` inside a
network namespace of its own (``unshare -n``, loopback only): Hive 2.3's metastore server has no
bind-address setting and listens on every interface, so nothing outside the namespace reaches it.

It starts the real metastore server (``org.apache.hadoop.hive.metastore.HiveMetaStore``, from
Spark's own Hive jars, on an embedded Derby under DIR), points a driver's lock client at it
(``hive.metastore.uris``, as ``DAP_METASTORE_URIS`` does on a platform), then takes
``ingest.tables.lock.commit_lock`` from several threads at once, with the lock heartbeat every
10 ms so heartbeats and lock calls overlap. Prints one JSON line: what each thread got done.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pyspark

THREADS = 4  # each on a table of its own
CYCLES = 10
SHARED_THREADS = 2  # ... and two more on one table: their locks must not overlap
SHARED_CYCLES = 3
HOLD_SECONDS = 0.05

HIVE_SITE = """<configuration>
<property><name>javax.jdo.option.ConnectionURL</name>
  <value>jdbc:derby:;databaseName={derby};create=true</value></property>
<property><name>datanucleus.schema.autoCreateAll</name><value>true</value></property>
<property><name>hive.metastore.schema.verification</name><value>false</value></property>
<property><name>hive.metastore.warehouse.dir</name><value>file://{warehouse}</value></property>
<property><name>hive.async.log.enabled</name><value>false</value></property>
</configuration>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the metastore server exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the metastore server did not listen on {port} within {timeout:.0f} s")


def create_lock_tables(spark: Any, derby: Path) -> None:
    """The metastore's transaction and lock tables on a new Derby database (the server creates
    only its catalog schema), then that database shut down so the server can open it."""
    from ingest.storage import hadoop_conf, jvm

    url = f"jdbc:derby:;databaseName={derby}"
    hive = jvm(spark).org.apache.hadoop.hive
    conf = hive.conf.HiveConf(hadoop_conf(spark), hive.conf.HiveConf._java_lang_class)
    conf.set("javax.jdo.option.ConnectionURL", f"{url};create=true")
    hive.metastore.txn.TxnDbUtil.prepDb(conf)
    try:
        jvm(spark).java.sql.DriverManager.getConnection(f"{url};shutdown=true")
    except Exception as exc:  # Derby reports a shutdown database as SQLState 08006
        if "08006" not in str(exc) and "shutdown" not in str(exc):
            raise


def start_metastore(work: Path) -> tuple[subprocess.Popen[bytes], int]:
    conf_dir = work / "conf"
    conf_dir.mkdir(parents=True)
    site = HIVE_SITE.format(derby=work / "metastore_db", warehouse=work / "warehouse")
    (conf_dir / "hive-site.xml").write_text(site, encoding="utf-8")
    jars = Path(pyspark.__file__).parent / "jars"
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else Path("java")
    port = _free_port()
    log = (work / "metastore.log").open("wb")
    server = subprocess.Popen(
        [
            str(java),
            "-cp",
            f"{conf_dir}:{jars}/*",
            "org.apache.hadoop.hive.metastore.HiveMetaStore",
            "-p",
            str(port),
        ],
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_for_port(port, server, timeout=180)
    return server, port


def _reason(exc: Exception) -> str:
    """The first line that names a Java exception (py4j's first line only names the call)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if "Exception" in line or "Error" in line]
    return (named or lines or [""])[0][:300]


def take_locks(spark: Any) -> dict[str, Any]:
    from ingest.tables import lock

    lock.HEARTBEAT_SECONDS = 0.01  # heartbeats overlap every other thread's lock calls
    done: dict[str, int] = {}
    errors: list[str] = []
    held: list[tuple[float, float]] = []  # the shared table's critical sections
    suffix = os.urandom(3).hex()

    def work(name: str, table: str, cycles: int, shared: bool) -> None:
        for _ in range(cycles):
            try:
                with lock.commit_lock(spark, table, timeout_seconds=60):
                    start = time.monotonic()
                    time.sleep(HOLD_SECONDS)
                    if shared:
                        held.append((start, time.monotonic()))
                done[name] = done.get(name, 0) + 1
            except Exception as exc:
                errors.append(f"{name}: {type(exc).__name__}: {_reason(exc)}")

    threads = [
        threading.Thread(target=work, args=(name, table, cycles, shared), name=name, daemon=True)
        for name, table, cycles, shared in [
            *[(f"own-{i}", f"raw.own_{suffix}_{i}", CYCLES, False) for i in range(THREADS)],
            *[(f"shared-{i}", f"raw.shared_{suffix}", SHARED_CYCLES, True) for i in range(SHARED_THREADS)],
        ]
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    held.sort()
    overlaps = sum(1 for (_, end), (start, _) in zip(held, held[1:], strict=False) if start < end)
    return {
        "done": done,
        "errors": errors,
        "hung": [t.name for t in threads if t.is_alive()],
        "shared_overlaps": overlaps,
    }


def main(work: Path) -> None:
    from ingest.settings import load_settings
    from ingest.spark_session import build_spark
    from ingest.storage import hadoop_conf

    spark = build_spark(load_settings(state_dir=work / "state"), "metastore-service-locks")
    create_lock_tables(spark, work / "metastore_db")
    server, port = start_metastore(work)
    try:
        hadoop_conf(spark).set("hive.metastore.uris", f"thrift://127.0.0.1:{port}")
        print(json.dumps(take_locks(spark)), flush=True)
    finally:
        server.kill()
        server.wait()
    os._exit(0)  # a hung lock thread would keep the interpreter (and its JVM) alive


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""A Spark standalone cluster on 127.0.0.1: one master and N workers, JVMs from pyspark's own
distribution (``bin/spark-class``), the compute every platform application runs on.

The master listens on ``DAP_SPARK_MASTER_PORT`` (7077), its web UI (and JSON status,
``/json/``) on ``DAP_SPARK_UI_PORT`` (8180); worker N's web UI on that port + N, its RPC port is
picked by the OS. Each worker offers ``DAP_SPARK_WORKER_CORES`` cores and
``DAP_SPARK_WORKER_MEMORY`` to executors; executors are the workers' child processes (one process
group: stopping or killing a worker takes its executors with it, as losing a node would).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any

from dap_platform.install import spark_home
from dap_platform.layout import Layout
from dap_platform.proc import PlatformError
from ingest.services.process import pid_alive, port_open, read_pid, spawn, stop_pid, wait_until
from ingest.settings import picks_collector

log = logging.getLogger(__name__)

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
DAEMON_MEMORY = "512m"  # the master and worker daemons themselves (executors get their own JVMs)
# The daemons only schedule and supervise: the serial collector suits their small heap, and C2's
# compiling never pays off for them. The three daemons of `up` used 8.9 s of CPU in their first
# 20 s with the JVM's defaults, 4.8-5.4 s with these (bench/RESULTS.md, session 40). Options in
# the caller's SPARK_DAEMON_JAVA_OPTS come after these, so they win; a collector named there
# replaces the serial one (``picks_collector``).
DAEMON_GC = "-XX:+UseSerialGC"
DAEMON_JIT = "-XX:TieredStopAtLevel=1"


def daemon_java_options(caller: str | None) -> str:
    """The daemons' JVM options: ours, then the caller's ``SPARK_DAEMON_JAVA_OPTS``."""
    return " ".join(o for o in ("" if picks_collector(caller) else DAEMON_GC, DAEMON_JIT, caller) if o)


def _daemon_env(layout: Layout, env: dict[str, str]) -> dict[str, str]:
    """A daemon's environment: loopback, the platform's log dir, no secret (executors inherit it)."""
    keep = {k: v for k, v in env.items() if not k.startswith(("AWS_", "DAP_SQL_", "DAP_S3_"))}
    keep.pop("DAP_METASTORE_PASSWORD", None)  # executors never talk to the metastore
    return {
        **keep,
        "SPARK_HOME": str(spark_home()),
        # The conf dir an ingest driver has too (spark-submit's default: pyspark ships none), not
        # one per daemon: the executors' class path is then the driver's, entry for entry, so
        # they map the platform driver's class archive (ingest.class_archive).
        "SPARK_CONF_DIR": str(spark_home() / "conf"),
        "SPARK_LOG_DIR": str(layout.logs),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
        "SPARK_DAEMON_JAVA_OPTS": daemon_java_options(env.get("SPARK_DAEMON_JAVA_OPTS")),
    }


class SparkMaster:
    name = "spark-master"
    marker = MASTER_CLASS

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.port = layout.config.spark_master_port
        self.ui_port = layout.config.spark_ui_port
        self.root = layout.root / "spark" / "master"
        self.log_file = layout.logs / "spark-master.log"
        self.pid_file = layout.run / "spark-master.pid"

    @property
    def url(self) -> str:
        return self.layout.config.spark_master_url

    def pid(self) -> int | None:
        return read_pid(self.pid_file, self.marker)

    def state(self) -> dict[str, Any]:
        """The master's JSON status: workers, applications, cores in use."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as response:  # noqa: S310
            result: dict[str, Any] = json.load(response)
            return result

    def healthy(self) -> bool:
        return port_open(self.port) and self.state().get("status") == "ALIVE"

    def start(self, env: dict[str, str]) -> float:
        started = time.monotonic()
        pid = self.pid()
        if pid is None:
            for port, setting in ((self.port, "DAP_SPARK_MASTER_PORT"), (self.ui_port, "DAP_SPARK_UI_PORT")):
                if port_open(port):
                    raise PlatformError(
                        f"port {port} is taken by another process",
                        hint=f"stop it, or choose another with {setting}",
                    )
            self.root.mkdir(parents=True, exist_ok=True)
            command = [
                str(spark_home() / "bin" / "spark-class"),
                MASTER_CLASS,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(self.ui_port),
            ]
            pid = spawn(
                command,
                log_file=self.log_file,
                pid_file=self.pid_file,
                env=_daemon_env(self.layout, env),
                cwd=self.root,
            ).pid
        wait_until(self.healthy, 90, "Spark master", self.log_file, alive=lambda: pid_alive(pid))
        return time.monotonic() - started

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout=30)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, sig=9)


class SparkWorker:
    marker = WORKER_CLASS

    def __init__(self, layout: Layout, number: int, master: SparkMaster) -> None:
        self.layout = layout
        self.number = number
        self.master = master
        self.name = f"spark-worker-{number}"
        self.ui_port = layout.config.spark_ui_port + number
        self.port = self.ui_port  # the address status shows (its RPC port is picked by the OS)
        self.root = layout.root / "spark" / self.name
        self.log_file = layout.logs / f"{self.name}.log"
        self.pid_file = layout.run / f"{self.name}.pid"

    def pid(self) -> int | None:
        return read_pid(self.pid_file, self.marker)

    def registered(self) -> dict[str, Any] | None:
        """This worker's entry in the master's status, if it is registered and alive."""
        for worker in self.master.state().get("workers", []):
            if worker.get("state") == "ALIVE" and str(worker.get("webuiaddress", "")).endswith(
                f":{self.ui_port}"
            ):
                return dict(worker)
        return None

    def healthy(self) -> bool:
        return port_open(self.ui_port) and self.registered() is not None

    def start(self, env: dict[str, str]) -> float:
        started = time.monotonic()
        pid = self.pid()
        if pid is None:
            if port_open(self.ui_port):
                raise PlatformError(
                    f"port {self.ui_port} is taken by another process",
                    hint="stop it, or move the cluster's web UI ports with DAP_SPARK_UI_PORT",
                )
            config = self.layout.config
            work = self.root / "work"
            work.mkdir(parents=True, exist_ok=True)
            (self.root / "local").mkdir(parents=True, exist_ok=True)
            worker_env = _daemon_env(self.layout, env)
            worker_env["SPARK_WORKER_DIR"] = str(work)
            worker_env["SPARK_LOCAL_DIRS"] = str(self.root / "local")
            # A finished application's executor dirs (logs, fetched files) are removed after a day.
            worker_env["SPARK_WORKER_OPTS"] = (
                "-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.appDataTtl=86400"
            )
            command = [
                str(spark_home() / "bin" / "spark-class"),
                WORKER_CLASS,
                "--host",
                "127.0.0.1",
                "--cores",
                str(config.spark_worker_cores),
                "--memory",
                config.spark_worker_memory,
                "--webui-port",
                str(self.ui_port),
                "--work-dir",
                str(work),
                self.master.url,
            ]
            pid = spawn(
                command, log_file=self.log_file, pid_file=self.pid_file, env=worker_env, cwd=self.root
            ).pid
        wait_until(
            self.healthy, 90, f"Spark worker {self.number}", self.log_file, alive=lambda: pid_alive(pid)
        )
        return time.monotonic() - started

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout=30)  # the process group: the worker and its executors
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the worker and its executors, as a lost node would go (for the fault tests)."""
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, sig=9)

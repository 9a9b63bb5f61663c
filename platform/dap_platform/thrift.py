"""The Spark Thrift Server (HiveServer2 protocol) on 127.0.0.1: SQL and BI clients, and dbt."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from dap_platform.install import spark_home
from dap_platform.layout import Layout
from dap_platform.proc import PlatformError, pid_alive, port_open, read_pid, spawn, stop_pid, wait_until
from ingest.settings import load_settings
from ingest.spark_session import spark_conf

log = logging.getLogger(__name__)

MAIN_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


class ThriftServer:
    name = "thrift"
    marker = MAIN_CLASS

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.host = layout.config.thrift_host
        self.port = layout.config.thrift_port
        self.root = layout.thrift
        self.log_file = layout.logs / "thrift-server.log"
        self.pid_file = layout.run / "thrift.pid"

    def pid(self) -> int | None:
        return read_pid(self.pid_file, self.marker)

    def properties(self) -> dict[str, str]:
        """The platform profile's Spark settings (ingest.platform_conf), for a long-running server."""
        settings = load_settings(
            profile="platform",
            state_dir=self.root,
            spark_master=_env("DAP_THRIFT_MASTER", "local[2]"),
            driver_memory=_env("DAP_THRIFT_DRIVER_MEMORY", "2g"),
        )
        conf = spark_conf(settings)
        conf["spark.app.name"] = "dap-thrift-server"
        conf["spark.driver.extraJavaOptions"] = f"-Djava.io.tmpdir={settings.scratch_dir} -XX:-UsePerfData"
        conf["spark.sql.hive.thriftServer.singleSession"] = "false"
        conf["spark.cleaner.periodicGC.interval"] = "5min"
        return conf

    def write_properties(self) -> Path:
        path = self.root / "spark-thrift.conf"
        lines = ["# written by platformctl on every start; holds no secrets (${env.*} references)"]
        lines += [f"{key}={value}" for key, value in sorted(self.properties().items())]
        path.write_text("\n".join(lines) + "\n")
        return path

    def command(self, properties: Path) -> list[str]:
        operation_logs = self.root / "operation_logs"
        return [
            str(spark_home() / "bin" / "spark-submit"),
            "--properties-file",
            str(properties),
            "--class",
            MAIN_CLASS,
            "--name",
            "dap-thrift-server",
            "spark-internal",
            "--hiveconf",
            f"hive.server2.thrift.bind.host={self.host}",
            "--hiveconf",
            f"hive.server2.thrift.port={self.port}",
            "--hiveconf",
            "hive.server2.transport.mode=binary",
            "--hiveconf",
            "hive.server2.enable.doAs=false",
            "--hiveconf",
            f"hive.server2.logging.operation.log.location={operation_logs}",
        ]

    def query(self, sql: str) -> list[tuple[object, ...]]:
        from pyhive import hive

        connection = hive.connect(host=self.host, port=self.port, username="platformctl")
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            connection.close()

    def healthy(self) -> bool:
        return port_open(self.port, self.host) and self.query("SELECT 1") == [(1,)]

    def start(self, env: dict[str, str]) -> float:
        started = time.monotonic()
        pid = self.pid()
        if pid is None:
            if port_open(self.port, self.host):
                raise PlatformError(
                    f"port {self.port} is taken by another process",
                    hint="stop it, or choose another port with DAP_THRIFT_PORT",
                )
            scratch = self.root / "spark-tmp"
            shutil.rmtree(scratch, ignore_errors=True)  # a killed server's leftovers
            scratch.mkdir(parents=True)
            (self.root / "conf").mkdir(exist_ok=True)
            env = {**env, "SPARK_CONF_DIR": str(self.root / "conf"), "SPARK_LOG_DIR": str(self.layout.logs)}
            pid = spawn(
                self.command(self.write_properties()),
                log_file=self.log_file,
                pid_file=self.pid_file,
                env=env,
                cwd=self.root,
            )
        wait_until(self.healthy, 240, "Spark Thrift Server", self.log_file, alive=lambda: pid_alive(pid))
        return time.monotonic() - started

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout=60)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL, as a crashed or preempted compute node would go (for the fault tests)."""
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, sig=9)


def _env(name: str, default: str) -> str:
    import os

    return os.environ.get(name) or default

"""The Spark Thrift Server (HiveServer2 protocol) on 127.0.0.1: SQL and BI clients, and dbt."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
import shutil
import time
from pathlib import Path

from dap_platform.install import (
    LOCK_HOUSEKEEPER_CLASS,
    LOCK_HOUSEKEEPER_JAR,
    THRIFT_AUTH_CLASS,
    THRIFT_AUTH_JAR,
    spark_home,
)
from dap_platform.layout import SQL_USERS, Layout, sql_password
from dap_platform.proc import PlatformError
from ingest import class_archive
from ingest.platform_conf import s3_profile_env
from ingest.services.process import pid_alive, port_open, read_pid, spawn, stop_pid, wait_until
from ingest.settings import jvm_option, load_settings
from ingest.spark_session import spark_conf

log = logging.getLogger(__name__)

MAIN_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
PBKDF2_ITERATIONS = 20_000
# Statements the server runs at once (more wait in its queue of 100).
STATEMENT_THREADS = 8
S3_IDENTITY = "dbt"  # the Thrift Server writes the modelled databases, reads the rest


def password_line(user: str, password: str) -> str:
    """One line of the users file read by ``dap.platform.PasswordFileAuthenticator`` (no password in it)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    b64 = base64.b64encode
    return f"{user}:{PBKDF2_ITERATIONS}:{b64(salt).decode()}:{b64(digest).decode()}"


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
        self.users_file = self.root / "users"

    def pid(self) -> int | None:
        return read_pid(self.pid_file, self.marker)

    def properties(self) -> dict[str, str]:
        """The platform profile's Spark settings (ingest.platform_conf), for a long-running server."""
        settings = load_settings(
            profile="platform",
            state_dir=self.root,
            spark_master=_env("DAP_THRIFT_MASTER", self.layout.config.spark_master_url),
            driver_memory=_env("DAP_THRIFT_DRIVER_MEMORY", "2g"),
        )
        conf = spark_conf(settings)
        conf["spark.app.name"] = "dap-thrift-server"
        # Its executors (in the workers' JVMs, whose environment holds no S3 identity) use the
        # server's own, whatever AWS settings the caller of platformctl has exported.
        executor_s3 = {**s3_profile_env(self.layout.config, S3_IDENTITY), "AWS_EC2_METADATA_DISABLED": "true"}
        conf.update({f"spark.executorEnv.{key}": value for key, value in executor_s3.items()})
        conf["spark.driver.extraJavaOptions"] = (
            f"{jvm_option('-Djava.io.tmpdir', settings.scratch_dir)} -XX:-UsePerfData {settings.spark_jvm_options}"
        ).strip()
        conf["spark.sql.hive.thriftServer.singleSession"] = "false"
        # ingest's short-lived caches skip compression; a server's cached tables live for hours.
        conf.pop("spark.sql.inMemoryColumnarStorage.compressed", None)
        # Its executors start from the platform driver's class archive when there is one (the
        # server's own class path has more jars, so it cannot).
        class_archive.add_executor_options(conf, settings)
        conf["spark.cleaner.periodicGC.interval"] = "5min"
        auth_jar = str(self.layout.jars / THRIFT_AUTH_JAR)
        housekeeper_jar = str(self.layout.jars / LOCK_HOUSEKEEPER_JAR)
        conf["spark.driver.extraClassPath"] = ":".join(
            p for p in (conf.get("spark.driver.extraClassPath", ""), auth_jar, housekeeper_jar) if p
        )
        # The metastore is embedded in this server: nothing else expires the HIVE_LOCKS locks of
        # a killed process (one killed mid-commit would block its table's commits for good).
        conf["spark.extraListeners"] = LOCK_HOUSEKEEPER_CLASS
        return conf

    def write_users_file(self) -> None:
        """The SQL users and their password hashes (mode 600), from the generated dev secrets."""
        lines = [password_line(user, sql_password(self.layout, user)) for user in SQL_USERS]
        fd = os.open(self.users_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(self.users_file, 0o600)

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
            # A user name and password for every connection (dap.platform.PasswordFileAuthenticator).
            "--hiveconf",
            "hive.server2.authentication=CUSTOM",
            "--hiveconf",
            f"hive.server2.custom.authentication.class={THRIFT_AUTH_CLASS}",
            "--hiveconf",
            f"hive.server2.logging.operation.log.location={operation_logs}",
            # Statements run on a pool of threads, each with its own metastore connection state
            # (a RawStore, built from a freshly parsed HiveConf). Hive's defaults (100 threads, idle
            # ones ended after 10 s) start a new thread, so a new RawStore, for nearly every
            # statement: a fixed pool of long-lived threads builds each once.
            "--hiveconf",
            f"hive.server2.async.exec.threads={STATEMENT_THREADS}",
            "--hiveconf",
            "hive.server2.async.exec.keepalive.time=3600",
        ]

    def query(self, sql: str, user: str = "dbt") -> list[tuple[object, ...]]:
        from pyhive import hive

        connection = hive.connect(
            host=self.host,
            port=self.port,
            username=user,
            auth="CUSTOM",
            password=sql_password(self.layout, user),
        )
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
            self.write_users_file()
            env = {k: v for k, v in env.items() if not k.startswith("DAP_SQL_")}  # it checks hashes only
            env.update(
                {
                    **s3_profile_env(self.layout.config, S3_IDENTITY),
                    "SPARK_CONF_DIR": str(self.root / "conf"),
                    "SPARK_LOG_DIR": str(self.layout.logs),
                    "DAP_THRIFT_USERS_FILE": str(self.users_file),
                }
            )
            pid = spawn(
                self.command(self.write_properties()),
                log_file=self.log_file,
                pid_file=self.pid_file,
                env=env,
                cwd=self.root,
            ).pid
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
    return os.environ.get(name) or default

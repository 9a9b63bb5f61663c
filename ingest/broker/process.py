"""The local Kafka broker process: format once, start (idempotent), wait until it answers, stop.

One KRaft node that is broker and controller at once, both listeners on 127.0.0.1, everything
under ``BrokerSettings.root`` (``$DAP_STATE_DIR/kafka``): ``server.properties``,
``log4j2.properties``, ``cluster.id``, ``data/`` (the log dirs and the metadata log),
``broker.log`` (stdout and stderr of the JVM), ``broker.pid``. The JVM runs the pinned jars of
``jars/kafka-broker.lock`` from their own directory (``java -cp '<dir>/*' kafka.Kafka``), so
nothing of it reaches Spark's class path.

Contract: ``start`` returns only when the broker answers a metadata request, or raises a
``ServiceError`` that names the log file (and quotes its tail); a second ``start`` finds the
running broker by its pid file and returns at once. ``stop`` asks for a controlled shutdown
(SIGTERM) and kills what is left after a timeout. Data survives stop and start.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ingest.broker.settings import HOST, BrokerSettings
from ingest.errors import ServiceError
from ingest.services.process import pid_alive, port_open, read_pid, spawn, stop_pid, tail
from ingest.settings import make_state_dir

log = logging.getLogger(__name__)

MAIN_CLASS = "kafka.Kafka"
FORMAT_CLASS = "kafka.tools.StorageTool"  # `kafka-storage.sh format` in the distribution
NODE_ID = 1
_LOG4J = """\
# Written by ingest.broker on every start. The broker logs to stdout, which goes to broker.log.
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
"""


@dataclass(frozen=True)
class BrokerStatus:
    pid: int | None
    healthy: bool
    address: str
    log_file: Path

    @property
    def running(self) -> bool:
        return self.pid is not None


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Uuid.randomUuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # the CLI would read it as an option
            return text


class Broker:
    """Start, stop and probe the local broker described by ``settings``."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings

    # -- files ---------------------------------------------------------------------------------
    def server_properties(self) -> str:
        s = self.settings
        lines = {
            "process.roles": "broker,controller",
            "node.id": str(NODE_ID),
            "controller.quorum.voters": f"{NODE_ID}@{HOST}:{s.controller_port}",
            "listeners": f"PLAINTEXT://{HOST}:{s.port},CONTROLLER://{HOST}:{s.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{s.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(s.data_dir),
            # Topics are created explicitly (ingest.broker.topics), never by a typo in a client.
            "auto.create.topics.enable": "false",
            "num.partitions": str(s.partitions),
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": str(s.retention_hours),
            "num.network.threads": "2",
            "num.io.threads": "4",
        }
        header = "# Written by ingest.broker on every start (settings: DAP_KAFKA_*); edits are lost.\n"
        return header + "".join(f"{key}={value}\n" for key, value in lines.items())

    def _write_config(self) -> None:
        s = self.settings
        make_state_dir(s.root, s.root.parent)
        ignore = s.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# the local Kafka broker's data and logs\n*\n")
        s.server_properties.write_text(self.server_properties())
        s.log4j_config.write_text(_LOG4J)

    def _java(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise ServiceError(
                "java not found on PATH: the Kafka broker runs on a JDK 17",
                hint="apt-get install openjdk-17-jre-headless",
            )
        jars = self.settings.jars_dir
        if not any(jars.glob("kafka_2.13-*.jar")):
            raise ServiceError(
                f"the Kafka broker's jars are not in {jars}",
                where="jars/kafka-broker.lock",
                hint="run `make jars` (or set DAP_KAFKA_JARS_DIR to where they are)",
            )
        return [
            java,
            "-Xms128m",
            f"-Xmx{self.settings.heap}",
            # A small single-node dev broker: the serial collector and the C1 compiler only start
            # it in about half the time on a busy 2-core machine, and it still moves thousands of
            # events per second.
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Djava.net.preferIPv4Stack=true",  # plain 127.0.0.1 sockets, not IPv4-mapped IPv6
            f"-Dlog4j2.configurationFile={self.settings.log4j_config}",
            "-cp",
            f"{jars}/*",  # the JVM expands the wildcard: every jar of that dir, nothing else
        ]

    def _format(self) -> None:
        """``kafka-storage format`` once: a new cluster id into a new data dir."""
        s = self.settings
        if (s.data_dir / "meta.properties").exists():
            return
        cluster_id = s.cluster_id_file.read_text().strip() if s.cluster_id_file.exists() else ""
        if not cluster_id:
            cluster_id = new_cluster_id()
            s.cluster_id_file.write_text(cluster_id + "\n")
        cmd = [*self._java(), FORMAT_CLASS, "format", "--cluster-id", cluster_id]
        cmd += ["--config", str(s.server_properties), "--ignore-formatted"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        with open(s.log_file, "a", encoding="utf-8") as out:
            out.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise ServiceError(
                f"formatting the Kafka data dir failed (exit {result.returncode})",
                where=str(s.log_file),
                hint=f"see the log:\n{tail(s.log_file)}",
            )

    # -- lifecycle -----------------------------------------------------------------------------
    def pid(self) -> int | None:
        """The running broker's pid (from the pid file, checked against /proc), else None."""
        return read_pid(self.settings.pid_file, f"{MAIN_CLASS} {self.settings.server_properties}")

    def start(self) -> float:
        """Start the broker unless it runs; wait until it answers. Returns the seconds it took."""
        started = time.monotonic()
        s = self.settings
        pid = self.pid()
        if pid is None:
            for port in (s.port, s.controller_port):
                if port_open(port):
                    raise ServiceError(
                        f"port {port} on {HOST} is taken by another process",
                        where="DAP_KAFKA_PORT / DAP_KAFKA_CONTROLLER_PORT",
                        hint="stop that process, or choose free ports with DAP_KAFKA_PORT and "
                        "DAP_KAFKA_CONTROLLER_PORT",
                    )
            self._write_config()
            self._format()
            # Its own process group: stop() signals all of it. The handle is kept: no
            # ResourceWarning while it runs.
            self._process = spawn(
                [*self._java(), MAIN_CLASS, str(s.server_properties)],
                log_file=s.log_file,
                pid_file=s.pid_file,
                cwd=s.root,
            )
            pid = self._process.pid
            log.info("Kafka broker starting (pid %d), log %s", pid, s.log_file)
        self._wait_ready(pid, started)
        return time.monotonic() - started

    def _wait_ready(self, pid: int, started: float) -> None:
        s = self.settings
        while True:
            if not pid_alive(pid):
                s.pid_file.unlink(missing_ok=True)
                raise ServiceError(
                    "the Kafka broker exited while starting",
                    where=str(s.log_file),
                    hint=f"see the log:\n{tail(s.log_file)}",
                )
            if port_open(s.port) and self.healthy(timeout=2.0):
                return
            if time.monotonic() - started > s.start_timeout:
                raise ServiceError(
                    f"the Kafka broker did not answer on {HOST}:{s.port} within {s.start_timeout:.0f}s "
                    "(it is still running)",
                    where=str(s.log_file),
                    hint=f"see the log, or raise DAP_KAFKA_START_TIMEOUT:\n{tail(s.log_file)}",
                )
            time.sleep(0.2)

    def healthy(self, timeout: float = 2.0) -> bool:
        """Does the broker answer a metadata request with itself as a live broker?"""
        from ingest.broker.topics import admin_client

        try:
            metadata = admin_client(f"{HOST}:{self.settings.port}").list_topics(timeout=timeout)
        except Exception as error:  # noqa: BLE001 - KafkaException or a timeout: not (yet) healthy
            log.debug("broker not healthy yet: %s", error)
            return False
        return bool(metadata.brokers)

    def stop(self, timeout: float = 30.0) -> None:
        """Controlled shutdown (SIGTERM), then SIGKILL after ``timeout`` seconds. Idempotent."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash (tests)."""
        self._end(signal.SIGKILL, 10)

    def _end(self, sig: int, timeout: float) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout, sig, name="the Kafka broker")
        # NotADirectoryError: a file where the state dir should be holds no broker to stop.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            self.settings.pid_file.unlink()

    def status(self) -> BrokerStatus:
        pid = self.pid()
        return BrokerStatus(
            pid=pid,
            healthy=pid is not None and self.healthy(timeout=2.0),
            address=f"{HOST}:{self.settings.port}",
            log_file=self.settings.log_file,
        )

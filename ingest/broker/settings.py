"""Where the local Kafka broker lives and listens, and how its topics are made: resolved at run time.

| variable | default | what |
|---|---|---|
| ``DAP_KAFKA_PORT`` | 19092 | the broker's client listener, on 127.0.0.1 |
| ``DAP_KAFKA_CONTROLLER_PORT`` | 19093 | its KRaft controller listener, on 127.0.0.1 |
| ``DAP_KAFKA_BOOTSTRAP`` | ``127.0.0.1:$DAP_KAFKA_PORT`` | what clients connect to (another cluster's brokers) |
| ``DAP_KAFKA_DIR`` | ``$DAP_STATE_DIR/kafka`` | config, data (``data/``), log (``broker.log``), pid |
| ``DAP_KAFKA_JARS_DIR`` | ``<jars dir>/kafka-broker`` | the pinned broker jars (``make jars``) |
| ``DAP_KAFKA_HEAP`` | 512m | the broker JVM's -Xmx |
| ``DAP_KAFKA_PARTITIONS`` | 2 | partitions of each new events topic |
| ``DAP_KAFKA_RETENTION_HOURS`` | 168 | retention of the events topics (7 days) |
| ``DAP_KAFKA_DEADLETTER_RETENTION_HOURS`` | 720 | retention of the dead-letter topics (30 days) |
| ``DAP_KAFKA_START_TIMEOUT`` | 90 | seconds ``start`` waits for the broker to answer |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.config import BOOTSTRAP
from ingest.settings import _env, _env_int, _env_match, _env_port, load_settings

HOST = "127.0.0.1"
DEFAULT_PORT = 19092
DEFAULT_CONTROLLER_PORT = 19093
_HEAP = re.compile(r"^[1-9][0-9]*[mg]$", re.IGNORECASE)


@dataclass(frozen=True)
class BrokerSettings:
    """One local broker: KRaft, a combined broker + controller node, listening on 127.0.0.1 only."""

    root: Path
    jars_dir: Path
    port: int = DEFAULT_PORT
    controller_port: int = DEFAULT_CONTROLLER_PORT
    bootstrap: str = f"{HOST}:{DEFAULT_PORT}"
    heap: str = "512m"
    partitions: int = 2
    retention_hours: int = 168
    deadletter_retention_hours: int = 720
    start_timeout: float = 90.0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "broker.pid"

    @property
    def server_properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def cluster_id_file(self) -> Path:
        return self.root / "cluster.id"

    @property
    def is_local(self) -> bool:
        """Do clients talk to this broker (not to another cluster named by DAP_KAFKA_BOOTSTRAP)?"""
        return self.bootstrap == f"{HOST}:{self.port}"


def load_broker_settings(
    state_dir: Path | None = None,
    *,
    root: Path | None = None,
    port: int | None = None,
    controller_port: int | None = None,
) -> BrokerSettings:
    """Resolve the broker's settings from ``DAP_KAFKA_*`` (a bad value is a ConfigError, exit 2);
    the keyword arguments win over the environment (tests: a temp dir and free ports)."""
    settings = load_settings(state_dir=state_dir)
    port = port or _env_port("DAP_KAFKA_PORT", DEFAULT_PORT)
    jars = os.environ.get("DAP_KAFKA_JARS_DIR") or str(settings.jars_dir / "kafka-broker")
    return BrokerSettings(
        root=(root or Path(_env("DAP_KAFKA_DIR", str(settings.state_dir / "kafka")))).resolve(),
        jars_dir=Path(jars).resolve(),
        port=port,
        controller_port=controller_port or _env_port("DAP_KAFKA_CONTROLLER_PORT", DEFAULT_CONTROLLER_PORT),
        bootstrap=_env_match(
            "DAP_KAFKA_BOOTSTRAP",
            f"{HOST}:{port}",
            BOOTSTRAP,
            f"host:port[,host:port...] (default {HOST}:{port}, the local broker)",
        ),
        heap=_env_match("DAP_KAFKA_HEAP", "512m", _HEAP, "a size like 512m or 1g (default 512m)"),
        partitions=_env_int("DAP_KAFKA_PARTITIONS", 2),
        retention_hours=_env_int("DAP_KAFKA_RETENTION_HOURS", 168),
        deadletter_retention_hours=_env_int("DAP_KAFKA_DEADLETTER_RETENTION_HOURS", 720),
        start_timeout=float(_env_int("DAP_KAFKA_START_TIMEOUT", 90)),
    )

"""One real Kafka broker (KRaft, the pinned jars of jars/kafka-broker.lock) for the whole session.

Free ports on 127.0.0.1 and a session temp dir, so it runs beside a developer's broker
(``make stream-up``) and beside other checkouts' test runs. Tests that stop or kill it start it
again before they end (``broker.start()`` is idempotent), so the next test finds it up.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.broker import Broker, BrokerSettings, load_broker_settings

from .collector_process import Collector, write_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    state: Path = tmp_path_factory.mktemp("kafka-state")
    settings = load_broker_settings(
        state_dir=state, root=state / "kafka", port=free_port(), controller_port=free_port()
    )
    handle = Broker(settings)
    handle.start_seconds = handle.start()  # type: ignore[attr-defined]
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def broker_settings(broker: Broker) -> BrokerSettings:
    return broker.settings


@pytest.fixture(scope="module")
def collector(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """The real ``ingest collect`` for a module: JSON sources ``c_cam`` and ``c_app``, CSV ``c_csv``;
    a 64 KiB body limit (413 tests); fleet ``fleet-a`` with a token from the environment."""
    state = tmp_path_factory.mktemp("collector")
    config = write_config(state / "ingest.yml", ["c_cam", "c_app"], ("c_csv",))
    handle = Collector(
        config,
        broker.settings,
        state,
        free_port(),
        DAP_COLLECTOR_MAX_BODY="65536",
        DAP_COLLECTOR_MAX_DECOMPRESSED="1048576",
    )
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()

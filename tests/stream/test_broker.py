"""The local broker: starts from the pinned jars, is idempotent, listens on 127.0.0.1 only, and
creates each source's topics with the partitions and retention asked for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from confluent_kafka.admin import ConfigResource  # type: ignore[attr-defined]

from ingest.broker import (
    Broker,
    deadletter_topic,
    ensure_source_topics,
    events_topic,
    list_topics,
    load_broker_settings,
)
from ingest.broker.topics import admin_client
from ingest.config import SourceConfig
from ingest.errors import ConfigError, ServiceError

from .conftest import free_port

pytestmark = pytest.mark.kafka


def _listening(pid: int) -> set[str]:
    out = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True, check=True).stdout
    return {line.split()[3] for line in out.splitlines() if f"pid={pid}," in line}


def test_broker_starts_idempotently_on_loopback_only(broker: Broker) -> None:
    print(f"\nbroker start: {broker.start_seconds:.1f}s")  # type: ignore[attr-defined]
    pid = broker.pid()
    assert pid is not None
    assert broker.start() < 5  # already running: found by its pid file, nothing started
    assert broker.pid() == pid
    addresses = _listening(pid)
    settings = broker.settings
    assert addresses == {f"127.0.0.1:{settings.port}", f"127.0.0.1:{settings.controller_port}"}
    status = broker.status()
    assert status.healthy and status.address == f"127.0.0.1:{settings.port}"
    assert (settings.data_dir / "meta.properties").is_file()


def test_topics_per_json_source_with_partitions_and_retention(broker: Broker) -> None:
    settings = broker.settings
    sources = [
        SourceConfig(name="t_camera", path="camera", table="raw.camera_events", format="json"),
        SourceConfig(name="t_shop", path="shop", table="raw.shop_orders", format="csv"),
    ]
    created = ensure_source_topics(settings, sources)
    assert created == [events_topic("t_camera"), deadletter_topic("t_camera")]
    assert ensure_source_topics(settings, sources) == []  # idempotent
    topics = list_topics(settings.bootstrap)
    assert topics["dap.events.t_camera"] == settings.partitions
    assert topics["dap.deadletter.t_camera"] == 1
    assert not any("t_shop" in name for name in topics)  # CSV sources take no events over HTTP
    resources = [ConfigResource(ConfigResource.Type.TOPIC, "dap.events.t_camera")]
    admin = admin_client(settings.bootstrap)  # kept alive until the answer is in
    config = admin.describe_configs(resources)[resources[0]].result()
    assert config["retention.ms"].value == str(settings.retention_hours * 3_600_000)


def test_source_names_that_cannot_name_a_topic_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"source name must be 1-200 of \[A-Za-z0-9_-\].*got .cam.era."):
        events_topic("cam.era")


def test_a_taken_port_and_missing_jars_are_clear_errors(tmp_path: Path, broker: Broker) -> None:
    taken = load_broker_settings(
        state_dir=tmp_path, root=tmp_path / "k1", port=broker.settings.port, controller_port=free_port()
    )
    with pytest.raises(ServiceError, match=f"port {broker.settings.port} on 127.0.0.1 is taken"):
        Broker(taken).start()
    no_jars = load_broker_settings(
        state_dir=tmp_path, root=tmp_path / "k2", port=free_port(), controller_port=free_port()
    )
    no_jars = type(no_jars)(**{**no_jars.__dict__, "jars_dir": tmp_path / "nothing"})
    with pytest.raises(ServiceError, match="make jars"):
        Broker(no_jars).start()


def test_the_broker_jars_never_reach_spark(broker: Broker) -> None:
    """Spark (Scala 2.12) gets named jars from DAP_JARS_DIR; the broker's (Scala 2.13, kafka-clients
    4.x) sit in their own directory and are named nowhere in Spark's settings."""
    from ingest.settings import load_settings
    from ingest.spark_session import spark_conf

    settings = load_settings()
    assert broker.settings.jars_dir != settings.jars_dir
    assert any(broker.settings.jars_dir.glob("kafka_2.13-*.jar"))
    assert not any(settings.jars_dir.glob("kafka_2.13-*.jar"))
    values = " ".join(spark_conf(settings).values())
    assert "kafka-broker" not in values and "_2.13" not in values


def _stream_once(tmp_path: Path, source: str, kafka: str) -> subprocess.CompletedProcess[str]:
    """``ingest stream --available-now`` (the real CLI) over one Kafka source, ``kafka`` being the
    rest of its ``stream:`` block."""
    from tests.conftest import ingest_cli

    config = tmp_path / "ingest.yml"
    config.write_text(
        f"landing: {tmp_path / 'landing'}\nsources:\n"
        f"  {source}: {{path: {source}, table: raw.{source}, format: json, stream: {{kind: kafka, {kafka}}}}}\n",
        encoding="utf-8",
    )
    return ingest_cli("stream", "-c", str(config), "--available-now", state_dir=tmp_path / "state")


def test_a_compacted_stream_topic_is_refused_before_any_spark_work(broker: Broker, tmp_path: Path) -> None:
    """Compaction removes offsets, so the per-micro-batch check (every planned offset read) would
    fail every batch: ``ingest stream`` refuses such a ``stream.topic`` at start, exit 2."""
    from confluent_kafka.admin import NewTopic  # type: ignore[attr-defined]

    from ingest.broker.topics import compacted_topics

    bootstrap = broker.settings.bootstrap
    admin = admin_client(bootstrap)
    futures = admin.create_topics(
        [NewTopic("t.compacted", 1, 1, config={"cleanup.policy": "compact,delete"})]
    )
    futures["t.compacted"].result(30)
    ensure_source_topics(
        broker.settings, [SourceConfig(name="t_plain", path="p", table="raw.p", format="json")]
    )
    assert compacted_topics(bootstrap, ["t.compacted", events_topic("t_plain"), "t.missing"]) == {
        "t.compacted": "compact,delete"
    }

    result = _stream_once(tmp_path, "cam", f"topic: t.compacted, bootstrap_servers: '{bootstrap}'")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "topic t.compacted is compacted (cleanup.policy=compact,delete)" in result.stderr
    assert "sources.cam.stream.topic" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "state" / "metastore_db").exists()  # refused before Spark started


def test_a_sources_own_unreachable_brokers_are_named_by_its_setting(tmp_path: Path) -> None:
    """A source that names its own brokers (``stream.bootstrap_servers``), none answering: exit 5
    naming that setting and address, not DAP_KAFKA_BOOTSTRAP and the local broker's start."""
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    result = _stream_once(tmp_path, "ev", f"bootstrap_servers: '{address}'")
    assert result.returncode == 5, result.stderr[-2000:]
    assert f"where: sources.ev.stream.bootstrap_servers: {address}" in result.stderr
    assert "DAP_KAFKA_BOOTSTRAP" not in result.stderr and "Traceback" not in result.stderr

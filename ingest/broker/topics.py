"""Topic names per source, and creating them with explicit partitions and retention (admin client).

Naming (the stream job subscribes to exactly these):
- ``dap.events.<source>``: one message per event, the value the exact bytes of one JSON line
  a device sent; key the device id when the event has one; headers ``dap-source``,
  ``dap-received-at``, ``dap-request-id``, ``dap-fleet`` (see ``ingest.collect``).
- ``dap.deadletter.<source>``: lines the collector could not accept as a JSON object, value the
  line's bytes, plus the headers ``dap-error`` (the reason) and ``dap-line`` (1-based line number
  in the request body).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ingest.broker.settings import BrokerSettings
from ingest.config import SOURCE_RULE, is_source_name
from ingest.errors import ConfigError, ServiceError

log = logging.getLogger(__name__)

# Message headers the collector sets (values UTF-8); the stream job reads them by these names.
HEADER_SOURCE = "dap-source"  # the source name
HEADER_RECEIVED_AT = "dap-received-at"  # ISO 8601 UTC with milliseconds, e.g. 2026-12-01T08:10:00.123+00:00
HEADER_REQUEST_ID = "dap-request-id"  # the POST's request id (32 hex), also in its response
HEADER_FLEET = "dap-fleet"  # the fleet whose token posted it
HEADER_ERROR = "dap-error"  # dead letters only: why the line is not an event
HEADER_LINE = "dap-line"  # dead letters only: 1-based line number in the request body

PREFIX = "dap"
EVENTS = "events"
DEADLETTER = "deadletter"
_HOUR_MS = 3_600_000


def _check(source: str) -> str:
    """The config checks every source's name when it is read (``ingest.config``): one rule."""
    if not is_source_name(source):
        raise ConfigError(
            f"{SOURCE_RULE}, got {source!r}",
            where=f"sources.{source}",
            hint="rename the source in the config",
        )
    return source


def events_topic(source: str) -> str:
    """``dap.events.<source>``: the events the collector accepted for ``source``."""
    return f"{PREFIX}.{EVENTS}.{_check(source)}"


def deadletter_topic(source: str) -> str:
    """``dap.deadletter.<source>``: the lines of ``source`` that were not JSON objects."""
    return f"{PREFIX}.{DEADLETTER}.{_check(source)}"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int

    @property
    def config(self) -> dict[str, str]:
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": "delete",
            "min.insync.replicas": "1",
        }


def topic_specs(sources: Iterable[str], settings: BrokerSettings) -> list[TopicSpec]:
    """An events topic and a dead-letter topic per source (dead letters: one partition)."""
    specs = []
    for source in sources:
        specs.append(
            TopicSpec(events_topic(source), settings.partitions, settings.retention_hours * _HOUR_MS)
        )
        specs.append(TopicSpec(deadletter_topic(source), 1, settings.deadletter_retention_hours * _HOUR_MS))
    return specs


def _no_answer(bootstrap: str, error: Exception) -> ServiceError:
    return ServiceError(
        f"the Kafka broker at {bootstrap} did not answer: {error}",
        where="DAP_KAFKA_BOOTSTRAP (default the local broker, 127.0.0.1:$DAP_KAFKA_PORT)",
        hint="start it with `make stream-up` (or `ingest broker start`), or check DAP_KAFKA_BOOTSTRAP",
    )


def admin_client(bootstrap: str) -> Any:
    """A confluent-kafka AdminClient whose librdkafka log goes to this module's logger."""
    from confluent_kafka.admin import AdminClient

    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "socket.connection.setup.timeout.ms": 2000,
        "reconnect.backoff.max.ms": 1000,
        "logger": logging.getLogger("ingest.broker.librdkafka"),
    }
    return AdminClient(config)


def ensure_topics(bootstrap: str, specs: list[TopicSpec], timeout: float = 30.0) -> list[str]:
    """Create the topics that do not exist (partitions and retention as specified); for existing
    ones, set the retention to the spec. Returns the names created. Idempotent."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported, not in __all__
        AlterConfigOpType,
        ConfigEntry,
        ConfigResource,
        NewTopic,
    )

    admin = admin_client(bootstrap)
    try:
        existing = admin.list_topics(timeout=min(timeout, 10.0)).topics
    except KafkaException as error:
        raise _no_answer(bootstrap, error) from None
    wanted = [spec for spec in specs if spec.name not in existing]
    created = []
    if wanted:
        futures = admin.create_topics(
            [
                NewTopic(s.name, num_partitions=s.partitions, replication_factor=1, config=s.config)
                for s in wanted
            ],
            operation_timeout=timeout,
            request_timeout=timeout,
        )
        for name, future in futures.items():
            try:
                future.result()
                created.append(name)
                log.info("created topic %s", name)
            except KafkaException as error:
                if error.args[0].name() != "TOPIC_ALREADY_EXISTS":  # a concurrent creator won
                    raise ServiceError(f"could not create topic {name}: {error}", where=bootstrap) from None
    for spec in specs:
        if spec.name in existing:
            partitions = len(existing[spec.name].partitions)
            if partitions != spec.partitions:
                log.warning(
                    "topic %s has %d partitions, the settings ask for %d; left as it is",
                    spec.name,
                    partitions,
                    spec.partitions,
                )
    existing_specs = [spec for spec in specs if spec.name in existing]
    if existing_specs:
        resources = [
            ConfigResource(
                ConfigResource.Type.TOPIC,
                spec.name,
                incremental_configs=[
                    ConfigEntry(
                        "retention.ms", str(spec.retention_ms), incremental_operation=AlterConfigOpType.SET
                    )
                ],
            )
            for spec in existing_specs
        ]
        for resource, future in admin.incremental_alter_configs(resources, request_timeout=timeout).items():
            try:
                future.result()
            except KafkaException as error:
                raise ServiceError(
                    f"could not set the retention of topic {resource.name}: {error}", where=bootstrap
                ) from None
    return created


def list_topics(bootstrap: str, timeout: float = 5.0) -> dict[str, int]:
    """Topic name -> partition count (internal topics left out); a ServiceError if no answer."""
    from confluent_kafka import KafkaException

    try:
        metadata = admin_client(bootstrap).list_topics(timeout=timeout)
    except KafkaException as error:
        raise _no_answer(bootstrap, error) from None
    return {
        name: len(topic.partitions)
        for name, topic in sorted(metadata.topics.items())
        if not name.startswith("__")
    }


def compacted_topics(bootstrap: str, names: Iterable[str], timeout: float = 10.0) -> dict[str, str]:
    """Topic -> its ``cleanup.policy``, for the topics among ``names`` that exist and are compacted
    (Kafka keeps only the last message per key: the offsets left have gaps). A ServiceError if the
    broker does not answer."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource  # type: ignore[attr-defined]  # re-exported

    existing = list_topics(bootstrap, timeout)
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in names if name in existing]
    if not resources:
        return {}
    compacted = {}
    admin = admin_client(bootstrap)  # kept alive until the answers are in
    for resource, future in admin.describe_configs(resources, request_timeout=timeout).items():
        try:
            entries = future.result()
        except KafkaException as error:
            raise _no_answer(bootstrap, error) from None
        policy = entries["cleanup.policy"].value if "cleanup.policy" in entries else "delete"
        if "compact" in (policy or "").split(","):
            compacted[resource.name] = policy
    return compacted

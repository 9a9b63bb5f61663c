"""The local Kafka broker of the real-time path, and the topics of the sources.

Public entry (the stream job and the collector use only these):

    settings = load_broker_settings()            # DAP_KAFKA_* (see ingest.broker.settings)
    Broker(settings).start() / .stop() / .status()
    ensure_source_topics(settings, sources)      # dap.events.<source>, dap.deadletter.<source>
    events_topic(source), deadletter_topic(source)
    settings.bootstrap                           # "127.0.0.1:19092" by default
"""

from __future__ import annotations

from collections.abc import Iterable

from ingest.broker.process import Broker, BrokerStatus
from ingest.broker.settings import BrokerSettings, load_broker_settings
from ingest.broker.topics import (
    TopicSpec,
    deadletter_topic,
    ensure_topics,
    events_topic,
    list_topics,
    topic_specs,
)
from ingest.config import SourceConfig
from ingest.errors import ServiceError
from ingest.services.process import port_open

__all__ = [
    "Broker",
    "BrokerSettings",
    "BrokerStatus",
    "TopicSpec",
    "deadletter_topic",
    "ensure_source_topics",
    "events_topic",
    "list_topics",
    "load_broker_settings",
    "stream_sources",
    "topic_specs",
]


def stream_sources(sources: Iterable[SourceConfig]) -> list[SourceConfig]:
    """The sources that take events over HTTP and Kafka: JSON ones (devices post JSON lines)."""
    return [source for source in sources if source.format == "json"]


def ensure_source_topics(settings: BrokerSettings, sources: Iterable[SourceConfig]) -> list[str]:
    """Create each JSON source's events and dead-letter topics if missing; returns those created."""
    names = [source.name for source in stream_sources(sources)]
    if settings.is_local and not port_open(settings.port):  # fail at once, not after a timeout
        raise ServiceError(
            f"the Kafka broker at {settings.bootstrap} did not answer (nothing listens there)",
            hint="start it with `make stream-up` (or `ingest broker start`)",
        )
    return ensure_topics(settings.bootstrap, topic_specs(names, settings))

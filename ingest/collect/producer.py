"""An asyncio face on confluent-kafka's idempotent producer: ``send`` returns when the broker has
acknowledged every message (acks=all), or raises ``BrokerUnavailable``.

librdkafka retries inside ``message.timeout.ms`` (the idempotent producer keeps order and writes
no duplicate of its own retries); a message still undelivered then fails, and so does the whole
``send``: the collector answers 503 and the device sends the batch again. Messages of that batch
that were written before the failure are then in the topic twice: duplicates come only from a
retry of a batch that was not acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]


class _OncePerMinute(logging.Filter):
    """librdkafka repeats a connection failure at every reconnect (about once a second while the
    broker is down): let each distinct message through once a minute."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        now = time.monotonic()
        if now - self._seen.get(text, -120.0) < 60:
            return False
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen[text] = now
        return True


def librdkafka_logger() -> logging.Logger:
    logger = logging.getLogger("ingest.collect.librdkafka")
    if not any(isinstance(f, _OncePerMinute) for f in logger.filters):
        logger.addFilter(_OncePerMinute())
    return logger


class BrokerUnavailable(Exception):
    """Kafka did not acknowledge a message in time (broker down, unreachable, or refusing)."""


@dataclass(frozen=True)
class Message:
    topic: str
    value: bytes
    key: bytes | None
    headers: Headers


def producer_config(bootstrap: str, delivery_timeout_ms: int) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,  # no duplicates or reordering from librdkafka's own retries
        "acks": "all",
        "message.timeout.ms": delivery_timeout_ms,  # then a message fails: the request gets 503
        "request.timeout.ms": min(delivery_timeout_ms, 30000),
        "linger.ms": 5,
        "compression.type": "lz4",
        "socket.connection.setup.timeout.ms": min(delivery_timeout_ms, 3000),
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 1000,
        "topic.metadata.refresh.interval.ms": 10000,
        "logger": librdkafka_logger(),
    }


class EventProducer:
    """One producer per collector; a thread serves its delivery callbacks."""

    def __init__(self, bootstrap: str, delivery_timeout_ms: int) -> None:
        self.bootstrap = bootstrap
        self.delivery_timeout_ms = delivery_timeout_ms
        self._fatal: str | None = None
        self._producer = self._new()
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="kafka-delivery", daemon=True)
        self._thread.start()

    def _new(self) -> Any:
        from confluent_kafka import Producer

        config = producer_config(self.bootstrap, self.delivery_timeout_ms)
        config["error_cb"] = self._on_error
        return Producer(config)

    def _on_error(self, error: Any) -> None:
        if error.fatal():  # the idempotent producer cannot go on: the next send makes a new one
            self._fatal = error.str()
            log.error("Kafka producer fatal error: %s", error.str())
        else:
            log.debug("Kafka producer: %s", error.str())

    def _serve(self) -> None:
        while self._running:
            self._producer.poll(0.05)

    def _renew_if_fatal(self) -> None:
        if self._fatal is not None:
            old, self._producer, self._fatal = self._producer, self._new(), None
            old.purge()
            old.flush(0)

    async def send(self, messages: Sequence[Message]) -> None:
        """Produce every message; return once all are acknowledged, else raise BrokerUnavailable."""
        from confluent_kafka import KafkaException

        self._renew_if_fatal()
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[str | None]] = []

        def settle(future: asyncio.Future[str | None], error: str | None) -> None:
            if not future.done():
                future.set_result(error)

        for message in messages:
            future: asyncio.Future[str | None] = loop.create_future()

            def delivered(error: Any, _msg: Any, future: asyncio.Future[str | None] = future) -> None:
                loop.call_soon_threadsafe(settle, future, None if error is None else error.str())

            while True:
                try:
                    self._producer.produce(
                        message.topic,
                        value=message.value,
                        key=message.key,
                        headers=message.headers,
                        on_delivery=delivered,
                    )
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    await asyncio.sleep(0.005)
                except KafkaException as error:
                    raise BrokerUnavailable(str(error)) from None
            futures.append(future)
        # librdkafka fails each message by message.timeout.ms; the extra seconds are a safety net
        timeout = self.delivery_timeout_ms / 1000 + 5
        try:
            errors = await asyncio.wait_for(asyncio.gather(*futures), timeout)
        except TimeoutError:
            raise BrokerUnavailable(f"no acknowledgement within {timeout:.0f}s") from None
        failed = [error for error in errors if error is not None]
        if failed:
            raise BrokerUnavailable(f"{len(failed)} of {len(messages)} message(s) failed: {failed[0]}")

    def reachable(self, timeout: float = 1.0) -> bool:
        """Does a broker answer a metadata request (blocking: call it in a thread)?"""
        try:
            return bool(self._producer.list_topics(timeout=timeout).brokers)
        except Exception:  # noqa: BLE001 - any failure means "not reachable now"
            return False

    def close(self, timeout: float = 10.0) -> int:
        """Deliver what is queued (up to ``timeout``), stop the thread; returns messages left."""
        left = int(self._producer.flush(timeout))
        self._running = False
        self._thread.join(timeout=2)
        return left

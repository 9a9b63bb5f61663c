"""The HTTP collector (Starlette): devices POST JSON lines, or a gzip batch, to /v1/events/<source>.

Answers, in the order they are checked:
- 401 (with ``WWW-Authenticate: Bearer``) without a fleet's valid bearer token;
- 404 for a source that is not a JSON source of the config;
- 413 for a body larger than ``max_body`` bytes (or one that decompresses to more than
  ``max_decompressed``); 415 for a Content-Encoding other than gzip; 400 for a broken gzip;
- 503 with ``Retry-After`` when Kafka did not acknowledge every message in time (nothing of the
  batch counts as accepted: send it again);
- 200 with ``{"request_id", "accepted", "dead_lettered", "dead_letters": [{"line", "reason"}]}``
  only after Kafka acknowledged every event (``dap.events.<source>``) and every dead letter
  (``dap.deadletter.<source>``, a line that is not a JSON object, with the reason).
``GET /healthz``: 200 when the broker answers, else 503. ``GET /metrics``: Prometheus text.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest.broker.topics import (
    HEADER_ERROR,
    HEADER_FLEET,
    HEADER_LINE,
    HEADER_RECEIVED_AT,
    HEADER_REQUEST_ID,
    HEADER_SOURCE,
    deadletter_topic,
    events_topic,
)
from ingest.collect.lines import BadGzip, BodyTooLarge, gunzip, split_body
from ingest.collect.producer import BrokerUnavailable, EventProducer, Message
from ingest.collect.tokens import Tokens

log = logging.getLogger(__name__)

GZIP_TYPES = ("application/gzip", "application/x-gzip")
# One line is one Kafka message: librdkafka's default message.max.bytes (1,000,000) less room for
# the headers the collector adds.
MAX_MESSAGE_BYTES = 990_000
SHOWN_DEAD_LETTERS = 100  # the response lists this many dead letters; the count is complete


@dataclass(frozen=True)
class CollectorOptions:
    sources: frozenset[str]
    tokens: Tokens
    bootstrap: str
    max_body: int = 10 * 1024 * 1024
    max_decompressed: int = 64 * 1024 * 1024
    delivery_timeout_ms: int = 5000
    retry_after: int = 5
    key_fields: tuple[str, ...] = ("device_id", "device.id", "device.serial", "drone.serial", "device_serial")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dap_collector_requests",
            "POST requests by source and HTTP status",
            ["source", "status"],
            registry=self.registry,
        )
        self.events = Counter(
            "dap_collector_events",
            "lines acknowledged by Kafka, by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dap_collector_request_seconds",
            "POST handling time, Kafka acknowledgement included",
            ["source"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def create_app(
    options: CollectorOptions, producer_factory: Callable[[], EventProducer] | None = None
) -> Starlette:
    metrics = Metrics()
    state: dict[str, EventProducer] = {}
    health: dict[str, float | bool] = {"checked": 0.0, "up": False}

    def make_producer() -> EventProducer:
        return EventProducer(options.bootstrap, options.delivery_timeout_ms)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["producer"] = (producer_factory or make_producer)()
        try:
            yield
        finally:
            left = await asyncio.to_thread(state["producer"].close)
            if left:
                log.warning("%d message(s) were not delivered before shutdown (not acknowledged)", left)

    async def read_body(request: Request) -> bytes | Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > options.max_body:
            return _error(413, f"the body is larger than {options.max_body} bytes; send smaller batches")
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > options.max_body:
                return _error(413, f"the body is larger than {options.max_body} bytes; send smaller batches")
        body = bytes(chunks)
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if encoding not in ("identity", "gzip"):
            return _error(
                415, f"Content-Encoding {encoding!r} is not supported; send gzip or plain JSON lines"
            )
        if encoding == "gzip" or media in GZIP_TYPES:
            try:
                return gunzip(body, options.max_decompressed)
            except BodyTooLarge as error:
                return _error(413, str(error))
            except BadGzip as error:
                return _error(400, str(error))
        return body

    async def post_events(request: Request) -> Response:
        started = time.monotonic()
        source = request.path_params["source"]
        label = source if source in options.sources else "-"
        response = await handle(request, source)
        metrics.requests.labels(label, str(response.status_code)).inc()
        metrics.latency.labels(label).observe(time.monotonic() - started)
        return response

    async def handle(request: Request, source: str) -> Response:
        fleet = options.tokens.fleet_of(request.headers.get("authorization"))
        if fleet is None:
            return _error(401, "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
        if source not in options.sources:
            return _error(404, f"unknown source {source!r}: not a JSON source of the collector's config")
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        events, dead = split_body(body, options.key_fields)
        sizes = [(e.line, len(e.value)) for e in events] + [(d.line, len(d.value)) for d in dead]
        too_large = next(((line, size) for line, size in sizes if size > MAX_MESSAGE_BYTES), None)
        if too_large is not None:  # Kafka would refuse it on every retry: a 4xx, not a 503
            return _error(
                413,
                f"line {too_large[0]} is {too_large[1]} bytes; one event may be at most "
                f"{MAX_MESSAGE_BYTES} bytes (a Kafka message); nothing of this batch is accepted",
            )
        request_id = uuid.uuid4().hex
        common = [
            (HEADER_SOURCE, source.encode()),
            (HEADER_RECEIVED_AT, datetime.now(UTC).isoformat(timespec="milliseconds").encode()),
            (HEADER_REQUEST_ID, request_id.encode()),
            (HEADER_FLEET, fleet.encode()),
        ]
        topic, dead_topic = events_topic(source), deadletter_topic(source)
        messages = [Message(topic, e.value, e.key, common) for e in events]
        messages += [
            Message(
                dead_topic,
                d.value,
                None,
                [*common, (HEADER_ERROR, d.reason.encode()), (HEADER_LINE, str(d.line).encode())],
            )
            for d in dead
        ]
        try:
            await state["producer"].send(messages)
        except BrokerUnavailable as error:
            log.warning("request %s (%s): Kafka unavailable: %s", request_id, source, error)
            return JSONResponse(
                {
                    "error": "Kafka is unavailable: nothing of this batch is accepted; send it again later",
                    "request_id": request_id,
                },
                status_code=503,
                headers={"Retry-After": str(options.retry_after), "X-Request-ID": request_id},
            )
        metrics.events.labels(source, "accepted").inc(len(events))
        metrics.events.labels(source, "dead_lettered").inc(len(dead))
        return JSONResponse(
            {
                "request_id": request_id,
                "accepted": len(events),
                "dead_lettered": len(dead),
                "dead_letters": [{"line": d.line, "reason": d.reason} for d in dead[:SHOWN_DEAD_LETTERS]],
            },
            headers={"X-Request-ID": request_id},
        )

    async def healthz(_request: Request) -> Response:
        now = time.monotonic()
        if now - float(health["checked"]) > 1.0:
            health["up"] = await asyncio.to_thread(state["producer"].reachable, 1.0)
            health["checked"] = now
        up = bool(health["up"])
        return JSONResponse(
            {"status": "ok" if up else "kafka unavailable", "kafka": options.bootstrap},
            status_code=200 if up else 503,
        )

    async def prometheus(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/v1/events/{source}", post_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
        ],
        lifespan=lifespan,
    )

"""Run the collector: resolve its settings, make sure the topics exist, serve with uvicorn.

| variable | default | what |
|---|---|---|
| ``DAP_COLLECTOR_HOST`` | 127.0.0.1 | the address it listens on |
| ``DAP_COLLECTOR_PORT`` | 8090 | its port |
| ``DAP_COLLECTOR_TOKENS_FILE`` | ``$DAP_STATE_DIR/collector/tokens`` | fleet tokens (see ``ingest.collect.tokens``) |
| ``DAP_COLLECTOR_TOKENS`` | (unset) | ``fleet=token,...`` instead of the file |
| ``DAP_COLLECTOR_MAX_BODY`` | 10485760 | largest request body in bytes (413 above) |
| ``DAP_COLLECTOR_MAX_DECOMPRESSED`` | 67108864 | largest decompressed gzip body in bytes |
| ``DAP_COLLECTOR_DELIVERY_TIMEOUT_MS`` | 5000 | how long Kafka may take to acknowledge (then 503) |
| ``DAP_COLLECTOR_RETRY_AFTER`` | 5 | seconds in a 503's Retry-After |
| ``DAP_COLLECTOR_KEY_FIELDS`` | device_id,device.id,device.serial,drone.serial,device_serial | message key: the first present |
The broker: ``DAP_KAFKA_BOOTSTRAP`` / ``DAP_KAFKA_PORT`` (``ingest.broker.settings``).
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.broker import BrokerSettings, ensure_source_topics, stream_sources
from ingest.collect.app import CollectorOptions, create_app
from ingest.collect.tokens import load_tokens
from ingest.config import SourceConfig
from ingest.errors import ConfigError, ServiceError
from ingest.settings import _env, _env_int, _env_port

log = logging.getLogger(__name__)

DEFAULT_PORT = 8090


@dataclass(frozen=True)
class CollectorSettings:
    host: str
    port: int
    tokens_file: Path
    max_body: int
    max_decompressed: int
    delivery_timeout_ms: int
    retry_after: int
    key_fields: tuple[str, ...]


def load_collector_settings(
    state_dir: Path, *, host: str | None = None, port: int | None = None
) -> CollectorSettings:
    fields = _env("DAP_COLLECTOR_KEY_FIELDS", "device_id,device.id,device.serial,drone.serial,device_serial")
    return CollectorSettings(
        host=host or _env("DAP_COLLECTOR_HOST", "127.0.0.1"),
        port=port or _env_port("DAP_COLLECTOR_PORT", DEFAULT_PORT),
        tokens_file=Path(
            _env("DAP_COLLECTOR_TOKENS_FILE", str(state_dir / "collector" / "tokens"))
        ).resolve(),
        max_body=_env_int("DAP_COLLECTOR_MAX_BODY", 10 * 1024 * 1024),
        max_decompressed=_env_int("DAP_COLLECTOR_MAX_DECOMPRESSED", 64 * 1024 * 1024),
        delivery_timeout_ms=_env_int("DAP_COLLECTOR_DELIVERY_TIMEOUT_MS", 5000, minimum=100),
        retry_after=_env_int("DAP_COLLECTOR_RETRY_AFTER", 5),
        key_fields=tuple(f.strip() for f in fields.split(",") if f.strip()),
    )


def _check_port(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
                # Not a port in use: the host is no address of this machine (or none at all).
                raise ConfigError(
                    f"the collector cannot listen on {host!r}: {error.strerror}",
                    where="DAP_COLLECTOR_HOST (or --host)",
                    hint="give an address of this machine: 127.0.0.1 (the default) keeps it on loopback",
                ) from None
            in_use = error.errno == errno.EADDRINUSE
            raise ServiceError(
                f"the collector cannot listen on {host}:{port}: {error.strerror}",
                where="DAP_COLLECTOR_HOST / DAP_COLLECTOR_PORT (or --host / --port)",
                hint="stop what uses that port, or choose another with --port"
                if in_use
                else "choose another address or port (--host / --port)",
            ) from None


def serve(
    settings: CollectorSettings,
    broker: BrokerSettings,
    sources: list[SourceConfig],
    *,
    announce: Callable[[str], None] = log.info,
) -> None:
    """Validate, create the topics, then serve until SIGINT/SIGTERM (in-flight requests finish)."""
    import uvicorn

    names = frozenset(s.name for s in stream_sources(sources))
    if not names:
        raise ConfigError(
            "no JSON source in the config: the collector takes JSON lines only",
            hint="add a source with format: json, or select one with -s",
        )
    tokens, generated = load_tokens(settings.tokens_file, generate=True)
    if generated:
        announce(f"generated a token for fleet 'default' in {settings.tokens_file} (mode 600)")
    _check_port(settings.host, settings.port)
    created = ensure_source_topics(broker, sources)
    if created:
        announce("created topics: " + ", ".join(created))
    app = create_app(
        CollectorOptions(
            sources=names,
            tokens=tokens,
            bootstrap=broker.bootstrap,
            max_body=settings.max_body,
            max_decompressed=settings.max_decompressed,
            delivery_timeout_ms=settings.delivery_timeout_ms,
            retry_after=settings.retry_after,
            key_fields=settings.key_fields,
        )
    )
    announce(
        f"collector on http://{settings.host}:{settings.port}/v1/events/<source> "
        f"(sources: {', '.join(sorted(names))}; Kafka {broker.bootstrap}; tokens {settings.tokens_file})"
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=15,
        server_header=False,
    )
    uvicorn.Server(config).run()

"""Command line of the real-time path: ``ingest broker start|stop|status`` and ``ingest collect``.

Registered on the main app by ``ingest.cli``; the same conventions: errors are one message with
where and what to do (no traceback), exit codes 0 success, 2 bad config or option, 5 a service
(the broker, the collector's port) could not be started or reached.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ingest.cli_options import Command, Group, JsonOpt, SourcesOpt, StateOpt, print_json
from ingest.config import SourceConfig, load_config
from ingest.errors import IngestError
from ingest.settings import Settings, load_settings

console = Console(stderr=True)
out = Console(highlight=False)

broker_app = typer.Typer(
    cls=Group,
    no_args_is_help=True,
    help="The local Kafka broker (KRaft, one node, 127.0.0.1:$DAP_KAFKA_PORT, default 19092).",
)


def _fail(exc: IngestError) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(exc.render())}", soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _sources(config: Path, settings: Settings, names: list[str] | None) -> list[SourceConfig]:
    """The config's sources; a landing is not needed to name topics, so an unset DAP_LANDING is fine."""
    return load_config(config, settings.landing).select(names)


@broker_app.command("start", cls=Command)
def broker_start(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", envvar="DAP_CONFIG", help="also create the topics of this config's JSON sources"
        ),
    ] = None,
    source: SourcesOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Start the broker (format its data dir the first time) and wait until it answers; idempotent."""
    from ingest.broker import Broker, ensure_source_topics, load_broker_settings

    try:
        settings = load_settings(state_dir=state_dir)
        broker_settings = load_broker_settings(state_dir=settings.state_dir)
        sources = _sources(config, settings, source) if config else []
        with console.status(f"starting the Kafka broker on {broker_settings.bootstrap}"):
            took = Broker(broker_settings).start()
        created = ensure_source_topics(broker_settings, sources) if sources else []
    except IngestError as exc:
        raise _fail(exc) from None
    out.print(
        f"Kafka broker up on {broker_settings.bootstrap} ({took:.1f}s); log {broker_settings.log_file}",
        markup=False,
        soft_wrap=True,
    )
    if created:
        out.print("created topics: " + ", ".join(created), markup=False, soft_wrap=True)


@broker_app.command("stop", cls=Command)
def broker_stop(state_dir: StateOpt = None) -> None:
    """Stop the broker (controlled shutdown, SIGKILL after 30 s); its data stays."""
    from ingest.broker import Broker, load_broker_settings

    try:
        broker = Broker(load_broker_settings(state_dir=state_dir))
        running = broker.pid() is not None
        broker.stop()
    except IngestError as exc:
        raise _fail(exc) from None
    out.print("Kafka broker stopped" if running else "Kafka broker was not running", markup=False)


@broker_app.command("status", cls=Command)
def broker_status(state_dir: StateOpt = None, as_json: JsonOpt = False) -> None:
    """Is the broker running and answering; its topics (exit 5 when it does not answer)."""
    from ingest.broker import Broker, list_topics, load_broker_settings

    try:
        settings = load_broker_settings(state_dir=state_dir)
        status = Broker(settings).status()
        topics = list_topics(settings.bootstrap) if status.healthy else {}
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        data = {
            "pid": status.pid,
            "running": status.running,
            "healthy": status.healthy,
            "address": status.address,
            "log": str(status.log_file),
            "topics": topics,
        }
        print_json(data)
    else:
        state = "healthy" if status.healthy else ("running, not answering" if status.running else "down")
        out.print(f"kafka      {state:22} {status.address:18} pid {status.pid or '-'}", markup=False)
        for name, partitions in topics.items():
            out.print(f"  {name} ({partitions} partitions)", markup=False)
    if not status.healthy:
        raise typer.Exit(5)


def collect(
    config: Annotated[
        Path, typer.Option("--config", "-c", envvar="DAP_CONFIG", help="the sources config: its JSON sources")
    ] = Path("ingest.yml"),
    source: SourcesOpt = None,
    host: Annotated[
        str | None, typer.Option("--host", help="listen address (default DAP_COLLECTOR_HOST or 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="listen port (default DAP_COLLECTOR_PORT or 8090)"),
    ] = None,
    state_dir: StateOpt = None,
) -> None:
    """Serve the HTTP collector: devices POST JSON lines (or gzip) to /v1/events/<source>; each line
    goes to Kafka (dap.events.<source>, or dap.deadletter.<source> when it is not a JSON object)."""
    from ingest.broker import load_broker_settings
    from ingest.collect.server import load_collector_settings, serve

    # librdkafka's warnings are transient (a coordinator still loading, a reconnect): shown with -v;
    # its errors (the broker unreachable) always, once a minute at most (ingest.collect.producer).
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("ingest.collect.librdkafka").setLevel(logging.ERROR)

    def announce(message: str) -> None:
        console.print(escape(message), soft_wrap=True, highlight=False)

    try:
        settings = load_settings(state_dir=state_dir)
        sources = _sources(config, settings, source)
        serve(
            load_collector_settings(settings.state_dir, host=host, port=port),
            load_broker_settings(state_dir=settings.state_dir),
            sources,
            announce=announce,
        )
    except IngestError as exc:
        raise _fail(exc) from None

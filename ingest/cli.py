"""Command line: ``ingest run | stream | pull | load | plan | status | compact | rollback | catalog rebuild | generate``
(and ``broker`` and ``collect``, the real-time path, in ``ingest.cli_stream``).

Only this module draws (rich progress and tables) and sets logging handlers. Exit codes:
0 success, 1 a source failed, 2 bad config or option, 3 unreadable input, 4 bad state, 5 a service
could not be started or reached.
Everything that comes from data (file names, table names, error text) is escaped before rich
renders it, so square brackets are printed, not read as markup.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from ingest.cli_options import (
    HELP,
    Command,
    ConfigOpt,
    Format,
    FormatOpt,
    Group,
    JsonOpt,
    LandingOpt,
    SetOpt,
    SourcesOpt,
    StateOpt,
    TableOpt,
    VerboseOpt,
    package_version,
    print_json,
)
from ingest.cli_stream import broker_app, collect
from ingest.config import (
    ADHOC_GIVEN,
    TABLE_RULE,
    SourceConfig,
    describe_errors,
    is_table_name,
    load_config,
    source_block,
)
from ingest.errors import ConfigError, IngestError
from ingest.landing import require_local_matches
from ingest.naming import quote_string
from ingest.sample.spec import MAX_DAYS
from ingest.settings import Settings, load_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from ingest.pipeline import EventTimesUnread, RunReport
    from ingest.pull.runner import PullReport
    from ingest.stream import BatchReport, StreamReport

log = logging.getLogger(__name__)

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help=HELP,
    epilog="Settings also come from DAP_* environment variables; see README, 'The ingest CLI'.",
)
console = Console(stderr=True)
# Reports go to stdout; wide enough that a non-terminal (CI log, pipe) does not wrap the table.
out = Console(width=None if sys.stdout.isatty() else 140)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=False)],
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)


def _print_error(exc: IngestError) -> None:
    # soft_wrap: no line breaks inserted into the message (the terminal wraps; pipes keep lines)
    console.print(f"[bold red]error:[/] {escape(exc.render())}", soft_wrap=True)


def _fail(exc: IngestError) -> typer.Exit:
    _print_error(exc)
    return typer.Exit(exc.exit_code)


def _spark(settings: Settings, app_name: str) -> SparkSession:
    from ingest.spark_session import build_spark

    with console.status("starting Spark"):
        return build_spark(settings, app_name)


class StepClock:
    """Wall seconds per step of a run, from the progress callbacks: the time up to a step's
    callback belongs to the step before it (``--json``'s ``seconds_per_step``, the benchmark's
    profile). ``<source>.read`` includes inference and parsing; ``<source>.commit`` the writes."""

    def __init__(self, first: str) -> None:
        self.seconds: dict[str, float] = {}
        self._current = first
        self._since = time.perf_counter()

    def lap(self, next_step: str) -> None:
        now = time.perf_counter()
        self.seconds[self._current] = round(self.seconds.get(self._current, 0.0) + now - self._since, 3)
        self._current, self._since = next_step, now


def _execute(
    sources: list[SourceConfig],
    *,
    dry_run: bool,
    as_json: bool,
    settings: Settings,
    command: str,
    pulled: PullReport | None = None,
) -> None:
    import os

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import pipeline
    from ingest.faults import FaultPoint

    clock = StepClock("start_spark")
    spark = _spark(settings, f"ingest {command}")
    clock.lap("prepare_run")  # ingest_meta tables, the run's "started" row
    order = {s.name: i for i, s in enumerate(sources)}
    steps = len(pipeline.STEPS)
    with Progress(
        TextColumn("[bold]{task.fields[source]:<10}"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=len(sources) * steps, source="")

        def progress(source: str, step: str, detail: str) -> None:
            clock.lap(f"{source}.{step}" if step != "done" else "run_bookkeeping")
            done = order[source] * steps + pipeline.STEPS.index(step) + (1 if step == "done" else 0)
            bar.update(task, completed=done, description=escape(detail), source=escape(source))

        report = pipeline.run(
            spark,
            sources,
            command=command,
            dry_run=dry_run,
            progress=progress,
            fault=FaultPoint(os.environ.get("DAP_FAULT")),
            work_dir=settings.state_dir,
        )
    clock.lap("report")
    log.debug("seconds per step: %s", clock.seconds)
    if as_json:
        data = {**report.to_dict(), "seconds_per_step": clock.seconds}
        if pulled is not None:
            data = {"pull": pulled.to_dict(), **data, "ok": report.ok and pulled.ok}
        print_json(data)
    else:
        if pulled is not None:
            _print_pull_report(pulled)
        _print_report(report)
    if not report.ok or (pulled is not None and not pulled.ok):
        pull_code = pulled.exit_code if pulled is not None else 0
        raise typer.Exit(max(report.exit_code, pull_code) or 1)  # 3: a source's input could not be read


def _pull(sources: list[SourceConfig], settings: Settings, *, explicit: bool) -> PullReport:
    """Pull the sources that have a pull block, printing one line per step (stderr)."""
    from ingest.pull.runner import pull_sources, pulled_sources

    def progress(source: str, message: str) -> None:
        console.print(f"[bold]{escape(source)}[/] {escape(message)}", highlight=False, soft_wrap=True)

    return pull_sources(
        pulled_sources(sources, explicit=explicit), work_dir=settings.state_dir, progress=progress
    )


def _print_pull_report(report: PullReport) -> None:
    table = Table(title="ingest pull")
    numbers = ("files pulled", "bytes", "records", "skipped unchanged", "resumed")
    for header in ("source", "kind", "status", *numbers):
        table.add_column(header, justify="right" if header in numbers else "left")
    for s in report.sources:
        table.add_row(
            escape(s.source),
            s.kind,
            escape(s.status if not s.error else f"failed: {s.error}"),
            str(len(s.files)),
            str(s.bytes),
            str(s.records) if s.kind == "rest" else "",
            str(s.skipped),
            str(s.resumed),
        )
    out.print(table)
    if not report.sources:
        out.print("no selected source has a pull block; nothing to pull")


def _print_report(report: RunReport) -> None:
    if report.dry_run:
        for source in report.sources:
            console.rule(escape(f"{source.source} -> {source.table}"))
            console.print(f"{len(source.files)} new file(s)")
            for ddl in source.ddl:
                out.print(ddl + ";", markup=False, highlight=False)
            if not source.ddl:
                console.print("no DDL needed")
        console.print("[bold]plan only: nothing was written[/]")
        return
    table = Table(title=escape(f"ingest run {report.run_id}"))
    for header in (
        "source",
        "table",
        "status",
        "files",
        "read",
        "written",
        "quarantined",
        "rescued",
        "new columns",
    ):
        table.add_column(
            header,
            justify="right" if header in ("files", "read", "written", "quarantined", "rescued") else "left",
        )
    for s in report.sources:
        table.add_row(
            escape(s.source),
            escape(s.table),
            escape(s.status if not s.error else f"failed: {s.error}"),
            str(len(s.files)),
            str(s.rows_read),
            str(s.rows_written),
            str(s.rows_quarantined),
            str(s.rows_rescued),
            str(len(s.columns_added)),
        )
    out.print(table)
    mismatched = [
        f.file for s in report.sources for f in s.files if f.rows_read != f.rows_written + f.rows_quarantined
    ]
    total = sum(s.rows_read for s in report.sources)
    out.print(
        f"{total} records read = {sum(s.rows_written for s in report.sources)} written + "
        f"{sum(s.rows_quarantined for s in report.sources)} quarantined"
        + ("" if not mismatched else f"  [red]MISMATCH in {len(mismatched)} file(s)[/]")
    )
    for s in report.sources:
        for created, columns in s.tables_created.items():
            out.print(escape(f"created {created} ({columns} columns)"), highlight=False)
        added = [c for c in s.columns_added if not _in_created_table(c, s.table, s.tables_created)]
        if added:
            out.print(escape(f"{s.table}: added " + ", ".join(added)), highlight=False)
        for widened in s.columns_widened:
            out.print(escape(f"widened {widened} (lossless, metadata only)"), highlight=False)
        for target, counts in s.values_discarded.items():
            from ingest.schema_plan import DISCARDED_PREFIX, RESCUE_COLUMN

            listed = ", ".join(f"{path} ({n})" for path, n in counts.items())
            out.print(
                escape(
                    f"{target}: schema_policy discard_value kept {sum(counts.values())} value(s) of new "
                    f"path(s) out of the columns, in {RESCUE_COLUMN} under '{DISCARDED_PREFIX}<path>': {listed}"
                ),
                highlight=False,
                soft_wrap=True,
            )
        if unread := s.event_times_unread:
            _print_event_times_unread(
                s.table, unread, f"ingest rollback --table {s.table} --run {report.run_id}"
            )
        for changed in s.skipped_changed:
            console.print(
                f"[yellow]warning:[/] {escape(changed)} changed after it was ingested; not ingested again"
            )
        for waiting in s.waiting:
            console.print(
                f"{waiting}: still being written (changed during the run or younger than "
                "settle_seconds); waits for the next run",
                markup=False,
            )
        for other in s.skipped_concurrent:
            console.print(f"{other}: committed by a concurrent run first; skipped here", markup=False)
    _print_where_to_look(report)


def _print_event_times_unread(table: str, unread: EventTimesUnread, rollback: str | None) -> None:
    """How many records took the fallback date although they had an event time, and what to set."""
    fallback = unread.fallback.replace("_", " ")
    if unread.suggested_format:
        advice = f"They look like {unread.suggested_format}: set partition.format: {unread.suggested_format}"
    else:
        advice = "Fix partition.format (or the data)"
    console.print(
        "[yellow]warning:[/] "
        + escape(
            f"{table}: {unread.rows} record(s) have a {unread.column} that is not a time under "
            f"partition.format {unread.format} (e.g. {unread.example!r}), so their event_date is "
            f"their {fallback}. {advice}"
            + (f", then re-partition them: {rollback}, and run again." if rollback else ".")
        ),
        highlight=False,
        soft_wrap=True,
    )


def _in_created_table(column: str, table: str, created: dict[str, int]) -> bool:
    """``columns_added`` names main-table columns bare and child-table columns ``<table>.<column>``."""
    if table in created and "." not in column:
        return True
    return any(column.startswith(child + ".") for child in created)


def _print_where_to_look(report: RunReport) -> None:
    """Quarantined and rescued records of this run, each with the query that shows them."""
    from ingest.meta import table as meta_table
    from ingest.schema_plan import HAS_RESCUED_VALUES, RESCUE_COLUMN

    quarantined = [s for s in report.sources if s.rows_quarantined]
    if quarantined:
        count = sum(s.rows_quarantined for s in quarantined)
        out.print(
            f"{count} record(s) quarantined (unreadable, or refused by schema_policy discard_row; "
            "kept verbatim with the reason); to see them:"
        )
        out.print(
            f"  select table_name, file_uri, line, reason, raw from {meta_table('quarantine')}"
            f" where run_id = '{report.run_id}'",
            markup=False,
            highlight=False,
            soft_wrap=True,  # one line, to copy
        )
    for s in report.sources:
        if s.rows_rescued:
            out.print(
                escape(
                    f"{s.rows_rescued} record(s) in {s.table} with rescued values "
                    f"(did not fit their column's type, a new path schema_policy kept out of the "
                    f"columns, earlier values of a key written twice, or half a surrogate pair; kept as JSON in "
                    f"{RESCUE_COLUMN}); to see them:"
                ),
                highlight=False,
                soft_wrap=True,
            )
            out.print(
                f"  select _source_file, _source_line, {RESCUE_COLUMN} from {s.table}"
                f" where _ingest_run_id = '{report.run_id}' and {HAS_RESCUED_VALUES}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


def _show_version(value: bool) -> None:
    if value:
        out.print(f"ingest {package_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    verbose: VerboseOpt = False,
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    _setup_logging(verbose)


@app.command(cls=Command)
def run(
    config: ConfigOpt = Path("ingest.yml"),
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
    pull_first: Annotated[
        bool, typer.Option("--pull", help="first pull the sources that have a pull block, then ingest")
    ] = False,
) -> None:
    """Ingest every new file of the configured sources (with --pull: pull them first)."""
    try:
        settings = load_settings(state_dir=state_dir)
        sources = load_config(config, landing).select(source)
        pulled = _pull(sources, settings, explicit=False) if pull_first else None
        _execute(sources, dry_run=False, as_json=as_json, settings=settings, command="run", pulled=pulled)
    except IngestError as exc:
        raise _fail(exc) from None


@app.command(cls=Command)
def stream(
    config: ConfigOpt = Path("ingest.yml"),
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
    trigger_seconds: Annotated[
        float,
        typer.Option(
            "--trigger-seconds",
            envvar="DAP_STREAM_TRIGGER_SECONDS",
            min=0.1,
            max=86400.0,  # a day; Spark cannot parse inf or 1e16 seconds as an interval
            help="start a micro-batch this often (seconds, at most a day)",
        ),
    ] = 5.0,
    available_now: Annotated[
        bool,
        typer.Option(
            "--available-now",
            "--once",
            help="take everything available now (in micro-batches), then stop: tests and backfills",
        ),
    ] = False,
) -> None:
    """Stream the sources' Kafka topics or new landing files into their tables until stopped.

    Each micro-batch goes through the batch path (new columns, quarantine, one commit per table),
    exactly once (a checkpoint per source under the state dir, commits keyed by query and batch).
    SIGTERM or Ctrl-C stops after the micro-batch in flight, with a summary; exit 0, or 1 when a
    source's stream failed.
    """
    import signal

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        if not stop.is_set():
            console.print(f"{signal.Signals(signum).name}: stopping after the micro-batch in flight")
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    try:
        settings = load_settings(state_dir=state_dir)
        sources = load_config(config, landing).select(source)
        kafka_sources = [s for s in sources if s.stream.kind == "kafka"]
        if kafka_sources:
            from ingest.sources.kafka import refuse_compacted_topic
            from ingest.sources.kafka_jars import require_kafka_jars

            require_kafka_jars(settings.jars_dir)
            for kafka_source in kafka_sources:
                refuse_compacted_topic(kafka_source)
        report = _stream(
            sources, settings, stop, trigger_seconds=trigger_seconds, available_now=available_now
        )
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(report.to_dict())
    else:
        _print_stream_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _stream(
    sources: list[SourceConfig],
    settings: Settings,
    stop: threading.Event,
    *,
    trigger_seconds: float,
    available_now: bool,
) -> StreamReport:
    import os

    from ingest.faults import FaultPoint
    from ingest.stream import StreamRunner

    spark = _spark(settings, "ingest stream")
    runner = StreamRunner(
        spark,
        sources,
        state_dir=settings.state_dir,
        trigger_seconds=trigger_seconds,
        available_now=available_now,
        on_batch=_print_batch,
        fault=FaultPoint(os.environ.get("DAP_FAULT")),
    )
    if not stop.is_set():
        runner.start()
        mode = "everything available now" if available_now else f"a micro-batch every {trigger_seconds:g} s"
        console.print(
            escape(f"streaming {', '.join(f'{s.name} ({s.stream.kind})' for s in sources)}: {mode}"),
            highlight=False,
        )
    return runner.wait(stop)


def _print_batch(batch: BatchReport) -> None:
    """One line per micro-batch (stderr): rows, new columns, quarantined, time taken, latency."""
    line = (
        f"{batch.source} batch {batch.batch_id}: {batch.rows_read} read = {batch.rows_written} written + "
        f"{batch.rows_quarantined} quarantined"
    )
    if batch.columns_added:
        line += f"; new columns: {', '.join(batch.columns_added)}"
    if batch.event_times_unread:
        line += f"; {batch.event_times_unread.rows} with an event time that is not a time (fallback date)"
    if batch.replayed:
        line += "; already committed (a replay after a restart): nothing appended"
    line += f"; {batch.seconds:.1f} s"
    if batch.latency is not None:
        line += f", latency {batch.latency:.1f} s"
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _print_stream_report(report: StreamReport) -> None:
    table = Table(title=escape(f"ingest stream {report.run_id} ({report.stopped})"))
    numbers = ("batches", "read", "written", "quarantined", "new columns", "replayed")
    for header in ("source", "from", "table", "status", *numbers):
        table.add_column(header, justify="right" if header in numbers else "left")
    for s in report.sources:
        table.add_row(
            escape(s.source),
            s.kind,
            escape(s.table),
            escape("ok" if s.error is None else f"failed: {s.error}"),
            str(s.batches),
            str(s.rows_read),
            str(s.rows_written),
            str(s.rows_quarantined),
            str(len(s.columns_added)),
            str(s.replayed),
        )
    out.print(table)
    out.print(
        f"{sum(s.rows_read for s in report.sources)} records read = "
        f"{sum(s.rows_written for s in report.sources)} written + "
        f"{sum(s.rows_quarantined for s in report.sources)} quarantined",
        markup=False,
        highlight=False,
    )
    for s in report.sources:
        if s.columns_added:
            out.print(escape(f"{s.table}: added " + ", ".join(s.columns_added)), highlight=False)
        if s.event_times_unread:
            _print_event_times_unread(s.table, s.event_times_unread, rollback=None)
        if s.rows_quarantined:
            out.print(
                f"  select file_uri, line, reason, raw from ingest_meta.quarantine where source = {quote_string(s.source)}"
                f" and run_id like 'stream-%' order by quarantined_at desc",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


@app.command(cls=Command)
def pull(
    config: ConfigOpt = Path("ingest.yml"),
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch new remote files and API records into the landing zone (the sources' pull blocks)."""
    try:
        settings = load_settings(state_dir=state_dir)
        sources = load_config(config, landing).select(source)
        report = _pull(sources, settings, explicit=bool(source))
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(report.to_dict())
    else:
        _print_pull_report(report)
        pulled = sum(len(s.files) for s in report.sources)
        out.print(
            f"{pulled} file(s), {sum(s.bytes for s in report.sources)} bytes pulled; "
            f"{sum(s.skipped for s in report.sources)} unchanged remote file(s) skipped",
            markup=False,
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(report.exit_code or 1)


@app.command(cls=Command)
def plan(
    ctx: typer.Context,
    config: ConfigOpt = Path("ingest.yml"),
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="ad-hoc files instead of a config (as for load; needs --table)"),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option("--table", help="target table for PATHS, database.table in lowercase"),
    ] = None,
    fmt: FormatOpt = Format.json,
    source_settings: SetOpt = None,
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the DDL and schema changes a run (or load) would make; write nothing."""
    try:
        _refuse_options_plan_would_ignore(ctx, paths)
        settings = load_settings(state_dir=state_dir)
        # PATHS instead of a config: then --config (and DAP_CONFIG) is not read
        sources = (
            [_adhoc_source(paths, table, fmt, source_settings or [])]
            if paths
            else load_config(config, landing).select(source)
        )
        _execute(sources, dry_run=True, as_json=as_json, settings=settings, command="plan")
    except IngestError as exc:
        raise _fail(exc) from None


def _refuse_options_plan_would_ignore(ctx: typer.Context, paths: list[str] | None) -> None:
    """``plan`` plans a config's sources or ad-hoc PATHS: an option of the other kind would be
    silently ignored, and the plan shown would not be the one asked for."""
    given = {  # typer bundles its own click, so its ParameterSource is compared by name
        name
        for name in ("source", "landing", "table", "fmt", "source_settings")
        if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"
    }
    if paths and given & {"source", "landing"}:
        raise ConfigError(
            "--source and --landing select from a config; PATHS are planned as one ad-hoc source",
            hint="drop PATHS to plan the config's sources, or drop --source/--landing",
        )
    if not paths and given & {"table", "fmt", "source_settings"}:
        raise ConfigError(
            "--table, --format and --set describe ad-hoc PATHS, and no PATHS were given",
            hint="give the files to plan (e.g. ingest plan data/*.csv --table raw.x --format csv), "
            "or drop --table/--format/--set to plan the config's sources",
        )


def _adhoc_source(paths: list[str], table: str | None, fmt: Format, settings: list[str]) -> SourceConfig:
    if not table:
        raise ConfigError("--table DB.TABLE is required with file paths", hint="e.g. --table raw.my_events")
    block = source_block(settings)
    for section in ("csv", "ulog"):  # a config ignores another format's block; --set says so
        if section in block and fmt.value != section:
            raise ConfigError(
                f"--set {section}.*: settings of --format {section}, and the format is {fmt.value}",
                hint=f"add --format {section}",
            )
    try:
        return SourceConfig.model_validate(
            {
                **block,
                "name": table.split(".")[-1],
                "path": [p if "://" in p else str(Path(p).absolute()) for p in paths],
                "table": table,
                "format": fmt.value,
            }
        )
    except ValidationError as exc:
        raise ConfigError(
            f"invalid arguments: {describe_errors(exc, _option_of)}",
            hint="--set takes a config source block's settings, a list written [a, b] (README: Config)"
            if block
            else None,
        ) from None


def _option_of(loc: tuple[int | str, ...]) -> str:
    """The option that gave the setting at ``loc``: ``--table``, ``--format``, or ``--set KEY``
    (``--set`` alone for a rule between settings, whose error has no location)."""
    key = ".".join(map(str, loc))
    return f"--{key}" if loc and loc[0] in ADHOC_GIVEN else f"--set {key}".rstrip()


@app.command(cls=Command)
def load(
    paths: Annotated[list[str], typer.Argument(help="files, directories or quoted globs (several, like cp)")],
    table: TableOpt,
    fmt: FormatOpt = Format.json,
    source_settings: SetOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest ad-hoc files into a table without a config file."""
    try:
        source = _adhoc_source(paths, table, fmt, source_settings or [])
        require_local_matches(paths)
        settings = load_settings(state_dir=state_dir)
        _execute(
            [source],
            dry_run=False,
            as_json=as_json,
            settings=settings,
            command="load",
        )
    except IngestError as exc:
        raise _fail(exc) from None


@app.command(cls=Command)
def status(
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
    table: Annotated[
        str | None,  # noqa: UP007
        typer.Option("--table", help="also list this table's recent commits (snapshots, by run)"),
    ] = None,
) -> None:
    """Tables, files, last runs and recent schema changes (and one table's recent snapshots)."""
    from ingest.status import collect_status, render_status

    try:
        _check_table(table)
        spark = _spark(load_settings(state_dir=state_dir), "ingest status")
        data = collect_status(spark, table)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(data)
    else:
        render_status(out, data)


def _check_table(table: str | None) -> None:
    if table is not None and not is_table_name(table):
        raise ConfigError(f"--table: {TABLE_RULE}, got {table!r}", hint="e.g. --table raw.camera_events")


# A whole number of days, hours or minutes in ASCII digits (str.isdigit also takes '²', which
# int() refuses), at most 100 years: checked in full before compact does any work, so a value
# too large for a date cannot fail after rewrite_data_files has committed.
_DURATION = re.compile(r"([0-9]{1,12})([dhm])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60}
MAX_RETENTION_DAYS = 36500


def _duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ConfigError(
            f"--expire-older-than: invalid duration {text!r}",
            hint="a whole number of days, hours or minutes, e.g. 7d, 12h or 30m",
        )
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    if seconds > MAX_RETENTION_DAYS * _UNIT_SECONDS["d"]:
        raise ConfigError(
            f"--expire-older-than: {text!r} is longer than {MAX_RETENTION_DAYS}d (100 years)",
            hint="e.g. 7d, 12h or 30m; to keep every snapshot, leave --expire-older-than out",
        )
    return timedelta(seconds=seconds)


@app.command(cls=Command)
def compact(
    table: Annotated[str, typer.Option("--table", help="the table to compact, database.table")],
    expire_older_than: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            "--expire-older-than",
            help=(
                "also expire snapshots older than this (e.g. 7d, 12h) and remove unreferenced files as old,"
                " but at least 24h (younger ones may be a write in flight)"
            ),
        ),
    ] = None,
    retain_last: Annotated[
        int,
        # max: Iceberg's expire_snapshots takes a Java int (MAX_RETAIN_LAST in ingest.tables.maintenance)
        typer.Option("--retain-last", min=1, max=2_147_483_647, help="snapshots always kept when expiring"),
    ] = 5,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge a table's small files (Iceberg rewrite_data_files); every value is checked before and after."""
    from ingest.tables.maintenance import ORPHAN_MIN_AGE, compact_table

    try:
        _check_table(table)
        expire = _duration(expire_older_than) if expire_older_than else None
        spark = _spark(load_settings(state_dir=state_dir), "ingest compact")
        with console.status(escape(f"compacting {table}")):
            result = compact_table(spark, table, expire_older_than=expire, retain_last=retain_last)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(result.to_dict())
        return
    summary = (
        f"{table}: {result.files_before} -> {result.files_after} data files "
        f"({result.rewritten_files} rewritten into {result.added_files}), {result.rows} rows, every value unchanged"
    )
    if expire is not None:  # 0m too: a zero timedelta is falsy
        summary += f"; {result.snapshots_expired} snapshot(s) expired, {result.orphan_files_removed} orphan file(s) removed"
        if expire < ORPHAN_MIN_AGE:
            summary += " (only those older than 24h: younger ones may be a write in flight)"
    out.print(summary, markup=False, highlight=False)


@app.command(cls=Command)
def rollback(
    table: Annotated[str, typer.Option("--table", help="the table the run wrote, database.table")],
    run_id: Annotated[str, typer.Option("--run", help="the run id to undo (see `ingest status --table`)")],
    keep_columns: Annotated[
        bool,
        typer.Option(
            "--keep-columns",
            help="keep the columns the run added even if no row holds a value of them any more",
        ),
    ] = False,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo one run in a table, its child tables and its quarantine, and drop the columns it added
    that hold no value any more; its files count as new again."""
    from ingest.tables.snapshots import rollback_run

    try:
        _check_table(table)
        spark = _spark(load_settings(state_dir=state_dir), "ingest rollback")
        reports = rollback_run(spark, table, run_id, drop_columns=not keep_columns)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json([asdict(r) for r in reports])
        return
    if not reports:
        out.print(f"run {run_id} was already rolled back in {table}: nothing to do", markup=False)
        return
    for r in reports:
        out.print(f"{r.table}: removed {r.rows_removed} row(s) of run {r.run_id} ({r.method})", markup=False)
        if r.columns_dropped:
            out.print(
                f"{r.table}: dropped the column(s) the run added, no row holds a value of them now: "
                + ", ".join(r.columns_dropped),
                markup=False,
            )
    out.print(
        "the run's files count as new again: the next `ingest run` reads them (move bad files away first)"
    )


catalog_app = typer.Typer(cls=Group, help="Hive metastore maintenance.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
# The real-time path (ingest.cli_stream): the local Kafka broker and the HTTP collector.
app.add_typer(broker_app, name="broker")
app.command(cls=Command)(collect)


@catalog_app.command("rebuild", cls=Command)
def catalog_rebuild(
    warehouse: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            "--warehouse",
            help="warehouse root to scan, an existing directory (default: the configured one)",
        ),
    ] = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register every Iceberg table found in the warehouse again (after the metastore was lost).

    A table whose metadata file cannot be read is skipped, the others are registered (exit 3); a
    metastore that fails or refuses to register a table stops the command (exit 4)."""
    from ingest.errors import InputError
    from ingest.tables.rebuild import check_warehouse_option, rebuild_catalog

    try:
        check_warehouse_option(warehouse)  # before Spark starts
        spark = _spark(load_settings(state_dir=state_dir), "ingest catalog rebuild")
        results = rebuild_catalog(spark, warehouse)
    except IngestError as exc:
        raise _fail(exc) from None
    registered = [r for r in results if r.action == "registered"]
    skipped = [r for r in results if r.action == "skipped"]
    if as_json:
        print_json([asdict(r) for r in results])
    else:
        for r in registered:
            out.print(f"registered {r.table}", markup=False)
        already = len(results) - len(registered) - len(skipped)
        summary = f"{len(registered)} table(s) registered, {already} already registered"
        out.print(summary + (f", {len(skipped)} skipped (see the warnings)" if skipped else ""))
    if skipped:
        # As a source whose input cannot be read (exit 3): the other tables are registered.
        raise _fail(
            InputError(
                f"{len(skipped)} table(s) not registered, their metadata file could not be read: "
                + ", ".join(r.table for r in skipped),
                where=", ".join(r.metadata_file for r in skipped),
                hint=(
                    "each warning above gives the reason; repair the file, or move it out of its metadata "
                    "folder to register the version before it (without that version's last commit), then "
                    "run `ingest catalog rebuild` again (tables already registered are left alone)"
                ),
            )
        )


@app.command(cls=Command)
def generate(
    landing: Annotated[Path, typer.Option("--landing", envvar="DAP_LANDING", help="landing dir to write")],
    seed: Annotated[int, typer.Option(help="random seed: the same seed writes the same files")] = 42,
    days: Annotated[
        int,
        typer.Option(min=1, max=MAX_DAYS, help="number of landing days (one folder per day)"),
    ] = 7,
    start: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], show_default="2026-01-05", help="first landing day, yyyy-mm-dd"),
    ] = datetime(2026, 1, 5),
    scale: Annotated[float, typer.Option(help="events per day, times this")] = 1.0,
    remote: Annotated[
        list[str] | None,
        typer.Option(
            "--remote",
            help="SOURCE=DIR: write that source's files to DIR (for a server to share and a pull to fetch)",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the deterministic sample landing data and its ground truth."""
    import math

    from ingest.sample import generate as write_sample
    from ingest.sample.binary import BINARY_SOURCES
    from ingest.sample.generator import REMOTE_SOURCES

    if not math.isfinite(scale) or scale <= 0:
        raise _fail(
            ConfigError(
                f"--scale: must be a finite number > 0, got {scale!r}",
                hint="e.g. --scale 0.5 for half the events per day, --scale 2 for twice as many",
            )
        )
    remote_dirs = {}
    for item in remote or []:
        name, _, directory = item.partition("=")
        if not name or not directory:
            raise _fail(
                ConfigError(
                    f"--remote: expected SOURCE=DIR, got {item!r}", hint="e.g. --remote shop=/srv/ftp/shop"
                )
            )
        if name not in REMOTE_SOURCES:
            raise _fail(
                ConfigError(
                    f"--remote: SOURCE must be one of {', '.join(REMOTE_SOURCES)}, got {name!r}",
                    hint=f"the binary logs ({', '.join(BINARY_SOURCES)}) always land under --landing",
                )
            )
        remote_dirs[name] = Path(directory)
    report = write_sample(
        landing, seed=seed, days=days, start_date=start.date(), scale=scale, remote=remote_dirs
    )
    if as_json:
        print_json(report.to_dict())
    else:
        table = Table(title=escape(f"sample landing data in {landing} (seed {seed}, {days} days)"))
        for header in ("source", "files", "lines", "planted bad lines", "distinct events"):
            table.add_column(header, justify="left" if header == "source" else "right")
        for source, files in report.files.items():
            table.add_row(
                source,
                str(len(files)),
                str(report.lines.get(source, 0)),
                str(report.bad_lines.get(source, 0)),
                str(report.distinct_events.get(source, 0)),
            )
        out.print(table)
        out.print(escape("ground truth: " + ", ".join(str(p) for p in report.ground_truth.values())))


def main() -> None:
    try:
        app()
    except IngestError as exc:
        _print_error(exc)
        sys.exit(exc.exit_code)

"""Command line: ``ingest run | load | plan | status | compact | rollback | catalog rebuild | generate``.

Only this module draws (rich progress and tables) and sets logging handlers. Exit codes:
0 success, 1 a source failed, 2 bad config or option, 3 unreadable input, 4 bad state.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from ingest.config import SourceConfig, load_config
from ingest.errors import ConfigError, IngestError
from ingest.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)
# Reports go to stdout; wide enough that a non-terminal (CI log, pipe) does not wrap the table.
out = Console(width=None if sys.stdout.isatty() else 140)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="DAP_CONFIG", help="sources YAML")]
SourcesOpt = Annotated[list[str] | None, typer.Option("--source", "-s", help="only these sources")]  # noqa: UP007
JsonOpt = Annotated[bool, typer.Option("--json", help="print a machine-readable report on stdout")]
# No envvar here: DAP_LANDING reaches a run through the config (`landing: ${DAP_LANDING}`), so a
# config that names its landing explicitly is never overridden by a stray environment variable.
LandingOpt = Annotated[str | None, typer.Option("--landing", help="landing base (overrides the config's)")]
StateOpt = Annotated[Path | None, typer.Option("--state-dir", envvar="DAP_STATE_DIR", help="state dir")]  # noqa: UP007
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="debug logging")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=False)],
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)


def _fail(exc: IngestError) -> typer.Exit:
    console.print(f"[bold red]error:[/] {exc.render()}")
    return typer.Exit(exc.exit_code)


def _spark(state_dir: Path | None, app_name: str):  # type: ignore[no-untyped-def]
    from ingest.spark_session import build_spark

    with console.status("starting Spark"):
        return build_spark(load_settings(state_dir=state_dir), app_name)


def _execute(
    sources: list[SourceConfig], *, dry_run: bool, as_json: bool, state_dir: Path | None, command: str
) -> None:
    import os

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import pipeline
    from ingest.faults import FaultPoint

    spark = _spark(state_dir, f"ingest {command}")
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
            done = order[source] * steps + pipeline.STEPS.index(step) + (1 if step == "done" else 0)
            bar.update(task, completed=done, description=detail, source=source)

        report = pipeline.run(
            spark,
            sources,
            command=command,
            dry_run=dry_run,
            progress=progress,
            fault=FaultPoint(os.environ.get("DAP_FAULT")),
        )
    if as_json:
        out.print_json(json.dumps(report.to_dict(), default=str))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    if report.dry_run:
        for source in report.sources:
            console.rule(f"{source.source} -> {source.table}")
            console.print(f"{len(source.files)} new file(s)")
            for ddl in source.ddl:
                out.print(ddl + ";", markup=False, highlight=False)
            if not source.ddl:
                console.print("no DDL needed")
        console.print("[bold]plan only: nothing was written[/]")
        return
    table = Table(title=f"ingest run {report.run_id}")
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
            s.source,
            s.table,
            s.status if not s.error else f"failed: {s.error}",
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
        if s.columns_added:
            out.print(f"{s.table}: added " + ", ".join(s.columns_added), highlight=False)
        for changed in s.skipped_changed:
            console.print(f"[yellow]warning:[/] {changed} changed after it was ingested; not ingested again")
        for other in s.skipped_concurrent:
            console.print(f"{other}: committed by a concurrent run first; skipped here", highlight=False)


@app.callback()
def _root(verbose: VerboseOpt = False) -> None:
    _setup_logging(verbose)


@app.command()
def run(
    config: ConfigOpt = Path("ingest.yml"),
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest every new file of the configured sources."""
    try:
        sources = load_config(config, landing).select(source)
        _execute(sources, dry_run=False, as_json=as_json, state_dir=state_dir, command="run")
    except IngestError as exc:
        raise _fail(exc) from None


@app.command()
def plan(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="sources YAML")] = None,  # noqa: UP007
    paths: Annotated[list[str] | None, typer.Argument(help="ad-hoc files (as for load)")] = None,  # noqa: UP007
    table: Annotated[str | None, typer.Option("--table")] = None,  # noqa: UP007
    fmt: Annotated[str, typer.Option("--format")] = "json",
    source: SourcesOpt = None,
    landing: LandingOpt = None,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the DDL and schema changes a run (or load) would make; write nothing."""
    try:
        if paths:
            sources = [_adhoc_source(paths, table, fmt)]
        else:
            sources = load_config(config or Path("ingest.yml"), landing).select(source)
        _execute(sources, dry_run=True, as_json=as_json, state_dir=state_dir, command="plan")
    except IngestError as exc:
        raise _fail(exc) from None


def _adhoc_source(paths: list[str], table: str | None, fmt: str) -> SourceConfig:
    if not table:
        raise ConfigError("--table DB.TABLE is required with file paths", hint="e.g. --table raw.my_events")
    if fmt not in ("json", "csv"):
        raise ConfigError(f"unknown --format {fmt!r}", hint="use json or csv")
    if len(paths) > 1:
        raise ConfigError("give one path (a file, a directory or a quoted glob)", where=" ".join(paths))
    try:
        return SourceConfig.model_validate(
            {
                "name": table.split(".")[-1],
                "path": str(Path(paths[0]).absolute()) if "://" not in paths[0] else paths[0],
                "table": table,
                "format": fmt,
            }
        )
    except Exception as exc:
        raise ConfigError(f"invalid arguments: {exc}") from None


@app.command()
def load(
    path: Annotated[str, typer.Argument(help="a file, a directory or a quoted glob")],
    table: Annotated[str, typer.Option("--table", help="target table, db.table")],
    fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest ad-hoc files into a table without a config file."""
    try:
        _execute(
            [_adhoc_source([path], table, fmt)],
            dry_run=False,
            as_json=as_json,
            state_dir=state_dir,
            command="load",
        )
    except IngestError as exc:
        raise _fail(exc) from None


@app.command()
def status(
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
    table: Annotated[
        str | None, typer.Option("--table", help="also list this table's recent commits")
    ] = None,  # noqa: UP007
) -> None:
    """Tables, files, last runs and recent schema changes (and a table's recent snapshots)."""
    from ingest.status import collect_status, render_status

    spark = _spark(state_dir, "ingest status")
    data = collect_status(spark, table)
    if as_json:
        out.print_json(json.dumps(data, default=str))
    else:
        render_status(out, data)


def _duration(text: str) -> timedelta:
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ConfigError(
            f"invalid duration {text!r}", where="--expire-older-than", hint="e.g. 7d, 12h or 30m"
        )
    return timedelta(**{units[text[-1]]: int(text[:-1])})


@app.command()
def compact(
    table: Annotated[str, typer.Option("--table", help="db.table to compact")],
    expire_older_than: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            "--expire-older-than",
            help="also expire snapshots older than this (e.g. 7d, 12h) and remove orphan files as old",
        ),
    ] = None,
    retain_last: Annotated[
        int, typer.Option("--retain-last", help="snapshots always kept when expiring")
    ] = 5,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge a table's small files with Iceberg's rewrite_data_files; values checked before and after."""
    from ingest.tables.maintenance import compact_table

    try:
        expire = _duration(expire_older_than) if expire_older_than else None
        spark = _spark(state_dir, "ingest compact")
        with console.status(f"compacting {table}"):
            result = compact_table(spark, table, expire_older_than=expire, retain_last=retain_last)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        out.print_json(json.dumps(result.to_dict(), default=str))
    else:
        out.print(
            f"{table}: {result.files_before} -> {result.files_after} data files "
            f"({result.rewritten_files} rewritten into {result.added_files}), {result.rows} rows, "
            "every value unchanged"
            + (
                f"; {result.snapshots_expired} snapshot(s) expired, {result.orphan_files_removed} orphan file(s) removed"
                if expire
                else ""
            ),
            highlight=False,
        )


@app.command()
def rollback(
    table: Annotated[str, typer.Option("--table", help="db.table the run wrote")],
    run_id: Annotated[str, typer.Option("--run", help="the run id to undo (see `ingest status --table`)")],
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo one run in a table, its child tables and its quarantine; its files become new again."""
    from ingest.tables.snapshots import rollback_run

    try:
        spark = _spark(state_dir, "ingest rollback")
        reports = rollback_run(spark, table, run_id)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in reports], default=str))
        return
    for r in reports:
        out.print(
            f"{r.table}: removed {r.rows_removed} row(s) of run {r.run_id} ({r.method})", highlight=False
        )
    out.print(
        "the run's files count as new again: the next `ingest run` reads them (move bad files away first)"
    )


catalog_app = typer.Typer(help="Hive metastore maintenance.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("rebuild")
def catalog_rebuild(
    warehouse: Annotated[
        str | None, typer.Option("--warehouse", help="warehouse root (default: the configured one)")
    ] = None,  # noqa: UP007
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register every Iceberg table found in the warehouse again (after the metastore was lost)."""
    from ingest.tables.rebuild import rebuild_catalog

    try:
        spark = _spark(state_dir, "ingest catalog rebuild")
        results = rebuild_catalog(spark, warehouse)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in results], default=str))
        return
    registered = [r for r in results if r.action == "registered"]
    for r in registered:
        out.print(f"registered {r.table}", highlight=False)
    out.print(f"{len(registered)} table(s) registered, {len(results) - len(registered)} already registered")


@app.command()
def generate(
    landing: Annotated[Path, typer.Option("--landing", envvar="DAP_LANDING", help="landing dir to write")],
    seed: int = 42,
    days: int = 7,
    start: Annotated[str, typer.Option(help="first day, yyyy-mm-dd")] = "2026-01-05",
    scale: float = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Write the deterministic sample landing data and its ground truth."""
    from ingest.sample import generate as write_sample

    report = write_sample(landing, seed=seed, days=days, start_date=date.fromisoformat(start), scale=scale)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), default=str))
    else:
        table = Table(title=f"sample landing data in {landing} (seed {seed}, {days} days)")
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
        out.print("ground truth: " + ", ".join(str(p) for p in report.ground_truth.values()))


def main() -> None:
    try:
        app()
    except IngestError as exc:
        console.print(f"[bold red]error:[/] {exc.render()}")
        sys.exit(exc.exit_code)

"""Command line: ``ingest run | load | plan | status | compact | generate``.

Only this module draws (rich progress and tables) and sets logging handlers. Exit codes:
0 success, 1 a source failed, 2 bad config or option, 3 unreadable input, 4 bad state.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
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
    from ingest.commit import FaultPoint

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
    recovered = report.recovered or {}
    for run_id in recovered.get("published", []):
        console.print(f"recovered: published run {run_id} that a crash interrupted after its commit")
    for run_id in recovered.get("aborted", []):
        console.print(f"recovered: discarded run {run_id} that stopped before its commit")
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
    try:
        return SourceConfig.model_validate(
            {
                "name": table.split(".")[-1],
                "path": [p if "://" in p else str(Path(p).absolute()) for p in paths],
                "table": table,
                "format": fmt,
            }
        )
    except Exception as exc:
        raise ConfigError(f"invalid arguments: {exc}") from None


@app.command()
def load(
    paths: Annotated[list[str], typer.Argument(help="files, directories or globs (like cp)")],
    table: Annotated[str, typer.Option("--table", help="target table, db.table")],
    fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest ad-hoc files into a table without a config file."""
    try:
        _execute(
            [_adhoc_source(paths, table, fmt)],
            dry_run=False,
            as_json=as_json,
            state_dir=state_dir,
            command="load",
        )
    except IngestError as exc:
        raise _fail(exc) from None


@app.command()
def status(state_dir: StateOpt = None, as_json: JsonOpt = False) -> None:
    """Tables, files, last runs and recent schema changes."""
    from ingest.status import collect_status, render_status

    spark = _spark(state_dir, "ingest status")
    data = collect_status(spark)
    if as_json:
        out.print_json(json.dumps(data, default=str))
    else:
        render_status(out, data)


@app.command()
def compact(
    table: Annotated[str, typer.Option("--table", help="db.table to compact")],
    max_files: Annotated[int, typer.Option("--max-files", help="files per partition after compaction")] = 1,
    state_dir: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge small files in every partition of a table, without changing its rows."""
    from ingest.compact import compact_table

    try:
        spark = _spark(state_dir, "ingest compact")
        with console.status(f"compacting {table}"):
            result = compact_table(spark, table, max_files)
    except IngestError as exc:
        raise _fail(exc) from None
    if as_json:
        out.print_json(json.dumps(result, default=str))
    else:
        out.print(
            f"{table}: {result['partitions_compacted']} partition(s) compacted, "
            f"{result['files_before']} -> {result['files_after']} files, {result['rows']} rows unchanged"
        )


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

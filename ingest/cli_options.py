"""What the command line accepts: its help text, options, closed choices and version; and what
``--json`` prints.

The commands themselves, and everything they draw, are in ``ingest.cli``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

DISTRIBUTION = "device-analytics-ingest"
HELP = """Land device data as flattened, partitioned Iceberg tables, exactly once.

Each run reads the new files of the sources in a config file (ingest.yml): JSON and CSV, GoPro
and PX4 binary logs, files pulled from REST, FTP, SFTP or S3 (run --pull); ingest stream reads
a Kafka topic or new landing files continuously. It flattens nested keys into columns, adds the
new columns to the tables, quarantines records it cannot parse and records every file and schema
change in the ingest_meta tables.

Example: write the sample landing data, then ingest it into the raw tables

    ingest generate --landing /tmp/landing
    DAP_LANDING=/tmp/landing ingest run --config ingest.yml

Exit codes: 0 success, 1 a source failed, 2 bad config or option, 3 unreadable input, 4 bad state,
5 a service (the Kafka broker, the collector's port) could not be started or reached.
"""

# typer 0.29 validates option values with pydantic and shows pydantic's "Value error, " prefix in
# its usage errors ("Invalid value for '--format': Value error, 'xml' is not one of ...").
_LIBRARY_PREFIX = "Value error, "


def _parse_args(parse: Callable[[Any, list[str]], list[str]], ctx: Any, args: list[str]) -> list[str]:
    try:
        return parse(ctx, args)
    except typer.BadParameter as exc:
        exc.message = exc.message.removeprefix(_LIBRARY_PREFIX)
        raise


def unwrapped(text: str | None) -> str | None:
    """Help text with each paragraph on one line, for the terminal to wrap at its own width.

    Typer's help keeps the line breaks of the source, so paragraphs written at 100 columns came
    out ragged in an 80-column terminal. A paragraph with an indented line (an example) keeps
    its lines.
    """
    if not text:
        return text
    paragraphs = text.strip("\n").split("\n\n")
    return "\n\n".join(
        p if any(line[:1].isspace() for line in p.splitlines()) else " ".join(p.split()) for p in paragraphs
    )


class Command(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = unwrapped(self.help)

    # ctx is Any: typer types it with its vendored click's Context
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return _parse_args(super().parse_args, ctx, args)


class Group(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = unwrapped(self.help)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return _parse_args(super().parse_args, ctx, args)


ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", envvar="DAP_CONFIG", help="the sources config file (YAML)")
]
SourcesOpt = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="only this source (repeat for more); default: all")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print a machine-readable report on stdout")]


def print_json(data: object) -> None:
    """The ``--json`` report: indented JSON on stdout, for scripts. Plain ``json.dumps``, not
    rich's highlighting printer, which took 5 s to print the report of a run of 20,000 files."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


# No envvar here: DAP_LANDING reaches a run through the config (`landing: ${DAP_LANDING}`), so a
# config that names its landing explicitly is never overridden by a stray environment variable.
LandingOpt = Annotated[
    str | None,
    typer.Option("--landing", help="landing base for relative source paths (overrides the config's)"),
]
StateOpt = Annotated[
    Path | None,
    typer.Option("--state-dir", envvar="DAP_STATE_DIR", help="dir of the metastore, warehouse and scratch"),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="log debug messages")]


class Format(StrEnum):
    """The file formats ingest reads."""

    json = "json"
    csv = "csv"
    gpmf = "gpmf"
    ulog = "ulog"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        help="file format: JSON lines, documents or arrays; CSV; GoPro GPMF (MP4 or raw); PX4 ULog",
    ),
]
TableOpt = Annotated[str, typer.Option("--table", help="target table, database.table in lowercase")]
SetOpt = Annotated[
    list[str] | None,  # noqa: UP007
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="a setting of a config's source block, for the files given: csv.delimiter=';', "
        "csv.header=none, partition.column=ts, partition.format=epoch_ms, types.amount='decimal(12,2)' "
        "(repeatable)",
    ),
]


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"

"""Help for people: what ``ingest --help``, ``<command> --help`` and ``--version`` show (no Spark)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
import typer
from typer.testing import CliRunner, Result

from ingest.cli import app
from ingest.cli_options import unwrapped

TERMINAL = {"COLUMNS": "200", "NO_COLOR": "1"}
COMMANDS = ["run", "stream", "pull", "plan", "load", "status", "compact", "rollback", "collect", "generate"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=TERMINAL)


def test_top_level_help_says_what_the_tool_does_with_an_example() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Land device data as flattened, partitioned Iceberg tables, exactly once." in result.stdout
    assert "Example: write the sample landing data, then ingest it into the raw tables" in result.stdout
    assert "ingest generate --landing /tmp/landing" in result.stdout
    assert "DAP_LANDING=/tmp/landing ingest run --config ingest.yml" in result.stdout
    assert "Exit codes: 0 success, 1 a source failed, 2 bad config or option" in result.stdout
    assert "5 a service (the Kafka broker, the collector's port)" in result.stdout
    assert "Only this module draws" not in result.stdout  # not the module's docstring
    for command in COMMANDS:
        assert f" {command} " in result.stdout


def test_no_arguments_shows_the_help() -> None:
    result = invoke()
    assert "Usage:" in result.stdout and "Land device data" in result.stdout


def test_version_comes_from_the_package_metadata() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"ingest {version('device-analytics-ingest')}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_and_argument_has_help(command: str) -> None:
    group = typer.main.get_command(app)
    params = {p.name: p for p in group.params}
    assert all(getattr(p, "help", None) for p in params.values()), sorted(params)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    missing = [p.name for p in cmd.params if not getattr(p, "help", None)]
    assert missing == []
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert cmd.help.splitlines()[0] in result.stdout


@pytest.mark.parametrize("command", ["load", "plan"])
def test_format_is_a_closed_choice(command: str) -> None:
    result = invoke(command, "--help")
    assert "<json|csv|gpmf|ulog>" in result.stdout


def test_help_paragraphs_wrap_at_the_terminal_not_at_the_source_lines() -> None:
    """The help's source is wrapped at 100 columns; shown as written, an 80-column terminal wrapped
    it again into ragged lines. Each paragraph is one line for the terminal to wrap."""
    top = invoke("--help").stdout  # 200 columns: each paragraph on one line
    assert "JSON and CSV, GoPro and PX4 binary logs" in top
    assert "4 bad state, 5 a service (the Kafka broker, the collector's port) could not be" in top
    stream = invoke("stream", "--help").stdout
    assert "(new columns, quarantine, one commit per table), exactly once" in stream


def test_an_indented_example_keeps_its_lines() -> None:
    text = "Run it.\nThen look.\n\n    ingest run\n    ingest status\n\nDone."
    assert unwrapped(text) == "Run it. Then look.\n\n    ingest run\n    ingest status\n\nDone."
    assert unwrapped(None) is None

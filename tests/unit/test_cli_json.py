"""What ``--json`` prints: JSON a script can parse, exactly the data, whatever the data holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.cli_options import print_json


def test_print_json_keeps_every_value_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    data = {
        "file": "/landing/caméra/[bold]x[/bold] 'quoted' \\back\\slash.jsonl",  # no markup, no escaping
        "rows": 20_000,
        "empty": None,
        "nested": [{"ok": True}],
        "at": datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
    }
    print_json(data)
    printed = capsys.readouterr().out
    assert printed.endswith("}\n")
    assert json.loads(printed) == {**data, "at": "2026-01-05 10:00:00+00:00"}
    assert "caméra" in printed  # UTF-8 as it is, not \\u escapes


def test_a_command_json_report_parses(tmp_path: Path) -> None:
    """``ingest broker status --json`` with no broker: no JVM, no service, a whole JSON report."""
    result = CliRunner().invoke(app, ["broker", "status", "--json", "--state-dir", str(tmp_path)])
    report = json.loads(result.stdout)
    assert report["running"] is False and report["topics"] == {}

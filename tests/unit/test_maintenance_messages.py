"""``ingest compact``'s own checks and messages (ingest.tables.maintenance), without Spark."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import typer

from ingest.cli import app
from ingest.errors import ConfigError
from ingest.tables.maintenance import TableFingerprint, changed_by_compaction, expiry_cutoff


def test_the_expiry_cutoff_is_a_timestamp_literal_text() -> None:
    assert expiry_cutoff(datetime(2026, 12, 1, 8, 30), timedelta(days=7)) == "2026-11-24 08:30:00"


def test_a_retention_reaching_before_year_one_is_a_config_error_not_an_overflow() -> None:
    with pytest.raises(ConfigError) as info:
        expiry_cutoff(datetime(2026, 12, 1), timedelta(days=99_999_999))
    assert info.value.exit_code == 2
    assert info.value.what == "--expire-older-than: 99999999 days reach before year 1"


def _ingest_commands(text: str) -> list[list[str]]:
    return [found.split()[1:] for found in re.findall(r"`(ingest [^`]+)`", text)]


def test_the_hint_after_a_compaction_changed_values_names_only_real_commands_and_options() -> None:
    error = changed_by_compaction("raw.cam", TableFingerprint(10, 1), TableFingerprint(9, 2))
    assert error.exit_code == 4
    hint = error.hint or ""
    commands = _ingest_commands(hint)
    assert commands == [["status", "--table", "raw.cam"]]
    root = typer.main.get_command(app)
    for name, *args in commands:
        command = root.commands[name]  # type: ignore[attr-defined]
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {a for a in args if a.startswith("--")} <= options, f"{name}: {args} vs {options}"
    assert "CALL spark_catalog.system.rollback_to_snapshot('raw.cam', <snapshot_id>)" in hint

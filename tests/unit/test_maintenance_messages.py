"""``ingest compact``'s and ``ingest catalog rebuild``'s own checks and messages, without Spark."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import NoReturn

import pytest
import typer
from typer.testing import CliRunner, Result

from ingest import cli, spark_session
from ingest.cli import app
from ingest.errors import ConfigError
from ingest.tables import rebuild
from ingest.tables.maintenance import (
    MAX_RETAIN_LAST,
    TableFingerprint,
    changed_by_compaction,
    expiry_cutoff,
    orphan_min_age,
)
from ingest.tables.rebuild import RegisteredTable


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


# --- `ingest compact` options and `ingest catalog rebuild`'s outcome, checked before (or without) Spark

TERMINAL = {"COLUMNS": "200", "NO_COLOR": "1"}  # typer's error panel does not wrap the messages


@pytest.fixture
def no_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        raise AssertionError("Spark must not start for this error")

    monkeypatch.setattr(spark_session, "build_spark", refuse)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=TERMINAL)


@pytest.mark.parametrize(
    ("retention", "orphan_age"),
    [
        (timedelta(hours=12), timedelta(hours=24)),
        (timedelta(minutes=30), timedelta(hours=24)),
        (timedelta(0), timedelta(hours=24)),
        (timedelta(days=7), timedelta(days=7)),
    ],
)
def test_orphan_files_are_removed_only_once_a_day_old_whatever_the_snapshot_retention(
    retention: timedelta, orphan_age: timedelta
) -> None:
    """Iceberg's remove_orphan_files refuses a cutoff within 24 hours (a write may be in flight):
    `--expire-older-than 12h` expires snapshots at 12h, orphans at 24h, instead of failing after
    the rewrite and the expiry committed."""
    assert orphan_min_age(retention) == orphan_age


def test_the_expire_option_help_names_the_day_orphan_files_wait() -> None:
    words = " ".join(invoke("compact", "--help").stdout.replace("│", " ").split())
    assert (
        "remove unreferenced files as old, but at least 24h (younger ones may be a write in flight)" in words
    )


@pytest.mark.usefixtures("no_spark")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999999999", "Input should be less than or equal to 2147483647"),
        (str(MAX_RETAIN_LAST + 1), "Input should be less than or equal to 2147483647"),
        ("0", "Input should be greater than or equal to 1"),
    ],
)
def test_a_retain_last_beyond_a_java_int_is_refused_before_spark_starts(value: str, message: str) -> None:
    """Iceberg's expire_snapshots takes retain_last as an int: a larger value was an
    AnalysisException after the rewrite had committed."""
    result = invoke("compact", "--table", "raw.ev", "--expire-older-than", "1d", "--retain-last", value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--retain-last': {message}" in result.stderr
    assert "Traceback" not in result.output


def test_the_retain_last_bound_is_icebergs_int() -> None:
    command = typer.main.get_command(app).commands["compact"]  # type: ignore[attr-defined]
    (param,) = [p for p in command.params if p.name == "retain_last"]
    assert (param.min, param.max) == (1, MAX_RETAIN_LAST) == (1, 2**31 - 1)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("no_spark")
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_warehouse_is_refused_not_taken_as_the_default(value: str) -> None:
    result = invoke("catalog", "rebuild", "--warehouse", value)
    assert result.exit_code == 2, result.output
    assert "error: --warehouse: the value is empty" in result.stderr
    assert "what to do: give the warehouse root that holds the <db>.db folders" in result.stderr


def test_a_rebuild_that_skipped_a_table_says_so_and_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    junk = "/wh/raw.db/junk/metadata/00001-0a1b.metadata.json"
    results = [
        RegisteredTable("raw.a", "/wh/raw.db/a/metadata/00002-0c.metadata.json", "registered"),
        RegisteredTable("raw.junk", junk, "skipped", "Cannot parse missing int: format-version"),
        RegisteredTable("raw.z", "/wh/raw.db/z/metadata/00001-0d.metadata.json", "already registered"),
    ]
    monkeypatch.setattr(cli, "_spark", lambda *_args: object())
    monkeypatch.setattr(rebuild, "rebuild_catalog", lambda _spark, _warehouse: results)
    result = invoke("catalog", "rebuild", "--warehouse", "/wh")
    assert result.exit_code == 3, result.output
    assert result.stdout.splitlines() == [
        "registered raw.a",
        "1 table(s) registered, 1 already registered, 1 skipped (see the warnings)",
    ]
    assert (
        "error: 1 table(s) not registered, their metadata file could not be read: raw.junk" in result.stderr
    )
    assert f"where: {junk}" in result.stderr
    assert "Traceback" not in result.output

    as_json = invoke("catalog", "rebuild", "--warehouse", "/wh", "--json")
    assert as_json.exit_code == 3
    assert '"action": "skipped"' in as_json.stdout

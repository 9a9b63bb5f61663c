"""What a user sees when the config, an option or a ``DAP_*`` variable is wrong: one test per message.

Every message here is printed before Spark starts: in-process tests replace ``build_spark`` with a
function that fails the test, and subprocess tests point ``JAVA_HOME`` nowhere, so a JVM cannot
start by accident. Each asserts the exit code (2, or 3 for input that is not there) and the exact text on
stderr.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import NoReturn

import pytest
from typer.testing import CliRunner, Result

from ingest import cli, spark_session
from ingest.cli import app
from ingest.landing import require_local_matches
from tests.conftest import ROOT

# wide enough that typer's error panel does not wrap the messages asserted below
TERMINAL = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture(autouse=True)
def no_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hermetic DAP_* environment, and Spark must not start."""
    for name in list(os.environ):
        if name.startswith("DAP_"):
            monkeypatch.delenv(name)

    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        raise AssertionError("Spark must not start for this error")

    monkeypatch.setattr(spark_session, "build_spark", refuse)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={**TERMINAL, **(env or {})})


def ingest_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m ingest`` in a fresh process, as a user runs it (``main`` maps errors to exit codes)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=ROOT,
        env={**inherited, **TERMINAL, "JAVA_HOME": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ingest.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_bad_table_name_shows_the_brackets_and_no_library_prefix(tmp_path: Path) -> None:
    path = config(tmp_path, "landing: /data\nsources:\n  cam: {table: Raw.Cam, format: json}\n")
    result = invoke("run", "--config", str(path))
    assert result.exit_code == 2
    assert (
        "error: invalid config: sources.cam.table: table must be 'database.table' in lowercase "
        "[a-z0-9_], got 'Raw.Cam'"
    ) in result.stderr
    assert f"where: {path}" in result.stderr
    assert "Value error" not in result.stderr


def test_bad_choice_in_the_config_echoes_the_value(tmp_path: Path) -> None:
    path = config(tmp_path, "landing: /data\nsources:\n  cam: {table: raw.cam, format: xml}\n")
    result = invoke("run", "--config", str(path))
    assert result.exit_code == 2
    assert "sources.cam.format: Input should be 'json', 'csv', 'gpmf' or 'ulog', got 'xml'" in result.stderr


def test_unset_variable_in_landing_is_named_before_spark_starts(tmp_path: Path) -> None:
    path = config(tmp_path, "landing: ${DAP_LANDING}\nsources:\n  cam: {table: raw.cam, format: json}\n")
    result = invoke("run", "--config", str(path))
    assert result.exit_code == 2
    assert "error: environment variable DAP_LANDING is not set; landing is '${DAP_LANDING}'" in result.stderr
    assert f"where: {path}, landing" in result.stderr
    assert "export DAP_LANDING=" in result.stderr and "--landing" in result.stderr


def test_unset_variable_in_a_source_path_names_the_setting(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "landing: /data\nsources:\n  cam: {path: '$CAMERA_DIR/in', table: raw.cam, format: json}\n",
    )
    result = invoke("plan", "--config", str(path))
    assert result.exit_code == 2
    assert "environment variable CAMERA_DIR is not set; sources.cam.path is '$CAMERA_DIR/in'" in result.stderr
    assert f"where: {path}, sources.cam.path" in result.stderr


def test_missing_config_with_brackets_in_its_name_is_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "ingest[prod].yml"
    result = invoke("run", "--config", str(path))
    assert result.exit_code == 2
    assert f"error: config file not found: {path}" in result.stderr


def test_adhoc_load_with_a_bad_table_names_the_option(tmp_path: Path) -> None:
    result = invoke("load", str(tmp_path), "--table", "Raw.X")
    assert result.exit_code == 2
    assert (
        "error: invalid arguments: --table: table must be 'database.table' in lowercase [a-z0-9_], "
        "got 'Raw.X'"
    ) in result.stderr


def test_plan_with_paths_and_no_table_says_what_to_add(tmp_path: Path) -> None:
    result = invoke("plan", str(tmp_path))
    assert result.exit_code == 2
    assert "error: --table DB.TABLE is required with file paths" in result.stderr
    assert "what to do: e.g. --table raw.my_events" in result.stderr


def test_plan_reads_the_config_named_by_dap_config_as_run_does(tmp_path: Path) -> None:
    path = tmp_path / "from-env.yml"
    for command in ("run", "plan"):
        result = invoke(command, env={"DAP_CONFIG": str(path)})
        assert result.exit_code == 2
        assert f"error: config file not found: {path}" in result.stderr


def test_plan_with_paths_reads_no_config_even_with_dap_config_set(tmp_path: Path) -> None:
    result = invoke("plan", str(tmp_path), env={"DAP_CONFIG": str(tmp_path / "missing.yml")})
    assert result.exit_code == 2
    assert "error: --table DB.TABLE is required with file paths" in result.stderr


def test_plan_refuses_an_option_it_would_ignore(tmp_path: Path) -> None:
    """``-s`` with PATHS, or ``--format``/``--table`` without them, were ignored: the plan shown
    was not the one asked for."""
    cases = [
        (
            ("plan", str(tmp_path), "--table", "raw.x", "-s", "ev"),
            "--source and --landing select from a config",
        ),
        (
            ("plan", "--format", "csv"),
            "--table, --format and --set describe ad-hoc PATHS, and no PATHS were given",
        ),
        (("plan", "--table", "raw.x"), "--table, --format and --set describe ad-hoc PATHS"),
        (("plan", "--set", "csv.delimiter=;"), "--table, --format and --set describe ad-hoc PATHS"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2, args
        assert f"error: {message}" in result.stderr, args


def test_load_and_plan_name_a_bad_set_option_before_spark_starts(tmp_path: Path) -> None:
    """``--set`` takes a config source block's settings; a misspelt or refused one is named by
    the option that gave it, with the value, as a config file's would be by its setting."""
    (tmp_path / "a.csv").write_text("a;b\n1;2\n")
    cases = [
        (
            ["--set", "csv.delimitr=;"],
            "error: invalid arguments: --set csv.delimitr: Extra inputs are not permitted",
        ),
        (
            ["--set", "csv.delimiter=;;"],
            "error: invalid arguments: --set csv.delimiter: must be exactly one character other than a "
            "line break (e.g. ',', ';', '|' or a tab, written \"\\t\"), got ';;'",
        ),
        (
            ["--set", "csv.header=no_header"],
            "--set csv.header: Input should be 'auto', 'first_line' or 'none'",
        ),
        (["--set", "pull.kind=ftp"], "error: --set pull.kind: not a setting of an ad-hoc source"),
        (["--set", "partition"], "error: --set 'partition': expected KEY=VALUE"),
        (
            ["--set", "types.amount=decimal(12,2)", "--set", "types.amount=int"],
            "--set types.amount: given twice",
        ),
        (
            ["--set", "types.amount=decimal(99,2)"],
            "error: invalid arguments: --set types.amount: invalid type 'decimal(99,2)'",
        ),
        (
            ["--set", "csv.null_values=NA"],
            "error: invalid arguments: --set csv.null_values: must be a list, written [a, b] (one value: [a]), "
            "got 'NA'",
        ),
        (
            ["--set", "partition.format=epoch_ms"],
            "error: invalid arguments: --set partition: format epoch_ms",
        ),
        # a rule between settings and the format: its error has no location
        (
            ["--format", "ulog", "--set", "schema_policy=discard_row"],
            "error: invalid arguments: --set: schema_policy discard_row is not supported for format ulog",
        ),
        (
            ["--format", "json", "--set", "csv.delimiter=;"],
            "error: --set csv.*: settings of --format csv, and",
        ),
    ]
    for command in ("load", "plan"):
        for options, message in cases:
            result = invoke(command, str(tmp_path / "a.csv"), "--table", "raw.x", "--format", "csv", *options)
            assert result.exit_code == 2, (command, options, result.stderr)
            assert message in result.stderr, (command, options)
            assert "Traceback" not in result.stderr


def test_load_of_a_glob_that_matches_no_file_exits_3_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "2026-05-01").mkdir()
    (tmp_path / "2026-05-01" / "a.json").write_text("{}\n")
    result = invoke("load", str(tmp_path / "*.nomatch"), "--table", "raw.x")
    assert result.exit_code == 3
    assert f"error: no file matches {tmp_path}/*.nomatch" in result.stderr
    assert "quote it so that ingest, not the shell, expands it" in result.stderr
    only_dirs = invoke("load", str(tmp_path / "2026-*"), "--table", "raw.x")
    assert only_dirs.exit_code == 3
    assert "(it matches only directories)" in only_dirs.stderr
    assert f"name a directory's files with '{tmp_path}/2026-*/**'" in only_dirs.stderr


def test_load_of_a_path_that_does_not_exist_exits_3_before_spark_starts(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{}\n")
    missing = tmp_path / "missing.jsonl"
    result = invoke("load", str(tmp_path / "a.jsonl"), str(missing), "--table", "raw.x")
    assert result.exit_code == 3
    assert f"error: landing path does not exist: {missing}" in result.stderr
    assert "check the path" in result.stderr
    # A path discovery takes is not refused here ("dir/file.json/" names that file, as Path reads it).
    require_local_matches([f"{tmp_path / 'a.jsonl'}/", f"{tmp_path}/./a.jsonl", str(tmp_path)])


def test_unknown_format_is_rejected_by_the_option_with_the_choices(tmp_path: Path) -> None:
    result = invoke("load", str(tmp_path), "--table", "raw.x", "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'json', 'csv', 'gpmf', 'ulog'." in result.stderr
    assert "Value error" not in result.stderr


def test_option_range_error_has_no_library_prefix(tmp_path: Path) -> None:
    result = invoke("generate", "--landing", str(tmp_path), "--days", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--days': Input should be greater than or equal to 1" in result.stderr
    assert "Value error" not in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("scale", ["0", "-1", "nan", "inf"])
def test_generate_with_a_scale_that_is_not_a_positive_number_names_the_option(
    tmp_path: Path, scale: str
) -> None:
    result = invoke("generate", "--landing", str(tmp_path), "--scale", scale)
    assert result.exit_code == 2
    assert f"error: --scale: must be a finite number > 0, got {float(scale)!r}" in result.stderr
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("source", ["nosuch", "gopro"])
def test_generate_remote_takes_only_the_line_sources(tmp_path: Path, source: str) -> None:
    result = invoke("generate", "--landing", str(tmp_path / "landing"), "--remote", f"{source}={tmp_path}/r")
    assert result.exit_code == 2
    assert (
        f"error: --remote: SOURCE must be one of camera, drone, app, shop, crm, got '{source}'"
        in result.stderr
    )
    assert "what to do: the binary logs (gopro, px4) always land under --landing" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("DAP_SHUFFLE_PARTITIONS", "four", "allowed: a whole number from 1 to 100000 (default 4)"),
        ("DAP_SHUFFLE_PARTITIONS", "0", "allowed: a whole number from 1 to 100000 (default 4)"),
        # Past Spark's 32-bit count: Spark's own error would be a Java stack trace.
        (
            "DAP_SHUFFLE_PARTITIONS",
            "99999999999999999999",
            "allowed: a whole number from 1 to 100000 (default 4)",
        ),
        ("DAP_PROFILE", "x", "allowed: 'local' or 'platform' (default 'local')"),
        (
            "DAP_DRIVER_MEMORY",
            "4gb",
            "allowed: a number with a unit k, m, g or t, e.g. 512m or 4g (default 3g)",
        ),
        (
            "DAP_SPARK_MASTER",
            "locale[2]",
            "allowed: local, local[N], local[*], spark://HOST:PORT, yarn, k8s://URL (default local[2]; "
            "DAP_PROFILE=platform: the local platform's cluster)",
        ),
    ],
)
def test_bad_environment_value_names_the_variable_and_the_allowed_values(
    name: str, value: str, allowed: str
) -> None:
    result = ingest_process("status", env={name: value})
    assert result.returncode == 2, result.stderr
    assert f"error: environment variable {name}={value!r} is not valid; {allowed}" in result.stderr
    assert f"where: environment variable {name}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("kind", ["a file", "under /proc"])
def test_a_state_dir_that_cannot_be_made_is_named_before_spark_starts(tmp_path: Path, kind: str) -> None:
    state = tmp_path / "state" if kind == "a file" else Path("/proc/no-state-here")
    if kind == "a file":
        state.write_text("not a directory")
    result = ingest_process("status", env={"DAP_STATE_DIR": str(state)})
    assert result.returncode == 2, result.stderr
    why = "a file is in the way" if kind == "a file" else "No such file or directory"
    assert f"error: cannot create the directory {state}: {why}" in result.stderr
    assert f"where: the state dir (--state-dir or DAP_STATE_DIR): {state}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_broker_commands_name_a_state_dir_that_is_a_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text("not a directory")
    env = {"DAP_STATE_DIR": str(state), "DAP_KAFKA_PORT": "9", "DAP_KAFKA_CONTROLLER_PORT": "9"}  # closed
    start = ingest_process("broker", "start", env=env)
    assert start.returncode == 2, start.stderr
    assert f"error: cannot create the directory {state / 'kafka'}: a file is in the way" in start.stderr
    assert f"where: the state dir (--state-dir or DAP_STATE_DIR): {state}" in start.stderr
    stop = ingest_process("broker", "stop", env=env)  # no broker can run there: nothing to stop
    assert stop.returncode == 0, stop.stderr
    assert stop.stdout.strip() == "Kafka broker was not running"
    for result in (start, stop):
        assert "Traceback" not in result.stderr


def test_bad_environment_value_is_reported_before_the_config_is_read(tmp_path: Path) -> None:
    result = invoke("run", "--config", str(tmp_path / "missing.yml"), env={"DAP_SHUFFLE_PARTITIONS": "four"})
    assert result.exit_code == 2
    assert "DAP_SHUFFLE_PARTITIONS='four'" in result.stderr
    assert "config file not found" not in result.stderr


def _source(**fields: object) -> SimpleNamespace:
    """A source's report as the CLI reads it (duck-typed: the summary needs no Spark)."""
    files = [SimpleNamespace(file="/landing/[eu]/a.json", rows_read=2, rows_written=1, rows_quarantined=1)]
    base: dict[str, object] = dict(
        source="cam",
        table="raw.cam",
        status="ingested",
        error=None,
        files=files,
        rows_read=2,
        rows_written=1,
        rows_quarantined=1,
        rows_rescued=0,
        event_times_unread=None,
        columns_added=[],
        columns_widened=[],
        values_discarded={},
        tables_created={},
        skipped_changed=[],
        waiting=[],
        skipped_concurrent=[],
        ddl=[],
    )
    return SimpleNamespace(**{**base, **fields})


def test_run_summary_prints_data_with_brackets_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    report = SimpleNamespace(
        run_id="r1",
        dry_run=False,
        recovered={},
        sources=[
            _source(columns_added=["tags[0]", "payload.x"], skipped_changed=["/landing/[eu]/b.json"]),
            _source(source="app", table="raw.app", status="failed", error="cannot read /landing/[us]/c.json"),
        ],
    )
    cli._print_report(report)  # type: ignore[arg-type]
    out, err = capsys.readouterr()
    assert "raw.cam: added tags[0], payload.x" in out
    assert "failed: cannot read /landing/[us]/c.json" in " ".join(out.split())  # the table may wrap it
    assert "warning: /landing/[eu]/b.json changed after it was ingested; not ingested again" in err


def test_first_run_summary_says_created_with_a_column_count_not_every_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    columns = [f"c{i}" for i in range(65)]
    report = SimpleNamespace(
        run_id="r1",
        dry_run=False,
        sources=[
            _source(
                table="raw.app",
                columns_added=[*columns, "raw.app__tags.value"],
                tables_created={"raw.app": 65, "raw.app__tags": 1},
            ),
            _source(source="shop", table="raw.shop", columns_added=["discount_code"]),
        ],
    )
    cli._print_report(report)  # type: ignore[arg-type]
    out, _err = capsys.readouterr()
    assert "created raw.app (65 columns)" in out
    assert "created raw.app__tags (1 columns)" in out
    assert "raw.app: added" not in out  # the 65 columns are not listed one by one
    assert "c64" not in out
    assert "raw.shop: added discount_code" in out  # a later run still lists what it added


def test_summary_says_how_many_records_were_quarantined_and_rescued_and_how_to_see_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = SimpleNamespace(
        run_id="20261130T120000Z-abc123",
        dry_run=False,
        sources=[
            _source(rows_quarantined=1, rows_rescued=2),
            _source(source="shop", table="raw.shop", rows_quarantined=3, rows_rescued=0),
        ],
    )
    cli._print_report(report)  # type: ignore[arg-type]
    out, _err = capsys.readouterr()
    lines = out.splitlines()
    assert (
        "4 record(s) quarantined (unreadable, or refused by schema_policy discard_row; kept verbatim "
        "with the reason); to see them:"
    ) in lines
    assert (
        "  select table_name, file_uri, line, reason, raw from ingest_meta.quarantine"
        " where run_id = '20261130T120000Z-abc123'"
    ) in lines
    assert (
        "2 record(s) in raw.cam with rescued values (did not fit their column's type, a new path "
        "schema_policy kept out of the columns, earlier values of a key written twice, or half a "
        "surrogate pair; kept as JSON in _rescued_data); to see them:"
    ) in lines
    assert (
        "  select _source_file, _source_line, _rescued_data from raw.cam"
        " where _ingest_run_id = '20261130T120000Z-abc123' and exists(map_keys(from_json(_rescued_data,"
        " 'map<string, string>')), key -> key not like 'empty:%')"
    ) in lines
    assert "raw.shop with rescued values" not in out


def test_summary_lists_widened_columns_and_discarded_values(capsys: pytest.CaptureFixture[str]) -> None:
    source = _source(
        rows_quarantined=0,
        columns_widened=["raw.cam.n: int -> bigint"],
        values_discarded={"raw.cam": {"debug.trace": 3, "tmp": 1}},
    )
    cli._print_report(SimpleNamespace(run_id="r1", dry_run=False, sources=[source]))  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "widened raw.cam.n: int -> bigint (lossless, metadata only)" in out
    assert (
        "raw.cam: schema_policy discard_value kept 4 value(s) of new path(s) out of the columns, in "
        "_rescued_data under 'discarded:<path>': debug.trace (3), tmp (1)"
    ) in out


def test_summary_of_a_clean_run_has_no_quarantine_or_rescue_hints(capsys: pytest.CaptureFixture[str]) -> None:
    report = SimpleNamespace(
        run_id="r1", dry_run=False, sources=[_source(rows_quarantined=0, files=[], rows_read=0)]
    )
    cli._print_report(report)  # type: ignore[arg-type]
    out, _err = capsys.readouterr()
    assert "quarantined (" not in out
    assert "rescued values" not in out


def test_status_tables_print_data_with_brackets_verbatim() -> None:
    from rich.console import Console

    from ingest.status import render_status

    console = Console(file=io.StringIO(), width=200)
    render_status(
        console,
        {
            "tables": [{"table_name": "raw.cam", "last_file": "/landing/[eu]/a.json"}],
            "runs": [],
            "schema_changes": [],
            "quarantined_records": 0,
        },
    )
    assert "/landing/[eu]/a.json" in console.file.getvalue()  # type: ignore[attr-defined]


def test_compact_with_a_bad_table_name_fails_before_spark_starts() -> None:
    result = invoke("compact", "--table", "Raw.Cam")
    assert result.exit_code == 2
    assert (
        "error: --table: table must be 'database.table' in lowercase [a-z0-9_], got 'Raw.Cam'"
        in result.stderr
    )
    assert "what to do: e.g. --table raw.camera_events" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000000000d", "error: --expire-older-than: '1000000000d' is longer than 36500d (100 years)"),
        ("99999999d", "error: --expire-older-than: '99999999d' is longer than 36500d (100 years)"),
        ("36501d", "error: --expire-older-than: '36501d' is longer than 36500d (100 years)"),
        ("\u00b2d", "error: --expire-older-than: invalid duration '\u00b2d'"),  # '²'.isdigit() is True
        ("\u0667d", "error: --expire-older-than: invalid duration '\u0667d'"),  # Arabic-Indic 7
        ("7 d", "error: --expire-older-than: invalid duration '7 d'"),
        ("7w", "error: --expire-older-than: invalid duration '7w'"),
        ("1" * 5000 + "d", "error: --expire-older-than: invalid duration '1111"),  # int() refuses 4300+
    ],
)
def test_compact_checks_the_whole_retention_before_spark_starts(value: str, message: str) -> None:
    result = invoke("compact", "--table", "raw.cam", "--expire-older-than", value)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "what to do: " in result.stderr
    assert "Traceback" not in result.output


def test_compact_retention_at_the_bound_is_accepted() -> None:
    assert cli._duration("36500d").days == 36500
    assert cli._duration("12h").total_seconds() == 12 * 3600
    assert cli._duration("30m").total_seconds() == 30 * 60


@pytest.mark.parametrize("seconds", ["inf", "1e16", "86401"])
def test_a_trigger_interval_spark_cannot_take_is_refused_before_spark_starts(seconds: str) -> None:
    """Spark parses the trigger as an interval: ``inf seconds`` or ``1e+16 seconds`` failed after
    its start, with a traceback; at most a day is taken."""
    result = invoke("stream", "--trigger-seconds", seconds)
    assert result.exit_code == 2, result.output
    assert "--trigger-seconds" in result.stderr and "86400" in result.stderr

"""What a user sees when ``python -m ingest.dbt_console`` or ``python -m ingest.dbt_docs`` is given
something wrong: one paragraph (what, where, what to do), exit 2, never a traceback.

Each test runs the real module in a fresh process, as ``make run`` does. No Spark JVM can start:
``SPARK_HOME`` points at a ``spark-submit`` that fails as a JVM with a bad ``-Xmx`` does (pyspark
starts its JVM through that script), and the class archive is off (no ``java -version``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAILING_SPARK_SUBMIT = """#!/bin/sh
echo "Error occurred during initialization of VM" >&2
echo "Too small maximum heap" >&2
exit 1
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A hermetic environment: no inherited DAP_* or DBT_* value, dbt's files under tmp_path."""
    spark_home = tmp_path / "spark"
    (spark_home / "bin").mkdir(parents=True)
    spark_submit = spark_home / "bin" / "spark-submit"
    spark_submit.write_text(FAILING_SPARK_SUBMIT)
    spark_submit.chmod(0o755)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DAP_", "DBT_"))}
    return {
        **inherited,
        "DBT_PROFILES_DIR": str(ROOT / "profiles"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DAP_STATE_DIR": str(tmp_path / "state"),
        "DAP_CLASS_ARCHIVE": "0",
        "SPARK_HOME": str(spark_home),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


def run(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_paragraph(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 2, every expected text on stderr, the house's error format, no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    assert result.stderr.startswith("error: "), output
    for text in expected:
        assert text in result.stderr, output


def test_unknown_dbt_command_is_dbts_own_message(env: dict[str, str]) -> None:
    result = run("ingest.dbt_console", "buidl", env=env)
    assert_one_paragraph(
        result,
        "No such command 'buidl'.",
        "where: the command line: python -m ingest.dbt_console buidl",
        "`dbt --help` lists the commands",
    )
    assert "nothing to do" not in result.stdout


def test_missing_project_dir_is_dbts_own_message(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-project"
    result = run("ingest.dbt_console", "build", "--project-dir", str(missing), env=env)
    assert_one_paragraph(result, f"Path '{missing}' does not exist.", f"--project-dir {missing}")
    assert "nothing to do" not in result.stdout


def test_dbt_threads_not_a_number_stops_before_dbt(env: dict[str, str]) -> None:
    result = run("ingest.dbt_console", "build", "--target", "local", env={**env, "DBT_THREADS": "abc"})
    assert_one_paragraph(
        result,
        "environment variable DBT_THREADS='abc' is not valid; allowed: a whole number >= 1 (default 2)",
        "where: environment variable DBT_THREADS",
        "what to do: set DBT_THREADS to one of the allowed values, or unset it",
    )
    assert "dbt build" not in result.stdout  # dbt did not start


def test_bad_dap_setting_stops_before_dbt(env: dict[str, str]) -> None:
    result = run("ingest.dbt_console", "build", "--target", "local", env={**env, "DAP_DRIVER_MEMORY": "3"})
    # the message `ingest` prints for the same setting (ingest.settings)
    assert_one_paragraph(
        result,
        "environment variable DAP_DRIVER_MEMORY='3' is not valid; allowed: a number with a unit",
        "where: environment variable DAP_DRIVER_MEMORY",
        "what to do: set DAP_DRIVER_MEMORY to one of the allowed values",
    )
    assert "Too small maximum heap" not in result.stderr  # no JVM was asked to start
    assert "dbt build" not in result.stdout


def test_dbt_docs_target_without_a_value(env: dict[str, str]) -> None:
    result = run("ingest.dbt_docs", "--target", env=env)
    assert_one_paragraph(
        result,
        "option --target needs a value",
        "where: the command line: python -m ingest.dbt_docs --target",
        "usage: python -m ingest.dbt_docs [--target NAME]",
    )

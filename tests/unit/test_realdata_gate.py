"""Tests that need the shared real data skip without it, except under CI=true, where they fail
with a message that names what is missing; checked before any fixture, so Spark never starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

TESTS = ["tests/unit/test_csv_sniff.py", "tests/spark/test_realdata.py"]


def run_pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(DAP_REALDATA_DIR=str(tmp_path / "no-realdata"), JAVA_HOME="/nonexistent")  # no JVM
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", *TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_ci_missing_real_data_skips(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, ci=None)
    assert result.returncode == 0, result.stdout
    assert f"real data not present: {tmp_path / 'no-realdata'}" in result.stdout
    assert " error" not in result.stdout and " failed" not in result.stdout


def test_with_ci_true_missing_real_data_fails_with_what_is_missing(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout
    message = "CI=true, so a test that needs real data fails instead of skipping; missing: "
    csvkit = tmp_path / "no-realdata" / "csvkit-examples" / "examples" / "realdata"
    assert (
        f"test_csv_sniff.py::test_csvkit_fy09_trailing_comma_header - Failed: {message}{csvkit}"
        in result.stdout
    )
    assert (
        "test_realdata.py::test_github_events_land_as_100_rows_with_their_keys_as_columns - "
        f"Failed: {message}{tmp_path / 'no-realdata'}"
    ) in result.stdout
    assert " errors in " in result.stdout and "skipped" not in result.stdout

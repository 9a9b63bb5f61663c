"""Commit locks taken by several threads of one process (``ingest stream`` commits one
micro-batch per source, each on its own thread), against a real Hive metastore service."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli_env
from tests.spark import metastore_service_locks as probe

pytestmark = [pytest.mark.spark]


def _in_own_network(args: list[str]) -> list[str]:
    """``args`` in a network namespace with only a loopback interface (see the probe's docstring)."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.fail("needs unshare and ip (util-linux, iproute2) to isolate the metastore server")
    script = 'ip link set lo up && exec "$@"'
    return ["unshare", "--net", "sh", "-c", script, "sh", *args]


def test_threads_share_the_lock_client_against_a_metastore_service(tmp_path: Path) -> None:
    result = subprocess.run(
        _in_own_network([sys.executable, "-m", "tests.spark.metastore_service_locks", str(tmp_path)]),
        cwd=ROOT,
        env=cli_env(tmp_path / "state"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = (
        (tmp_path / "metastore.log").read_text(errors="replace")[-2000:]
        if (tmp_path / "metastore.log").exists()
        else ""
    )
    assert result.returncode == 0, (result.stderr[-3000:], log)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["hung"] == [], outcome  # an unsynchronized client hangs here, every time
    assert outcome["errors"] == [], outcome
    expected = {f"own-{i}": probe.CYCLES for i in range(probe.THREADS)}
    expected |= {f"shared-{i}": probe.SHARED_CYCLES for i in range(probe.SHARED_THREADS)}
    assert outcome["done"] == expected
    assert outcome["shared_overlaps"] == 0  # one holder at a time, threads of one process included

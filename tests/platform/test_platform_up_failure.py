"""`up` that fails part way leaves nothing running: every service it started is stopped again.

A platform of its own (state in ``.state/platform-upfail``, ports apart from the shared test
platform's), whose last service (the Thrift Server) cannot start because another process holds its
port: PostgreSQL, SeaweedFS, the Spark master and both workers were started and must be stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.platform.conftest import CALLER_SETTINGS, CTL, PORT_SHIFT, ROOT, SECRET_NAMES, platform_env

pytestmark = [pytest.mark.platform, pytest.mark.slow]
FAIL_DIR = ROOT / ".state" / "platform-upfail"


def processes_using(directory: Path) -> list[str]:
    """Processes whose command line names ``directory`` or whose working directory is inside it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if str(directory) in cmdline or Path(cwd).is_relative_to(directory):
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def test_a_failed_up_stops_every_service_it_started() -> None:
    env = {**os.environ, **platform_env(FAIL_DIR, PORT_SHIFT + 20)}
    for name in (*SECRET_NAMES, *CALLER_SETTINGS):
        env.pop(name, None)

    def ctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CTL, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )

    ctl("down")
    shutil.rmtree(FAIL_DIR, ignore_errors=True)
    thrift_port = int(env["DAP_THRIFT_PORT"])
    with socket.socket() as squatter:  # another program holds the Thrift Server's port
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", thrift_port))
        squatter.listen()
        failed = ctl("up")
    try:
        assert failed.returncode == 5, failed.stderr[-3000:]
        assert f"port {thrift_port} is taken by another process" in failed.stderr
        before_thrift = ["postgres", "seaweedfs", "spark-master", "spark-worker-1", "spark-worker-2"]
        started = [name for name in before_thrift if f" {name} is up " in failed.stderr]
        assert started == before_thrift, failed.stderr[-3000:]
        for name in started:
            assert f" {name} is stopped" in failed.stderr
        status = json.loads(ctl("status", "--json").stdout)
        assert not any(item["running"] for item in status.values()), status
        assert processes_using(FAIL_DIR) == []
        ui = int(env["DAP_SPARK_UI_PORT"])
        for port in (
            int(env["DAP_PG_PORT"]),
            int(env["DAP_S3_PORT"]),
            int(env["DAP_SPARK_MASTER_PORT"]),
            ui,
            ui + 1,
            ui + 2,
        ):
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still listening"
    finally:
        ctl("down")
    shutil.rmtree(FAIL_DIR, ignore_errors=True)

"""The process plumbing the Kafka broker and the platform's services share (ingest.services.process),
on a plain ``python`` child: found by pid file and marker, stopped (SIGKILL when it ignores
SIGTERM), and its failures as ServiceErrors with exit code 5."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from ingest.errors import ServiceError
from ingest.services.process import pid_alive, port_open, read_pid, spawn, stop_pid, tail, wait_until

STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"


def test_a_spawned_service_is_found_by_its_pid_file_and_marker_and_stopped(tmp_path: Path) -> None:
    log_file, pid_file = tmp_path / "logs" / "svc.log", tmp_path / "svc.pid"
    process = spawn(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)", "dap-test-marker"],
        log_file=log_file,
        pid_file=pid_file,
        cwd=tmp_path,
    )
    try:
        assert pid_file.read_text() == f"{process.pid}\n"
        wait_until(lambda: tail(log_file) == "up", 30, "the test service", log_file)
        assert read_pid(pid_file, "dap-test-marker") == process.pid
        assert read_pid(pid_file, "another-service") is None  # a recycled pid is not ours
        stop_pid(process.pid, timeout=10, name="the test service")
        process.wait(5)
        assert not pid_alive(process.pid)
        assert read_pid(pid_file, "dap-test-marker") is None
    finally:
        process.kill()
        process.wait()


def test_a_service_that_ignores_sigterm_is_killed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log_file = tmp_path / "svc.log"
    process = spawn(
        [sys.executable, "-c", STUBBORN], log_file=log_file, pid_file=tmp_path / "p", cwd=tmp_path
    )
    try:
        wait_until(lambda: tail(log_file) == "up", 30, "the test service", log_file)
        started = time.monotonic()
        stop_pid(process.pid, timeout=0.5, sig=signal.SIGTERM, name="the test service")
        assert time.monotonic() - started < 10
        assert process.wait(5) == -signal.SIGKILL
        assert f"the test service (pid {process.pid}) did not stop within 0s: SIGKILL" in caplog.text
    finally:
        process.kill()
        process.wait()


def test_a_service_that_exits_while_starting_names_its_log(tmp_path: Path) -> None:
    log_file = tmp_path / "svc.log"
    process = spawn(
        [sys.executable, "-c", "print('no config'); raise SystemExit(3)"],
        log_file=log_file,
        pid_file=tmp_path / "p",
        cwd=tmp_path,
    )
    with pytest.raises(ServiceError) as info:
        wait_until(lambda: False, 30, "the test service", log_file, alive=lambda: process.poll() is None)
    assert info.value.exit_code == 5
    assert info.value.what == "the test service: the process exited"
    assert info.value.where == str(log_file)
    assert info.value.hint == "see the log:\nno config"


def test_port_open_and_platform_errors_are_service_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_open(port)
    assert not port_open(port)
    from tests.conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "platform"))
    from dap_platform.proc import PlatformError

    assert issubclass(PlatformError, ServiceError) and PlatformError("x").exit_code == 5

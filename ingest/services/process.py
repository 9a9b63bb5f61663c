"""Process plumbing of local services: detached processes with pid files, liveness, loopback port
probes, health polling and a stop that escalates to SIGKILL.

A service runs in its own session (``start_new_session``), so its pid is also its process
group's id and a stop reaches every process it started (a Spark worker's executors, a JVM's
children). A pid file alone is not trusted: ``read_pid`` also wants the process alive and its
command line to contain a marker (a recycled pid belongs to someone else). Failures are
``ServiceError`` (exit 5) naming the service and, where there is one, its log.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ingest.errors import ServiceError

log = logging.getLogger(__name__)


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log ("" if it cannot be read): quoted in error hints."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """Does something accept TCP connections on ``host:port``?"""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """Is ``pid`` a running process (a zombie is not)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in ``pid_file`` if that process is alive and its command line contains ``marker``."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if marker in cmdline and pid_alive(pid) else None


def spawn(
    cmd: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` detached (own session, stdin closed, output appended to ``log_file``) and write
    its pid. ``env``: the child's whole environment (default this process's)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n")
    return process


def stop_pid(pid: int, timeout: float = 30.0, sig: int = signal.SIGTERM, name: str = "process") -> None:
    """Signal the process group of ``pid`` (a service leader), wait up to ``timeout`` seconds for it
    to exit (10 for SIGKILL), then SIGKILL it and wait 10 more; a ``ServiceError`` if it is still
    there."""
    for current in (sig, signal.SIGKILL):
        try:
            os.killpg(pid, current)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, current)
        wait = timeout if current != signal.SIGKILL else 10.0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.1)
        if current == signal.SIGKILL:
            break
        log.warning("%s (pid %d) did not stop within %.0fs: SIGKILL", name, pid, wait)
    raise ServiceError(f"{name} (pid {pid}) did not stop", hint=f"kill it by hand: kill -9 {pid}")


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    log_file: Path | None = None,
    alive: Callable[[], bool] | None = None,
) -> float:
    """Poll ``check`` until true; returns seconds waited. Fails early when ``alive`` turns false."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception as error:  # noqa: BLE001 - a probe failing is "not yet"
            log.debug("%s: not yet (%s)", what, error)
        if alive is not None and not alive():
            raise ServiceError(
                f"{what}: the process exited",
                where=str(log_file or ""),
                hint=f"see the log:\n{tail(log_file) if log_file else ''}",
            )
        if time.monotonic() - start > timeout:
            raise ServiceError(
                f"{what}: not healthy after {timeout:.0f}s",
                where=str(log_file or ""),
                hint=f"see the log:\n{tail(log_file) if log_file else ''}",
            )
        time.sleep(0.5)

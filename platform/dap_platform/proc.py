"""Process plumbing: detached services with pid files, health polling, loopback port checks."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ingest.errors import IngestError

log = logging.getLogger(__name__)


class PlatformError(IngestError):
    """A platform service could not be installed, started, stopped or reached."""

    exit_code = 5


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


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
            raise PlatformError(
                f"{what}: the process exited",
                where=str(log_file or ""),
                hint=f"see the log:\n{tail(log_file) if log_file else ''}",
            )
        if time.monotonic() - start > timeout:
            raise PlatformError(
                f"{what}: not healthy after {timeout:.0f}s",
                where=str(log_file or ""),
                hint=f"see the log:\n{tail(log_file) if log_file else ''}",
            )
        time.sleep(0.5)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
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


def spawn(cmd: Sequence[str], *, log_file: Path, pid_file: Path, env: Mapping[str, str], cwd: Path) -> int:
    """Start ``cmd`` detached (own session, stdin closed, output to ``log_file``); write its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n")
    return process.pid


def stop_pid(pid: int, timeout: float = 30.0, sig: int = signal.SIGTERM) -> None:
    """Signal the process group of ``pid`` (a service leader), wait, then SIGKILL what is left."""
    for target_sig in (sig, signal.SIGKILL):
        try:
            os.killpg(pid, target_sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, target_sig)
        deadline = time.monotonic() + (timeout if target_sig != signal.SIGKILL else 10)
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.2)
    raise PlatformError(f"process {pid} did not stop", hint=f"kill it by hand: kill -9 {pid}")


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    user: str | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, optionally as ``user`` (via runuser when we are root)."""
    argv = list(cmd)
    if user is not None and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv,
        input=input_text,
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        check=False,
    )
    if check and result.returncode != 0:
        raise PlatformError(
            f"command failed ({result.returncode}): {argv[0] if user is None else cmd[0]}",
            where=" ".join(str(a) for a in cmd[:3]),
            hint=(result.stderr or result.stdout)[-2000:],
        )
    return result

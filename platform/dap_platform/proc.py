"""The platform's error, and commands run to completion (as another user when we are root).

Detached services with pid files, health polling and loopback port checks are shared with the
Kafka broker: ``ingest.services.process``.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ingest.errors import ServiceError

log = logging.getLogger(__name__)


class PlatformError(ServiceError):
    """A platform service could not be installed, started, stopped or reached (exit 5)."""


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

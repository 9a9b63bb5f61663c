"""Test hook: ``DAP_FAULT=<point>`` kills the process (SIGKILL) when it reaches ``point``.

The fault-injection tests use it to prove the commit protocol at every step; inert otherwise.
"""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger(__name__)


class FaultPoint:
    def __init__(self, target: str | None) -> None:
        self.target = target

    def hit(self, point: str) -> None:
        if self.target == point:
            log.warning("fault injection: killing the process at %s", point)
            os.kill(os.getpid(), signal.SIGKILL)


def from_environment() -> FaultPoint:
    """The point ``DAP_FAULT`` names, for code the CLI's ``FaultPoint`` does not reach."""
    return FaultPoint(os.environ.get("DAP_FAULT"))

"""Small helpers the benchmark scripts share: a free loopback port and a percentile.

The scripts run as ``python bench/<name>.py`` (``bench/`` first on the path), and the unit tests
import them as ``bench.<name>``; each script puts ``bench/`` on the path before importing this.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0..1) of ``values``; NaN when there are none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

"""Run a dbt command with a console that fits on a screen: ``python -m ingest.dbt_console build ...``.

dbt prints two lines per node (241 nodes: about 500 lines for ``dbt build``). ``make run`` runs
dbt through this module instead: dbt itself runs with ``--quiet`` (errors and their details still
print), and dbt's own events (a callback of ``dbtRunner``) drive a progress line at every tenth of
the nodes, one line per warning, and a tally at the end. The full log stays in ``logs/dbt.log``.
The exit code is dbt's (0 success, 1 failure, 2 error).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from dbt.cli.main import dbtRunner

from ingest import class_archive


class Console:
    """Receives every dbt event; prints progress, warnings and the tally."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.total = 0
        self.done = 0
        self.shown = 0  # tenths of the nodes reported so far
        self.tally: Counter[tuple[str, str]] = Counter()
        self.started = time.monotonic()

    def on_event(self, event: Any) -> None:
        name = event.info.name
        if name == "LogStartLine":
            self.total = max(self.total, event.data.total)
        elif name == "NodeFinished":
            node = event.data.node_info
            self.done += 1
            self.tally[(node.resource_type, node.node_status)] += 1
            self._progress()
        if event.info.level == "warn":  # --quiet hides warnings; errors dbt prints itself
            print(f"  warning: {event.info.msg}", flush=True)

    def _progress(self) -> None:
        if not self.total:
            return
        tenth = self.done * 10 // self.total
        if tenth > self.shown:
            self.shown = tenth
            print(f"  dbt {self.command}: {self.done}/{self.total} nodes ({self._elapsed()})", flush=True)

    def _elapsed(self) -> str:
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 60}m{seconds % 60:02d}s"

    def summary(self, success: bool) -> str:
        parts = [
            f"{count} {kind} {status}"
            for (kind, status), count in sorted(self.tally.items())
            if kind != "exposure"
        ]
        outcome = "done" if success else "FAILED"
        return f"dbt {self.command} {outcome} in {self._elapsed()}: " + (", ".join(parts) or "nothing to do")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    words = [a for a in args if not a.startswith("-")]
    command = " ".join(words[:2] if words[:1] == ["source"] else words[:1]) or "dbt"
    console = Console(command)
    class_archive.export_for_dbt()
    print(f"dbt {' '.join(args)}", flush=True)
    result = dbtRunner(callbacks=[console.on_event]).invoke(["--quiet", *args])
    print(console.summary(result.success), flush=True)
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Run a dbt command with a console that fits on a screen: ``python -m ingest.dbt_console build ...``.

dbt prints two lines per node (241 nodes: about 500 lines for ``dbt build``). ``make run`` runs
dbt through this module instead: dbt itself runs with ``--quiet`` (errors and their details still
print), and dbt's own events (a callback of ``dbtRunner``) drive a progress line at every tenth of
the nodes, one line per warning, and a tally at the end. The full log stays in ``logs/dbt.log``.
The exit code is dbt's (0 success, 1 failure, 2 error).

A mistake is one paragraph on stderr (what, where, what to do; the ``ingest`` CLI's format), never
a traceback, with exit 2: an unknown dbt command or option (dbt's own message), a ``DAP_*`` setting
or ``DBT_THREADS`` that is not valid (checked before dbt starts), and any error that stops dbt,
such as a Spark JVM that does not start (its traceback stays in dbt's log, ``logs/dbt.log``).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from dbt.cli.main import dbtRunner

from ingest import class_archive
from ingest.errors import ConfigError, IngestError, print_error

# dbt's own report of the error that stopped it, and the traceback of one it did not expect: dbt
# prints them on stdout even with --quiet; ``main`` reports the error instead, as one paragraph.
# Both still go to dbt's log file.
_REPORTED_BY_MAIN = frozenset({"MainEncounteredError", "MainStackTrace"})
_WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*")


class Console:
    """Receives every dbt event; prints progress, warnings and the tally."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.total = 0
        self.done = 0
        self.shown = 0  # tenths of the nodes reported so far
        self.tally: Counter[tuple[str, str]] = Counter()
        self.started = time.monotonic()
        self.stopped_by = ""  # the message of dbt's MainEncounteredError, if it fired
        self._filtered = False

    def on_event(self, event: Any) -> None:
        name = event.info.name
        if not self._filtered:  # dbt set up its loggers just before its first event
            self._filtered = True
            _hide_from_stdout(_REPORTED_BY_MAIN)
        if name == "MainEncounteredError":
            self.stopped_by = str(event.data.exc)
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


class _SkipEvents:
    """A dbt logger filter that also drops the events named ``names``."""

    def __init__(self, inner: Any, names: frozenset[str]) -> None:
        self.inner = inner
        self.names = names

    def __call__(self, msg: Any) -> bool:
        return msg.info.name not in self.names and bool(self.inner(msg))


def _hide_from_stdout(names: frozenset[str]) -> None:
    """Keep dbt's console logger (not its log file) from printing the events named ``names``."""
    from dbt_common.events.event_manager_client import get_event_manager

    for logger in get_event_manager().loggers:
        if logger.name == "stdout_log" and not isinstance(logger.filter, _SkipEvents):
            logger.filter = _SkipEvents(logger.filter, names)


def check_threads(environ: Mapping[str, str]) -> None:
    """``DBT_THREADS`` (profiles.yml's ``threads``) must be a whole number >= 1 where it is set:
    the profile's ``| int`` turns anything else into 0, and dbt then stops with a traceback."""
    value = environ.get("DBT_THREADS")
    if value is None or (_WHOLE_NUMBER.fullmatch(value) and int(value) >= 1):
        return
    raise ConfigError(
        f"environment variable DBT_THREADS={value!r} is not valid; allowed: a whole number >= 1 (default 2)",
        where="environment variable DBT_THREADS (profiles/profiles.yml, threads)",
        hint="set DBT_THREADS to one of the allowed values, or unset it to use the default",
    )


def _log_file(args: list[str]) -> str:
    """Where dbt writes its log (and the traceback of an error it did not expect)."""
    log_path = os.environ.get("DBT_LOG_PATH", "logs")
    for i, arg in enumerate(args):
        if arg == "--log-path" and i + 1 < len(args):
            log_path = args[i + 1]
        elif arg.startswith("--log-path="):
            log_path = arg.partition("=")[2]
    return os.path.join(log_path, "dbt.log")


def dbt_error(
    command: str, args: list[str], exc: BaseException, program: str = "python -m ingest.dbt_console"
) -> IngestError:
    """What stopped ``dbt COMMAND`` (run as ``program args``), as one paragraph: dbt's own
    message, where, what to do. A usage error is a ``ConfigError``; the others keep dbt's exit
    code for an error (2)."""
    from dbt.cli.exceptions import DbtUsageException

    line = " ".join([program, *args])
    if isinstance(exc, DbtUsageException):
        return ConfigError(
            f"dbt: {exc}",
            where=f"the command line: {line}",
            hint="check the command and its options: `dbt --help` lists the commands, "
            "`dbt COMMAND --help` a command's options",
        )
    text = str(exc).strip() or type(exc).__name__
    log = _log_file(args)
    error_class = getattr(exc, "getErrorClass", lambda: None)()
    if error_class in ("JAVA_GATEWAY_EXITED", "JAVA_GATEWAY_CONNECTION_FAILED"):
        return IngestError(
            f"dbt {command} stopped: Spark's driver JVM did not start ({text})",
            where=f"the Spark session of the dbt target (profiles/profiles.yml); the JVM's own message "
            f"is above, the traceback in dbt's log: {log}",
            hint="fix what the JVM's message names (DAP_DRIVER_MEMORY, DAP_JVM_OPTIONS, JAVA_HOME), "
            "then run the command again",
        )
    kind = "" if type(exc).__module__.startswith("dbt") else f"{type(exc).__name__}: "
    return IngestError(
        f"dbt {command} stopped: {kind}{text}",
        where=f"{line} (dbt's log, with the details: {log})",
        hint="fix what the message names, then run the command again",
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    words = [a for a in args if not a.startswith("-")]
    command = " ".join(words[:2] if words[:1] == ["source"] else words[:1]) or "dbt"
    console = Console(command)
    try:  # settings first: a bad DAP_* value or DBT_THREADS stops here, before dbt and Spark start
        check_threads(os.environ)
        class_archive.export_for_dbt()
    except IngestError as exc:
        print_error(exc)
        return exc.exit_code
    print(f"dbt {' '.join(args)}", flush=True)
    try:
        result = dbtRunner(callbacks=[console.on_event]).invoke(["--quiet", *args])
    except Exception as exc:  # dbtRunner returns what it catches; this is the net under it
        print_error(dbt_error(command, args, exc))
        return 2
    exception = result.exception
    if isinstance(exception, KeyboardInterrupt):
        print(f"dbt {command} interrupted", file=sys.stderr, flush=True)
        return 130
    if exception is not None:
        if console.tally:  # the nodes that ran before it stopped
            print(console.summary(False), flush=True)
        print_error(dbt_error(command, args, exception))
        return 2
    if console.stopped_by:  # --fail-fast: dbt stopped at a failure and says which
        print(f"dbt {command} stopped: {console.stopped_by}", flush=True)
    print(console.summary(result.success), flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())

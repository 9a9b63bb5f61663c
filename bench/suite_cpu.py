"""Where a command's CPU goes, process by process: run it (e.g. ``make test``) and sample /proc.

Every ``--every`` seconds each process's CPU time (user + system, from ``/proc/PID/stat``) is
read, with its command line and the ``PYTEST_CURRENT_TEST`` it was started with (a process a
test starts inherits it, so a CLI run's JVM names its test). At the end the CPU is summed by
role (what the process is: a pytest worker, a CLI's Python, a Spark driver's JVM, the Thrift
Server, a Spark worker, an executor, PostgreSQL, Kafka...) and by test, then both tables are
printed. A process that lives less than one interval may be missed, and a process's last
interval before it exits is lost: the sums are a lower bound, close for long processes. A
session-scoped fixture that copies the environment once (the platform's, the e2e pipeline's)
passes its first test's name to every process it starts later: read those as the scope's.

    python bench/suite_cpu.py [--every 2] [--out cpu.jsonl] -- make test

The machine's total CPU over the run (``/proc/stat``) is printed too, so the share the table
explains is visible. Linux only; run it as the user who runs the command (or root) so /proc
shows every process's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Seen:
    pid: int
    ppid: int
    started: int  # clock ticks after boot: with the pid, tells a reused pid from the same process
    cpu: float  # seconds since the command started (a process older than it: since then)
    baseline: float  # CPU seconds it had already used when the command started
    comm: str  # the kernel's name for it: when it changes (an exec), the command line is read again
    cmdline: str
    test: str  # PYTEST_CURRENT_TEST at the process's start ("" if none)


def _read_stat(pid: int) -> tuple[str, int, int, float] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    ppid, utime, stime, started = int(fields[1]), int(fields[11]), int(fields[12]), int(fields[19])
    return comm, ppid, started, (utime + stime) / TICKS


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _first_seen(pid: int, comm: str, ppid: int, started: int, baseline: float) -> Seen:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        environ = []
    prefix = b"PYTEST_CURRENT_TEST="
    test = next((e[len(prefix) :].decode() for e in environ if e.startswith(prefix)), "")
    return Seen(pid, ppid, started, 0.0, baseline, comm, _cmdline(pid), test)


def _machine_cpu() -> float:
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(first) if i not in (3, 4))  # all but idle and iowait
    return busy / TICKS


def sample(command: list[str], every: float) -> tuple[list[Seen], float, float, int]:
    seen: dict[tuple[int, int], Seen] = {}
    machine_before, wall_before = _machine_cpu(), time.monotonic()
    child: subprocess.Popen[bytes] | None = None
    while True:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            stat = _read_stat(pid)
            if stat is None:
                continue
            comm, ppid, started, cpu = stat
            key = (pid, started)
            if key not in seen:  # before the command starts: a baseline; after: new, from 0
                seen[key] = _first_seen(pid, comm, ppid, started, cpu if child is None else 0.0)
            known = seen[key]
            known.cpu = cpu - known.baseline
            if comm != known.comm:
                known.comm, known.cmdline = comm, _cmdline(pid)
        if child is None:
            child = subprocess.Popen(command)
        elif child.poll() is not None:
            break
        time.sleep(every)
    return (
        list(seen.values()),
        _machine_cpu() - machine_before,
        time.monotonic() - wall_before,
        child.returncode,
    )


_ROLES = [
    ("Thrift Server (JVM)", r"HiveThriftServer2"),
    ("Spark master/worker (JVM)", r"deploy\.(master\.Master|worker\.Worker)"),
    ("Spark executor (JVM)", r"CoarseGrainedExecutorBackend"),
    ("Spark's launcher (JVM, before a driver)", r"org\.apache\.spark\.launcher\.Main"),
    ("Spark driver (JVM)", r"org\.apache\.spark\.deploy\.SparkSubmit"),
    ("Kafka broker (JVM)", r"kafka\.Kafka"),
    ("Hive metastore server (JVM)", r"HiveMetaStore"),
    ("other JVM", r"(^|/)java "),
    ("PostgreSQL", r"postgres"),
    ("SeaweedFS", r"weed"),
    ("dbt (Python)", r"(^|/)dbt |ingest\.dbt_console|ingest\.dbt_docs|-m dbt"),
    ("ingest CLI (Python)", r"-m ingest"),
    ("pytest worker (Python)", r"-m pytest|xdist|execnet|bin/pytest|sys\.stdin\.readline"),
    ("Chromium", r"chrom"),
    ("other Python", r"python"),
]


PYTEST_WORKER = "pytest worker (Python)"
WORKER_SESSION = "pytest worker's Spark session (JVM)"


def role(cmdline: str) -> str:
    return next((name for name, pattern in _ROLES if re.search(pattern, cmdline)), "other")


def _role_in_tree(process: Seen, by_pid: dict[int, Seen]) -> str:
    kind = role(process.cmdline)
    parent = by_pid.get(process.ppid)
    if kind == "Spark driver (JVM)" and parent is not None and role(parent.cmdline) == PYTEST_WORKER:
        return WORKER_SESSION
    return kind


def _test_of(process: Seen, by_pid: dict[int, Seen]) -> str:
    """The test a process belongs to: its own PYTEST_CURRENT_TEST, else its nearest ancestor's."""
    current: Seen | None = process
    for _ in range(50):
        if current is None:
            break
        if current.test:
            return re.sub(r" \((setup|call|teardown)\)$", "", current.test)
        current = by_pid.get(current.ppid)
    return "(no test)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=2.0, help="seconds between readings")
    parser.add_argument("--out", type=Path, help="write every process seen as JSON lines")
    parser.add_argument("--top", type=int, default=40, help="tests to list")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    processes, machine, wall, returncode = sample(args.command, args.every)
    me = os.getpid()
    processes = [p for p in processes if p.pid != me]
    by_pid = {p.pid: p for p in processes}
    if args.out:
        with args.out.open("w") as out:
            for p in processes:
                record = {**p.__dict__, "role": _role_in_tree(p, by_pid), "of_test": _test_of(p, by_pid)}
                out.write(json.dumps(record) + "\n")
    by_role: defaultdict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    by_test: defaultdict[str, float] = defaultdict(float)
    for p in processes:
        kind = _role_in_tree(p, by_pid)
        by_role[kind] += p.cpu
        count[kind] += 1
        # A pytest worker and its own Spark session serve every test it runs, one after another:
        # their CPU cannot be told apart by test from here.
        shared = kind in (PYTEST_WORKER, WORKER_SESSION)
        by_test[
            "(pytest workers and their in-process Spark sessions)" if shared else _test_of(p, by_pid)
        ] += p.cpu
    explained = sum(by_role.values())
    print(f"\nwall {wall:.0f} s; machine CPU {machine:.0f} s ({machine / wall:.2f} cores busy on average)")
    print(f"sampled processes: {len(processes)}, {explained:.0f} s of CPU\n")
    print(f"{'CPU s':>8} {'procs':>6}  role")
    for name, seconds in sorted(by_role.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.0f} {count[name]:6d}  {name}")
    print(f"\n{'CPU s':>8}  test (with every process it started)")
    for name, seconds in sorted(by_test.items(), key=lambda item: -item[1])[: args.top]:
        print(f"{seconds:8.0f}  {name}")
    return returncode


if __name__ == "__main__":
    sys.exit(main())

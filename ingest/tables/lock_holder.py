"""Who holds a commit lock, and whether that process is gone (plain Python, unit-tested).

A metastore lock outlives a holder that is killed (SIGKILL, the OOM killer, a lost container):
the metastore deletes it only once it has not been heartbeated for ``hive.txn.timeout`` (60 s),
and every commit to the table waits until then. A lock taken by ``commit_lock`` carries its
holder's identity in ``HIVE_LOCKS.HL_AGENT_INFO``; a process waiting for it can then tell, on
the same machine, that the holder no longer runs, and release the lock at once.

"The same machine" is checked strictly, since releasing a live holder's lock would let two
commits interleave: the holder's host name, the kernel's boot id and the PID namespace must all
be this process's, and then the holder is gone when its PID no longer runs, or runs a process
started at another time (a reused PID). Anywhere else (another host, a container with its own
PID namespace, a system without ``/proc``) nothing is released and the lock expires as before.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

TAG = "dap-ingest"
PROC = Path("/proc")


@dataclass(frozen=True)
class LockHolder:
    """A process, as the metastore's lock row names it."""

    host: str
    boot_id: str
    pid_namespace: str
    pid: int
    started: str  # clock ticks after boot (/proc/PID/stat field 22): with the PID, one process

    def agent_info(self) -> str:
        """The lock request's agent info (the metastore keeps 128 characters of it)."""
        return f"{TAG} boot={self.boot_id} pidns={self.pid_namespace} pid={self.pid} start={self.started}"


def process_started(pid: int, proc: Path = PROC) -> str | None:
    """When process ``pid`` started (clock ticks after boot), or None if it does not run."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[19]  # after the command name, which may hold spaces


def this_process(proc: Path = PROC) -> LockHolder | None:
    """This process as a lock holder, or None where it cannot be told apart (no ``/proc``)."""
    try:
        boot_id = (proc / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
        pid_namespace = str((proc / "self" / "ns" / "pid").stat().st_ino)
    except OSError:
        return None
    pid = os.getpid()
    started = process_started(pid, proc)
    if started is None:
        return None
    return LockHolder(socket.gethostname(), boot_id, pid_namespace, pid, started)


def parse_holder(agent_info: str | None, host: str | None) -> LockHolder | None:
    """The holder a lock row names, or None when another kind of client took it (Iceberg's own
    commit locks, Hive) or the row is not one this code wrote."""
    parts = (agent_info or "").split()
    if not parts or parts[0] != TAG or not host:
        return None
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    try:
        return LockHolder(host, fields["boot"], fields["pidns"], int(fields["pid"]), fields["start"])
    except (KeyError, ValueError):
        return None


def holder_is_gone(holder: LockHolder, me: LockHolder, proc: Path = PROC) -> bool:
    """Is ``holder`` a process of this machine and PID namespace that no longer runs?"""
    same_place = (holder.host, holder.boot_id, holder.pid_namespace) == (
        me.host,
        me.boot_id,
        me.pid_namespace,
    )
    return same_place and process_started(holder.pid, proc) != holder.started

"""Telling from a commit lock's row that its holder no longer runs (ingest.tables.lock_holder).

The process table is a fake /proc where the answer depends on it; the end-to-end case (a run
SIGKILLed holding a lock, the next run releasing it) is in tests/spark/test_exactly_once.py."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.tables.lock_holder import (
    LockHolder,
    holder_is_gone,
    parse_holder,
    process_started,
    this_process,
)

ME = LockHolder("node-1", "0f1e2d3c-aaaa-bbbb-cccc-000000000001", "4026531836", 4242, "987654")


def fake_proc(tmp_path: Path, processes: dict[int, str]) -> Path:
    """A /proc with ``processes`` (pid -> start ticks), each with a command name holding spaces."""
    for pid, started in processes.items():
        fields = ["S", "1", "1", "1", "0", "-1", "4194560", *["0"] * 12, started, "0"]
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(f"{pid} (python3 -m ingest) {' '.join(fields)}\n")
    return tmp_path


def test_a_holder_reads_back_from_its_agent_info() -> None:
    info = ME.agent_info()
    assert len(info) <= 128  # what HIVE_LOCKS.HL_AGENT_INFO holds
    assert parse_holder(info, "node-1") == ME


@pytest.mark.parametrize(
    ("agent_info", "host"),
    [
        ("Iceberg-6b0c2f4e-1d2a-4c3b-9e8f-0a1b2c3d4e5f", "node-1"),  # Iceberg's own commit lock
        ("Unknown", "node-1"),  # Hive's default
        (None, "node-1"),
        ("", "node-1"),
        (ME.agent_info(), ""),  # no host: nothing to compare
        ("dap-ingest boot=x pidns=y pid=12", "node-1"),  # no start time
        ("dap-ingest boot=x pidns=y pid=twelve start=5", "node-1"),
    ],
)
def test_rows_this_code_did_not_write_name_no_holder(agent_info: str | None, host: str) -> None:
    assert parse_holder(agent_info, host) is None


def test_a_holder_whose_pid_no_longer_runs_is_gone(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {ME.pid: ME.started})
    assert holder_is_gone(replace(ME, pid=77), ME, proc)


def test_a_holder_that_still_runs_is_not_gone(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {ME.pid: ME.started, 77: "123"})
    assert not holder_is_gone(replace(ME, pid=77, started="123"), ME, proc)


def test_a_reused_pid_started_at_another_time_is_not_the_holder(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {77: "999999"})  # the holder started at 123, then died
    assert holder_is_gone(replace(ME, pid=77, started="123"), ME, proc)


@pytest.mark.parametrize(
    "elsewhere",
    [
        replace(ME, pid=77, host="node-2"),  # another machine
        replace(ME, pid=77, boot_id="another-boot"),  # this machine before a reboot, or another kernel
        replace(ME, pid=77, pid_namespace="4026532999"),  # another container's PIDs
    ],
)
def test_a_holder_elsewhere_is_never_taken_for_gone(tmp_path: Path, elsewhere: LockHolder) -> None:
    proc = fake_proc(tmp_path, {})  # its pid runs nowhere here, which proves nothing
    assert not holder_is_gone(elsewhere, ME, proc)


def test_this_process_is_a_running_holder() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc on this system: locks then expire by the metastore's timeout only")
    me = this_process()
    assert me is not None and me.pid == os.getpid()
    assert process_started(me.pid) == me.started
    assert parse_holder(me.agent_info(), me.host) == me
    assert not holder_is_gone(me, me)


def test_without_proc_no_process_can_be_told_apart(tmp_path: Path) -> None:
    assert this_process(tmp_path) is None  # no boot id, no namespaces: nothing is ever released

"""The stream benchmark stops every process it started, whichever setup step fails (no Kafka, no
Spark: the broker and the child processes are stand-ins that record what happens to them)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from bench import stream_bench
from ingest.errors import ServiceError


class FakeBroker:
    def __init__(self, events: list[str], fail_start: bool) -> None:
        self.events = events
        self.fail_start = fail_start

    def start(self) -> float:
        self.events.append("broker started")
        if self.fail_start:  # as Broker.start when the broker does not answer in time: still running
            raise ServiceError("the Kafka broker did not answer within 90s (it is still running)")
        return 0.1

    def stop(self) -> None:
        self.events.append("broker stopped")


class FakeProcess:
    def __init__(self, name: str, events: list[str]) -> None:
        self.name = name
        self.events = events
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, _signal: int) -> None:
        self.events.append(f"{self.name} stopped")
        self.returncode = 0

    def wait(self, _timeout: float | None = None) -> int:
        return 0


def run_bench(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    fail_at: str,
) -> list[str]:
    """``stream_bench.services`` with ``fail_at`` failing; what was started and stopped, in order."""
    events: list[str] = []

    def broker(_settings: object) -> FakeBroker:
        return FakeBroker(events, fail_start=fail_at == "broker")

    def topics(*_args: object) -> None:
        if fail_at == "topics":
            raise ServiceError("could not create topic dap.events.bench")

    def spawn(cmd: list[str], _env: dict[str, str], log: BinaryIO) -> Any:
        name = cmd[3]  # python -m ingest <collect|stream>
        if fail_at == name:
            raise OSError(f"cannot start {name}")
        events.append(f"{name} started")
        assert not log.closed
        return FakeProcess(name, events)

    def serving(*_args: object) -> None:
        if fail_at == "wait":
            raise SystemExit("the stream did not start")

    monkeypatch.setattr(stream_bench, "Broker", broker)
    monkeypatch.setattr(stream_bench, "ensure_source_topics", topics)
    monkeypatch.setattr(stream_bench, "spawn", spawn)
    monkeypatch.setattr(stream_bench, "wait_until_serving", serving)
    with (
        pytest.raises((ServiceError, OSError, SystemExit, KeyboardInterrupt)),
        stream_bench.services(tmp_path, trigger=5),
    ):
        events.append("posting")
        raise KeyboardInterrupt
    return events


@pytest.mark.parametrize(
    ("fail_at", "expected"),
    [
        ("broker", ["broker started", "broker stopped"]),
        ("topics", ["broker started", "broker stopped"]),
        ("collect", ["broker started", "broker stopped"]),
        ("stream", ["broker started", "collect started", "collect stopped", "broker stopped"]),
        (
            "wait",
            [
                "broker started",
                "collect started",
                "stream started",
                "stream stopped",
                "collect stopped",
                "broker stopped",
            ],
        ),
        (
            "nothing",  # the load loop itself fails (Ctrl-C)
            [
                "broker started",
                "collect started",
                "stream started",
                "posting",
                "stream stopped",
                "collect stopped",
                "broker stopped",
            ],
        ),
    ],
)
def test_every_started_process_is_stopped_newest_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fail_at: str, expected: list[str]
) -> None:
    assert run_bench(monkeypatch, tmp_path, fail_at=fail_at) == expected


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    class Stubborn(FakeProcess):
        def send_signal(self, _signal: int) -> None:
            self.events.append("sigterm")

        def wait(self, timeout: float | None = None) -> int:
            if timeout is not None:
                raise subprocess.TimeoutExpired("stream", timeout)
            return -9

        def kill(self) -> None:
            self.events.append("sigkill")

    events: list[str] = []
    stream_bench.stop(Stubborn("stream", events), timeout=0.1)  # type: ignore[arg-type]
    assert events == ["sigterm", "sigkill"]

"""Faults against the real broker and the real collector process: the broker stops (503 +
Retry-After, devices retry, nothing accepted is lost), and the collector is killed and restarted
under load (every acknowledged event is in the topic exactly as sent)."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from ingest.broker import Broker

from .collector_process import Collector, write_config
from .conftest import free_port
from .kafka_helpers import read_topic

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def fault_collector(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    state = tmp_path_factory.mktemp("fault-collector")
    handle = Collector(
        write_config(state / "ingest.yml", ["f_out", "f_load"]), broker.settings, state, free_port()
    )
    handle.start()
    try:
        yield handle
    finally:
        if handle.process is not None and handle.process.poll() is None:
            handle.stop()


def _batch(source: str, batch: int, size: int = 20) -> list[bytes]:
    return [
        json.dumps({"device_id": f"d{j % 4}", "batch": batch, "n": j, "src": source}).encode()
        for j in range(size)
    ]


def test_broker_outage_503_with_retry_after_then_accepted_and_nothing_lost(
    broker: Broker, fault_collector: Collector
) -> None:
    before, during, after = _batch("f_out", 1), _batch("f_out", 2), _batch("f_out", 3)
    assert fault_collector.post("f_out", b"\n".join(before)).status_code == 200
    broker.stop()
    try:
        started = time.monotonic()
        refused = fault_collector.post("f_out", b"\n".join(during))
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        assert "nothing of this batch is accepted" in refused.json()["error"]
        assert time.monotonic() - started < 15  # the delivery timeout (3 s here), not a hang
        assert httpx.get(fault_collector.url + "/healthz").status_code == 503
    finally:
        restart = threading.Timer(2.0, broker.start)  # the broker comes back while devices retry
        restart.start()
    attempts = 1
    deadline = time.monotonic() + 90
    while True:  # a device: wait Retry-After, send the same batch again
        time.sleep(int(refused.headers.get("retry-after", "1")))
        attempts += 1
        refused = fault_collector.post("f_out", b"\n".join(during))
        if refused.status_code == 200:
            break
        assert refused.status_code == 503, refused.text
        assert time.monotonic() < deadline, "the collector did not recover after the broker restarted"
    restart.join()
    assert fault_collector.post("f_out", b"\n".join(after)).status_code == 200
    counts = Counter(r.value for r in read_topic(broker.settings.bootstrap, "dap.events.f_out"))
    assert set(counts) == {*before, *during, *after}
    assert all(counts[v] == 1 for v in [*before, *after])  # acknowledged on the first try: once
    assert all(1 <= counts[v] <= attempts for v in during)  # retried: at least once
    print(f"\nbroker outage: batch accepted after {attempts} attempts")


@dataclass
class Device:
    """Posts batches in a loop; a failed POST (no answer, or not 200) is retried until accepted."""

    collector: Collector
    name: str
    acked_first_try: list[list[bytes]] = field(default_factory=list)
    acked_after_retry: list[tuple[list[bytes], int]] = field(default_factory=list)
    never_acked: list[list[bytes]] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        batch_no = 0
        with httpx.Client(timeout=20) as client:
            while not self.stop.is_set():
                batch_no += 1
                lines = [
                    json.dumps({"device_id": self.name, "batch": batch_no, "n": j}).encode()
                    for j in range(25)
                ]
                attempts = 0
                while True:
                    attempts += 1
                    try:
                        response = client.post(
                            f"{self.collector.url}/v1/events/f_load",
                            content=b"\n".join(lines),
                            headers=self.collector.auth,
                        )
                        if response.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    self.failures += 1
                    if self.stop.is_set():  # the test is over: this batch stays unacknowledged
                        self.never_acked.append(lines)
                        return
                    time.sleep(0.05)
                if attempts == 1:
                    self.acked_first_try.append(lines)
                else:
                    self.acked_after_retry.append((lines, attempts))


def test_collector_restart_under_load_loses_nothing_acknowledged(
    broker: Broker, fault_collector: Collector
) -> None:
    devices = [Device(fault_collector, f"dev-{i}") for i in range(3)]
    threads = [threading.Thread(target=d.run, daemon=True) for d in devices]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        assert fault_collector.stop(signal.SIGKILL) == -signal.SIGKILL  # a crash mid-load
        time.sleep(0.5)
        fault_collector.start()
        time.sleep(2)
        # a graceful restart (a deploy): uvicorn finishes the requests in flight, then exits by the signal
        assert fault_collector.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
        fault_collector.start()
        time.sleep(2)
    finally:
        for device in devices:
            device.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a device is still retrying after 60 s"
    sent_first = [line for d in devices for batch in d.acked_first_try for line in batch]
    sent_retried = {
        line: attempts for d in devices for batch, attempts in d.acked_after_retry for line in batch
    }
    assert sum(d.failures for d in devices) > 0, "the restarts did not hit any request"
    assert len(sent_first) > 500
    counts = Counter(r.value for r in read_topic(broker.settings.bootstrap, "dap.events.f_load"))
    missing = [line for line in [*sent_first, *sent_retried] if counts[line] == 0]
    assert not missing, f"{len(missing)} acknowledged events are not in the topic, e.g. {missing[:3]}"
    duplicated_first = [line for line in sent_first if counts[line] != 1]
    assert not duplicated_first, f"events acknowledged on the first try appear twice: {duplicated_first[:3]}"
    assert all(counts[line] <= attempts for line, attempts in sent_retried.items())
    never_acked = {line for d in devices for batch in d.never_acked for line in batch}
    assert set(counts) <= set(sent_first) | set(sent_retried) | never_acked  # nothing made up
    assert "not delivered before shutdown" not in fault_collector.log_file.read_text()
    print(
        f"\ncollector restarts under load: {len(sent_first) + len(sent_retried)} events acknowledged, "
        f"{sum(d.failures for d in devices)} failed POSTs retried, "
        f"{sum(c - 1 for line, c in counts.items() if line in sent_retried)} duplicates from retries"
    )

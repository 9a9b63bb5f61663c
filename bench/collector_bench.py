"""Collector benchmark: POST events at a fixed rate through the real collector for N seconds.

By default it starts its own Kafka broker and ``ingest collect`` (a temp state dir, free ports on
127.0.0.1) and stops both at the end; ``--url`` and ``--token`` (or DAP_BENCH_TOKEN) aim it at a
running collector instead. The loop is bounded: it stops sending after ``--seconds`` and waits at
most ``--drain`` seconds for the answers in flight. Prints the offered and the sustained accepted
rate (events acknowledged by Kafka per second of wall time) and the POST latency p50 / p95 / max.

    python bench/collector_bench.py                               # 2,000 events/s for 20 s, 50 per POST
    python bench/collector_bench.py --rate 5000 --batch 100 --seconds 30

End-to-end latency (POST -> visible in the raw table) is a probe the streaming job provides:
``--probe module:function`` imports ``function(sent: list[Sent]) -> list[float]``, called after the
loop with every acknowledged event (its ``event_id`` is in the JSON line, ``acked_at`` is the wall
clock when its POST was answered); it returns one latency in seconds per event it saw land.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from measure import free_port, percentile  # noqa: E402

SOURCE = "bench"


@dataclass(frozen=True)
class Sent:
    """One acknowledged event: what a visibility probe needs to find it and time it."""

    event_id: str
    source: str
    acked_at: float  # time.time() when the collector answered 200


Probe = Callable[[Sequence[Sent]], list[float]]


@dataclass
class Results:
    offered: int = 0
    accepted: int = 0
    failed_posts: int = 0
    late_ticks: int = 0
    latencies: list[float] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)


def make_batch(size: int, seq: int) -> tuple[bytes, list[str]]:
    ids = [uuid.uuid4().hex for _ in range(size)]
    lines = [
        json.dumps(
            {
                "event_id": event_id,
                "device_id": f"BENCH-{(seq * size + i) % 200:03d}",
                "event_type": "telemetry",
                "event_ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "payload": {"battery": 90 - i % 50, "gps": {"lat": 47.0 + i / 1000, "lon": 8.5}, "seq": seq},
            }
        )
        for i, event_id in enumerate(ids)
    ]
    return ("\n".join(lines) + "\n").encode(), ids


async def run_load(
    url: str,
    token: str,
    source: str,
    rate: float,
    batch: int,
    seconds: float,
    drain: float,
    max_in_flight: int,
) -> tuple[Results, float]:
    results = Results()
    interval = batch / rate
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    in_flight = asyncio.Semaphore(max_in_flight)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def post(seq: int) -> None:
            body, ids = make_batch(batch, seq)
            async with in_flight:
                started = time.monotonic()
                try:
                    response = await client.post(f"{url}/v1/events/{source}", content=body, headers=headers)
                except httpx.HTTPError:
                    results.failed_posts += 1
                    return
                results.latencies.append(time.monotonic() - started)
                if response.status_code != 200:
                    results.failed_posts += 1
                    return
                results.accepted += int(response.json()["accepted"])
                now = time.time()
                results.sent.extend(Sent(event_id, source, now) for event_id in ids)

        tasks: list[asyncio.Task[None]] = []
        start = time.monotonic()
        seq = 0
        while (next_at := start + seq * interval) < start + seconds:
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -interval:
                results.late_ticks += 1  # the sender fell behind the schedule
            if in_flight.locked():
                results.late_ticks += 1
            tasks.append(asyncio.create_task(post(seq)))
            results.offered += batch
            seq += 1
        done, pending = await asyncio.wait(tasks, timeout=drain)
        for task in pending:
            task.cancel()
        results.failed_posts += len(pending)
        elapsed = time.monotonic() - start
    return results, elapsed


class LocalStack:
    """A broker and a collector of their own, in a temp dir, for the length of the bench."""

    def __init__(self) -> None:
        from ingest.broker import Broker, load_broker_settings

        self.dir = Path(tempfile.mkdtemp(prefix="collector-bench-"))
        self.broker = Broker(
            load_broker_settings(
                state_dir=self.dir, root=self.dir / "kafka", port=free_port(), controller_port=free_port()
            )
        )
        self.port = free_port()
        self.token = secrets.token_urlsafe(32)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        took = self.broker.start()
        config = self.dir / "ingest.yml"
        config.write_text(
            f"sources:\n  {SOURCE}: {{path: {SOURCE}, table: raw.{SOURCE}_events, format: json}}\n"
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DAP_")},
            "DAP_STATE_DIR": str(self.dir),
            "DAP_KAFKA_PORT": str(self.broker.settings.port),
            "DAP_KAFKA_CONTROLLER_PORT": str(self.broker.settings.controller_port),
            "DAP_COLLECTOR_PORT": str(self.port),
            "DAP_COLLECTOR_TOKENS": f"bench={self.token}",
        }
        with open(self.dir / "collector.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ingest", "collect", "--config", str(config)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the collector exited; see {self.dir / 'collector.log'}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return took
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the collector did not come up; see {self.dir / 'collector.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.broker.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def load_probe(spec: str) -> Probe:
    module, _, name = spec.partition(":")
    probe: Probe = getattr(importlib.import_module(module), name)
    return probe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=2000, help="events per second offered (default 2000)")
    parser.add_argument("--batch", type=int, default=50, help="events per POST (default 50)")
    parser.add_argument("--seconds", type=float, default=20, help="how long to send (default 20)")
    parser.add_argument("--drain", type=float, default=30, help="most seconds to wait for answers after")
    parser.add_argument("--max-in-flight", type=int, default=32, help="POSTs in flight at most (default 32)")
    parser.add_argument("--url", help="a running collector (default: start a broker and a collector)")
    parser.add_argument("--token", default=os.environ.get("DAP_BENCH_TOKEN"), help="its bearer token")
    parser.add_argument("--source", default=SOURCE, help="the source to post to (with --url)")
    parser.add_argument("--probe", help="module:function measuring POST -> visible in the table")
    args = parser.parse_args(argv)
    if args.url and not args.token:
        parser.error("--url needs --token (or DAP_BENCH_TOKEN)")
    stack = None if args.url else LocalStack()
    try:
        if stack is not None:
            broker_start = stack.start()
            print(f"broker started in {broker_start:.1f}s; collector {stack.url}")
        url = args.url or (stack.url if stack else "")
        token = args.token or (stack.token if stack else "")
        results, elapsed = asyncio.run(
            run_load(
                url, token, args.source, args.rate, args.batch, args.seconds, args.drain, args.max_in_flight
            )
        )
        print(
            f"offered {results.offered} events in {args.seconds:.0f}s ({args.rate:.0f}/s, {args.batch} per POST); "
            f"accepted {results.accepted} in {elapsed:.1f}s wall = {results.accepted / elapsed:,.0f} events/s "
            f"sustained; failed POSTs {results.failed_posts}; sender behind schedule {results.late_ticks}x"
        )
        lat = results.latencies
        print(
            f"POST latency (Kafka acks=all included): p50 {percentile(lat, 0.5) * 1000:.1f} ms, "
            f"p95 {percentile(lat, 0.95) * 1000:.1f} ms, max {max(lat, default=float('nan')) * 1000:.1f} ms "
            f"over {len(lat)} POSTs"
        )
        if args.probe:
            visible = load_probe(args.probe)(results.sent)
            print(
                f"POST -> visible in the table: p50 {percentile(visible, 0.5):.2f} s, "
                f"p95 {percentile(visible, 0.95):.2f} s over {len(visible)} of {len(results.sent)} events"
            )
    finally:
        if stack is not None:
            stack.stop()
    return 0 if results.failed_posts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Real-time path benchmark: events POSTed at a fixed rate through the collector, landed by
``ingest stream``; the latency from send to visible in the raw table, and the sustained rate.

Everything real, on 127.0.0.1 in a temp dir: the pinned KRaft broker (``ingest.broker``), the
collector (``ingest collect``) and ``ingest stream`` (5 s trigger by default) in their own
processes. Not measured: a first POST that creates the table (its cold-start time is printed), then
``--warmup-seconds`` at the full rate while the stream's JIT warms up (a long-running stream is
past both). Then a bounded loop posts ``--rate`` events/s for ``--seconds`` (one POST of rate/10 events
every 0.1 s, each event carrying its send time); then the stream is stopped with SIGTERM once every
acknowledged event is in the table (or after ``--drain`` seconds), and one Spark session reads the
table: an event is visible at the commit time of the snapshot that added it (``dap.run-id`` of its
``_ingest_run_id``). Prints p50/p95/max latency, the posting rate achieved and the landing rate.

    python bench/stream_bench.py [--rate 2000 --seconds 60 --trigger 5]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from ingest.broker import Broker, ensure_source_topics, load_broker_settings
from ingest.config import load_config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from measure import free_port, percentile  # noqa: E402

DUMP = """
import json, sys
from ingest.settings import load_settings
from ingest.spark_session import build_spark
spark = build_spark(load_settings(), "bench-dump")
rows = spark.sql(
    "select e.seq, e.sent_at, unix_micros(s.committed_at) / 1e6 as at "
    "from raw.bench e join raw.bench.snapshots s on s.summary['dap.run-id'] = e._ingest_run_id"
).collect()
print(json.dumps([[r.seq, r.sent_at, r.at] for r in rows]))
"""


@dataclass(frozen=True)
class Services:
    """What the load loop and the report need of the running benchmark services."""

    env: dict[str, str]  # the stream's (and the table dump's) environment
    url: str  # the collector's events endpoint for the source "bench"
    token: str
    stream: subprocess.Popen[bytes]
    stream_log: Path
    logs: Path


def spawn(cmd: list[str], env: dict[str, str], log: BinaryIO) -> subprocess.Popen[bytes]:
    """``cmd`` in its own process, output to ``log``."""
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; nothing if it has ended."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def services(work: Path, trigger: float) -> Iterator[Services]:
    """Start the broker, the collector and ``ingest stream`` under ``work``; stop all of them on the
    way out, whatever fails where. Each stop is registered as soon as its process can exist (the
    broker's before ``start``, which may leave it running when it times out), and they run newest
    first, each one even when an earlier one fails."""
    with ExitStack() as stack:
        settings = load_broker_settings(
            state_dir=work, root=work / "kafka", port=free_port(), controller_port=free_port()
        )
        broker = Broker(settings)
        stack.callback(broker.stop)
        broker.start()
        config = work / "ingest.yml"
        config.write_text(
            f"landing: {work / 'landing'}\nsources:\n  bench:\n    path: bench\n    table: raw.bench\n"
            f"    format: json\n    stream: {{kind: kafka, bootstrap_servers: '{settings.bootstrap}'}}\n"
        )
        ensure_source_topics(settings, load_config(config).sources)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
        env.update(
            DAP_STATE_DIR=str(work / "state"),
            DAP_JARS_DIR=os.environ.get("DAP_JARS_DIR", str(ROOT / ".state" / "jars")),
            DAP_KAFKA_PORT=str(settings.port),
            DAP_KAFKA_CONTROLLER_PORT=str(settings.controller_port),
        )
        token, port = secrets.token_urlsafe(32), free_port()
        logs = work / "logs"
        logs.mkdir()
        collector = spawn(
            [sys.executable, "-m", "ingest", "collect", "-c", str(config)],
            {**env, "DAP_COLLECTOR_PORT": str(port), "DAP_COLLECTOR_TOKENS": f"bench={token}"},
            stack.enter_context((logs / "collector.log").open("wb")),
        )
        stack.callback(stop, collector)
        stream_log = logs / "stream.log"
        stream = spawn(
            [sys.executable, "-m", "ingest", "stream", "-c", str(config), "--trigger-seconds", str(trigger)],
            env,
            stack.enter_context(stream_log.open("wb")),
        )
        stack.callback(stop, stream)
        wait_until_serving(port, stream, stream_log)
        yield Services(env, f"http://127.0.0.1:{port}/v1/events/bench", token, stream, stream_log, logs)


def wait_until_serving(port: int, stream: subprocess.Popen[bytes], stream_log: Path) -> None:
    """The collector answers /healthz and the stream's query has started (or SystemExit)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    while "streaming bench" not in stream_log.read_text(errors="replace"):
        if stream.poll() is not None or time.monotonic() > deadline + 120:
            raise SystemExit(f"the stream did not start:\n{stream_log.read_text()[-2000:]}")
        time.sleep(0.5)


def landed(stream_log: Path) -> int:
    """Events the stream's progress lines say it has read so far."""
    return sum(
        int(line.split(": ", 1)[1].split(" read", 1)[0])
        for line in stream_log.read_text(errors="replace").splitlines()
        if line.startswith("bench batch ")
    )


def create_table(running: Services, events: int) -> None:
    """Cold start, not measured: ``events`` events (the lowest negative seqs) create the table
    (dynamic DDL) and must land before anything else is posted."""
    body = "".join(
        json.dumps({"seq": -(10**9) + i, "sent_at": time.time(), "device_id": f"d{i % 50}"}) + "\n"
        for i in range(events)
    )
    sent = time.monotonic()
    headers = {"Authorization": f"Bearer {running.token}"}
    if httpx.post(running.url, content=body.encode(), headers=headers, timeout=30).status_code != 200:
        raise SystemExit("the collector refused the first events")
    while landed(running.stream_log) < events:
        if running.stream.poll() is not None or time.monotonic() > sent + 300:
            raise SystemExit(f"the first events never landed:\n{running.stream_log.read_text()[-2000:]}")
        time.sleep(0.2)
    print(
        f"cold start: the first {events} events landed {time.monotonic() - sent:.1f} s after their POST (table created)"
    )


def post_at_rate(running: Services, rate: int, seconds: int, first_seq: int) -> tuple[int, int]:
    """Post ``rate`` events/s for ``seconds`` (one POST every 0.1 s), seqs from ``first_seq`` on;
    returns (events posted, events acknowledged)."""
    per_post = max(1, rate // 10)
    accepted = 0
    seq = first_seq
    started = time.monotonic()
    with httpx.Client(headers={"Authorization": f"Bearer {running.token}"}, timeout=30) as client:
        for tick in range(seconds * 10):
            due = started + tick * 0.1
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            now = time.time()
            body = "".join(
                json.dumps({"seq": seq + i, "sent_at": now, "device_id": f"d{(seq + i) % 50}"}) + "\n"
                for i in range(per_post)
            )
            response = client.post(running.url, content=body.encode())
            if response.status_code == 200:
                accepted += per_post
            seq += per_post
    posting = time.monotonic() - started
    posted = seq - first_seq
    print(f"posted {posted} events in {posting:.1f} s ({posted / posting:,.0f}/s), {accepted} acknowledged")
    return posted, accepted


def drain(running: Services, expected: int, seconds: int) -> None:
    """Wait until the stream has landed ``expected`` events (at most ``seconds``), then stop it."""
    until = time.monotonic() + seconds
    while time.monotonic() < until and landed(running.stream_log) < expected:
        time.sleep(1)
    running.stream.send_signal(signal.SIGTERM)
    running.stream.wait(180)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=2000, help="events per second to post")
    parser.add_argument("--seconds", type=int, default=60, help="how long to post")
    parser.add_argument("--trigger", type=float, default=5.0, help="the stream's trigger interval")
    parser.add_argument("--drain", type=int, default=180, help="seconds to wait for the last events")
    parser.add_argument(
        "--warmup-seconds",
        type=int,
        default=20,
        help="seconds of posting at --rate before the measured ones (not measured: the stream's JIT warms up)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dap-stream-bench-"))
    with services(work, args.trigger) as running:
        first = max(1, args.rate // 10)
        create_table(running, first)
        print(f"warm-up: {args.warmup_seconds} s at {args.rate:,}/s, not measured")
        _posted, warm = post_at_rate(
            running, args.rate, args.warmup_seconds, -(args.rate * args.warmup_seconds)
        )
        print(f"measured: {args.seconds} s at {args.rate:,}/s")
        _posted, accepted = post_at_rate(running, args.rate, args.seconds, 0)
        drain(running, first + warm + accepted, args.drain)

    dump = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=running.env, capture_output=True, text=True, timeout=600
    )
    if dump.returncode != 0:
        raise SystemExit(dump.stderr[-3000:])
    pairs = [(sent, at) for seq, sent, at in json.loads(dump.stdout.strip().splitlines()[-1]) if seq >= 0]
    latencies = [at - sent for sent, at in pairs]
    span = max(at for _s, at in pairs) - min(sent for sent, _a in pairs)
    batches = [
        line for line in running.stream_log.read_text().splitlines() if line.startswith("bench batch ")
    ]
    print(
        f"{len(pairs)} of {accepted} acknowledged events in raw.bench ({len(batches)} micro-batches, warm-up included)"
    )
    print(
        f"latency send -> visible: p50 {percentile(latencies, 0.5):.1f} s, p95 {percentile(latencies, 0.95):.1f} s, "
        f"max {max(latencies):.1f} s (trigger {args.trigger:g} s)"
    )
    print(f"sustained: {len(pairs) / span:,.0f} events/s landed from first send to last commit")
    print(f"logs: {running.logs}")


if __name__ == "__main__":
    main()

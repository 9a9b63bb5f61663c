"""Where a multi-source ingest run spends its time, job by job, from Spark's own event log.

Generates the sample (``ingest generate``: 7 sources, 94 files) into a temporary state dir, runs
``ingest run --config ingest.yml`` there on the embedded Spark with the event log on, and prints:
the Spark jobs grouped by the line that started them (count and time), the time before the first
job, the time between jobs, and the Iceberg commits (snapshot files) the run made. On a cluster
each job costs several times what it costs embedded, so the job count is what the platform pays:

    python bench/ingest_jobs.py [--landing DIR] [--keep]

It ends with lines scripts can read: ``jobs N``, ``job time S``, ``between jobs S``, ``commits N``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Job:
    job_id: int
    site: str  # the call site of the action that started it, repository-relative
    started_ms: int
    ended_ms: int

    @property
    def seconds(self) -> float:
        return (self.ended_ms - self.started_ms) / 1000


@dataclass(frozen=True)
class EventLog:
    jobs: list[Job]
    app_started_ms: int

    @property
    def before_first_job(self) -> float:
        return (self.jobs[0].started_ms - self.app_started_ms) / 1000 if self.jobs else 0.0

    @property
    def between_jobs(self) -> float:
        """Seconds in which no job ran, from the first job's start to the last one's end."""
        idle, running_until = 0, None
        for job in sorted(self.jobs, key=lambda j: j.started_ms):
            if running_until is not None and job.started_ms > running_until:
                idle += job.started_ms - running_until
            running_until = max(running_until or 0, job.ended_ms)
        return idle / 1000


def call_site(stage_name: str, root: Path = ROOT) -> str:
    """``collect at /repo/ingest/pipeline.py:617`` -> ``collect at ingest/pipeline.py:617``."""
    return stage_name.replace(str(root) + os.sep, "")


def read_event_log(path: Path, root: Path = ROOT) -> EventLog:
    """Jobs (with the call site of the action that started each) and when the application started."""
    started: dict[int, tuple[int, str]] = {}
    ended: dict[int, int] = {}
    app_started = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            kind = event["Event"]
            if kind == "SparkListenerApplicationStart":
                app_started = event["Timestamp"]
            elif kind == "SparkListenerJobStart":
                # The action's call site: Spark's job property when set, else the name of the job's
                # result stage (the highest id; the lower ones may be skipped stages of earlier jobs).
                stages = sorted(event.get("Stage Infos", []), key=lambda s: s["Stage ID"])
                named = event.get("Properties", {}).get("callSite.short") or (
                    stages[-1]["Stage Name"] if stages else "?"
                )
                site = call_site(named, root)
                started[event["Job ID"]] = (event["Submission Time"], site)
            elif kind == "SparkListenerJobEnd":
                ended[event["Job ID"]] = event["Completion Time"]
    jobs = [Job(job_id, site, at, ended.get(job_id, at)) for job_id, (at, site) in sorted(started.items())]
    return EventLog(jobs, app_started)


def by_site(jobs: list[Job]) -> list[tuple[str, int, float]]:
    """(call site, jobs, seconds), most jobs first."""
    counts: Counter[str] = Counter()
    seconds: dict[str, float] = {}
    for job in jobs:
        counts[job.site] += 1
        seconds[job.site] = seconds.get(job.site, 0.0) + job.seconds
    return [(site, n, seconds[site]) for site, n in counts.most_common()]


def commits(warehouse: Path) -> Counter[str]:
    """Iceberg snapshots per table directory (one snapshot file per commit)."""
    found: Counter[str] = Counter()
    for snapshot in warehouse.rglob("snap-*.avro"):
        table_dir = snapshot.parent.parent  # <db>.db/<table>/metadata/snap-*.avro
        found[f"{table_dir.parent.name.removesuffix('.db')}.{table_dir.name}"] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, help="ingest this landing dir (default: a new sample)")
    parser.add_argument("--keep", action="store_true", help="keep the state dir and print its path")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="dap-ingest-jobs-"))
    try:
        events = state / "events"
        events.mkdir()
        landing = args.landing or state / "landing"
        env = {
            **os.environ,
            "DAP_STATE_DIR": str(state),
            "DAP_LANDING": str(landing),
            "PYSPARK_SUBMIT_ARGS": (
                f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir={events.as_uri()} pyspark-shell"
            ),
        }
        if args.landing is None:
            print(f"writing the sample to {landing}", flush=True)
            subprocess.run([str(BIN / "ingest"), "generate", "--landing", str(landing)], env=env, check=True,
                           stdout=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
        print("ingest run --config ingest.yml (embedded, event log on) ...", flush=True)
        started = time.perf_counter()
        run = subprocess.run([str(BIN / "ingest"), "run", "--config", "ingest.yml"], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(f"ingest run failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
        log = read_event_log(next(events.iterdir()))
        print(f"\n{'jobs':>5} {'time':>8}  call site")
        for site, n, seconds in by_site(log.jobs):
            print(f"{n:5d} {seconds:7.2f}s  {site}")
        tables = commits(state / "warehouse")
        print("\ncommits per table: " + ", ".join(f"{t} {n}" for t, n in sorted(tables.items())))
        print(f"\nwall {wall:.1f} s; before the first job {log.before_first_job:.1f} s")
        print(f"jobs {len(log.jobs)}")
        print(f"job time {sum(j.seconds for j in log.jobs):.1f}")
        print(f"between jobs {log.between_jobs:.1f}")
        print(f"commits {sum(tables.values())}")
    finally:
        if args.keep:
            print(f"state kept in {state}")
        else:
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()

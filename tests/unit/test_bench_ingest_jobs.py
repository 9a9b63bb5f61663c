"""The job profile's reading of Spark's event log: call sites, time between jobs, commits."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ingest_jobs import by_site, commits, read_event_log


def _job(job_id: int, stage_id: int, name: str, start: int, end: int) -> list[dict[str, object]]:
    return [
        {
            "Event": "SparkListenerJobStart",
            "Job ID": job_id,
            "Submission Time": start,
            "Stage Infos": [  # the result stage, then a skipped stage of an earlier job
                {"Stage ID": stage_id, "Stage Name": name},
                {"Stage ID": stage_id - 1, "Stage Name": "an earlier job's action"},
            ],
        },
        {"Event": "SparkListenerJobEnd", "Job ID": job_id, "Completion Time": end},
    ]


def test_jobs_are_grouped_by_call_site_with_the_idle_time_between_them(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    events = [
        {"Event": "SparkListenerApplicationStart", "Timestamp": 1_000},
        *_job(0, 0, f"collect at {root}/ingest/pipeline.py:617", 3_000, 3_500),
        *_job(1, 2, f"collect at {root}/ingest/pipeline.py:617", 4_000, 4_250),
        *_job(2, 4, "append at NativeMethodAccessorImpl.java:0", 4_100, 4_600),  # overlaps job 1
        *_job(3, 6, "append at NativeMethodAccessorImpl.java:0", 5_600, 5_700),
        {  # a job whose action set its call site as a property (no stage: a local relation)
            "Event": "SparkListenerJobStart",
            "Job ID": 4,
            "Submission Time": 5_800,
            "Stage Infos": [],
            "Properties": {"callSite.short": f"collect at {root}/ingest/meta.py:173"},
        },
        {"Event": "SparkListenerJobEnd", "Job ID": 4, "Completion Time": 5_800},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": 6_000},
    ]
    path = tmp_path / "app-log"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")

    log = read_event_log(path, root)

    assert [j.site for j in log.jobs] == [
        "collect at ingest/pipeline.py:617",
        "collect at ingest/pipeline.py:617",
        "append at NativeMethodAccessorImpl.java:0",
        "append at NativeMethodAccessorImpl.java:0",
        "collect at ingest/meta.py:173",
    ]
    assert log.before_first_job == 2.0
    assert log.between_jobs == 1.6  # 3.5 -> 4.0, 4.6 -> 5.6, 5.7 -> 5.8 (job 2 ran while job 1 did)
    assert by_site(log.jobs) == [
        ("collect at ingest/pipeline.py:617", 2, 0.75),
        ("append at NativeMethodAccessorImpl.java:0", 2, 0.6),
        ("collect at ingest/meta.py:173", 1, 0.0),
    ]


def test_commits_are_counted_per_table_from_its_snapshot_files(tmp_path: Path) -> None:
    for table, snapshots in (("raw.db/events", 1), ("ingest_meta.db/files", 3)):
        metadata = tmp_path / table / "metadata"
        metadata.mkdir(parents=True)
        (metadata / "v1.metadata.json").write_text("{}")
        for n in range(snapshots):
            (metadata / f"snap-{n}-1-abc.avro").write_bytes(b"")
    assert commits(tmp_path) == {"raw.events": 1, "ingest_meta.files": 3}

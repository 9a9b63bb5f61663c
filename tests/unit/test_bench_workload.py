"""Smoke test of the benchmark workload writer: line counts, layout and drift placement."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.workload import write_small_files, write_workload


def test_workload_lines_layout_and_drift_keys_only_after_drift_points(tmp_path: Path) -> None:
    report = write_workload(tmp_path / "w", events=1_000, files=10, drift_points=5)
    paths = sorted((tmp_path / "w").rglob("*.jsonl"), key=lambda p: p.name)
    assert [p.name for p in paths] == [f"part-{i:04d}.jsonl" for i in range(10)]
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}$", p.parent.name) for p in paths)
    assert len({p.parent.name for p in paths}) > 1
    assert len(report.drift_file_indices) == 5 and report.drift_file_indices[0] > 0
    assert list(report.drift_file_indices) == sorted(set(report.drift_file_indices))
    total = 0
    ids: set[str] = set()
    for index, path in enumerate(paths):
        expected = {f"drift_{k + 1}" for k, start in enumerate(report.drift_file_indices) if index >= start}
        for line in path.read_text().splitlines():
            event = json.loads(line)
            attributes = event["record"]["attributes"]
            assert {key for key in attributes if key.startswith("drift_")} == expected, path.name
            assert all(isinstance(attributes[key], dict) for key in expected)
            ids.add(event["event_id"])
            total += 1
    assert total == report.events == 1_000 and len(ids) == 1_000
    assert report.bytes == sum(p.stat().st_size for p in paths)


def test_workload_is_deterministic(tmp_path: Path) -> None:
    write_workload(tmp_path / "a", events=200, files=4, drift_points=2)
    write_workload(tmp_path / "b", events=200, files=4, drift_points=2)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.jsonl")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.jsonl")}
    assert a == b


def test_small_files(tmp_path: Path) -> None:
    report = write_small_files(tmp_path / "s", files=30, events_per_file=5)
    paths = list((tmp_path / "s").rglob("*.jsonl"))
    assert len(paths) == report.files == 30
    assert sum(len(p.read_text().splitlines()) for p in paths) == report.events == 150

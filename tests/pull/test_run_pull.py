"""``ingest run --pull``: pull, then ingest, in one command with one report (a real CLI process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ingest_cli
from tests.pull.conftest import write_config
from tests.pull.servers import Api

pytestmark = pytest.mark.spark


def test_run_pull_pulls_then_ingests_and_reports_both(api: Api, tmp_path: Path, landing: Path) -> None:
    pull = {
        "kind": "rest",
        "url": api.url + "/events",
        "records": "data",
        "params": {"limit": "3"},
        "pagination": {"type": "cursor"},
        "incremental": {"field": "id", "param": "since"},
        "retry": {"attempts": 3, "initial": 0.01, "max": 0.1},
    }
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": pull}})
    api.faults = [429]
    result = ingest_cli("run", "--pull", "--config", str(config), "--json", state_dir=tmp_path / "state")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["pull"]["sources"][0]["records"] == 7 and len(report["pull"]["sources"][0]["files"]) == 3
    [source] = report["sources"]
    assert (source["status"], len(source["files"]), source["rows_written"]) == ("ingested", 3, 7)

    api.records.append({"id": 8, "name": "r8"})
    text = ingest_cli("run", "--pull", "--config", str(config), state_dir=tmp_path / "state")
    assert text.returncode == 0, text.stderr[-3000:]
    assert "ingest pull" in text.stdout and "1 records read = 1 written + 0 quarantined" in text.stdout

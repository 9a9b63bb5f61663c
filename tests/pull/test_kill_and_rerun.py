"""SIGKILL a pull mid-download, pull again, ingest: every file once in landing, every record once in the table."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.config import load_config
from tests.conftest import ROOT, cli_env
from tests.pull.conftest import landed, write_config
from tests.pull.servers import FTP_USER, start_ftp

pytestmark = pytest.mark.spark
FILES = 3
LINES = 400  # ~37 KB a file: a few seconds each at the throttled speed


def _pull(config: Path, state: Path, password: str) -> subprocess.Popen[str]:
    env = cli_env(state, FTP_USER=FTP_USER, FTP_PASSWORD=password)
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "pull", "--config", str(config), "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_pull_then_rerun_lands_each_file_and_record_once(
    spark: Any, tmp_path: Path, landing: Path
) -> None:
    from ingest import pipeline

    remote = tmp_path / "remote"
    expected = {}
    for n in range(FILES):
        path = remote / "exports" / f"part-{n}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(
                json.dumps({"id": n * LINES + i, "ts": "2026-01-05T10:00:00Z", "pad": "y" * 40}) + "\n"
                for i in range(LINES)
            )
        )
        expected[path.name] = path.read_bytes()
    password = "kill-test"
    server = start_ftp(remote, password, bytes_per_second=16_000)
    pull = {
        "kind": "ftp",
        "host": "127.0.0.1",
        "port": server.port,
        "path": "/exports",
        "username_env": "FTP_USER",
        "password_env": "FTP_PASSWORD",
    }
    config = write_config(
        tmp_path / "ingest.yml", landing, {"killed": {"pull": pull, "partition": {"column": "ts"}}}
    )
    state = tmp_path / "state"
    parts = landing / "killed" / "_pulls" / "parts"
    try:
        process = _pull(config, state, password)
        deadline = time.monotonic() + 60
        # kill it while the second file is half downloaded (the first one landed)
        while time.monotonic() < deadline:
            partial = [p for p in parts.glob("*.part") if p.stat().st_size > 2000] if parts.exists() else []
            if partial and len(landed(landing, "killed")) == 1:
                break
            time.sleep(0.05)
        else:
            process.kill()
            pytest.fail(f"no partial download seen: {process.communicate()}")
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert len(landed(landing, "killed")) == 1

        rerun = _pull(config, state, password)
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
        report = json.loads(out)["sources"][0]
        assert (len(report["files"]), report["skipped"], report["resumed"]) == (FILES - 1, 1, 1)
    finally:
        server.stop()

    files = landed(landing, "killed")
    assert sorted(f.read_bytes() for f in files) == sorted(expected.values())  # each file once, whole
    assert not list(parts.glob("*.part"))

    sources = load_config(config).sources
    result = pipeline.run(spark, sources, work_dir=state)
    assert result.ok and result.sources[0].rows_written == FILES * LINES
    rows = spark.table("raw.killed")
    assert rows.count() == FILES * LINES and rows.select("id").distinct().count() == FILES * LINES
    pulls = spark.table("ingest_meta.pulls").where("source = 'killed'")
    assert pulls.count() == FILES and {r.size for r in pulls.collect()} == {len(v) for v in expected.values()}
    again = pipeline.run(spark, sources, work_dir=state)
    assert (
        again.sources[0].status == "noop"
        and spark.table("ingest_meta.pulls").where("source = 'killed'").count() == FILES
    )

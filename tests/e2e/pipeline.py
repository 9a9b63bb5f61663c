"""The end-to-end pipeline every e2e test reads: generate -> ingest -> dbt, in one temp state dir.

``build_pipeline`` runs it once per test session (the ``pipeline`` fixture in ``conftest.py``):

1. ``ingest generate`` + ``ingest run``, then ``dbt build --target local``.
   The first ingest also carries one extra drone boot without a time sync (``E2E_BOOT``): its
   only flight is dated by the upload time, ``STALE_DAY``, a day no generated flight has.
   One camera landing day (``STREAMED_DAY``) is not in the batch: before the build, its lines are
   posted to the real collector (``ingest collect``), carried by a real Kafka broker and landed
   by ``ingest stream --available-now``, so the marts' ground-truth checks cover streamed rows.
2. A drifted app file with an attribute nobody has seen (``properties.campaign_code``) and a
   late time sync for ``E2E_BOOT`` are ingested together; one ``dbt run`` of the staged view,
   the app fact and the drone chain brings the new column in and moves the boot's flight to
   ``SYNCED_DAY`` (``STALE_DAY``, whose recompute came out empty, must lose it).
3. One day of the fact is re-run (``reprocess_from`` / ``reprocess_to`` vars).

The marts are Iceberg tables: a commit writes new data files under ``<table>/data/<partition>/``
and leaves replaced ones on disk until snapshots expire, so the data files on disk per partition
show exactly which partitions each step wrote to.

4. ``make docs`` (``ingest.dbt_docs``) generates the docs site of the warehouse as it now is.

Embedded Derby admits one JVM at a time, so every step is its own process, one after the other.
Steps 2 to 4 and the warehouse read share one process (``dbt_runs_then_read``): the docs and the
read go through the Spark session dbt started. Tests that need more run their own steps on
``Pipeline.env`` afterwards.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest.sample import ground_truth

ROOT = Path(__file__).resolve().parents[2]
DRIFT_DAY = "2026-01-11"
REPROCESS_DAY = "2026-01-07"
NEW_COLUMN = "properties_campaign_code"
FACT_DIR = Path("warehouse") / "marts.db" / "fct_app_events" / "data"
E2E_DRONE = "DRN-003"
E2E_BOOT = "DRN-003-e2e"
STALE_DAY = "2026-01-12"
SYNCED_DAY = "2026-01-10"
STREAMED_DAY = "2026-01-08"  # the camera landing day that arrives over HTTP -> Kafka, not as files

# The marts' columns the ground truth lists, in its order (one definition, the generator's).
SESSION_COLUMNS = list(ground_truth.SESSION_COLUMNS)
FLIGHT_COLUMNS = list(ground_truth.FLIGHT_COLUMNS)


@dataclass(frozen=True)
class Pipeline:
    """The module's state dir, environment and what each step left behind."""

    state: Path
    landing: Path
    env: dict[str, str]
    first_ingest: subprocess.CompletedProcess[str]  # what `make run` shows of its ingest step
    build: subprocess.CompletedProcess[str]  # ... and of its dbt build (through ingest.dbt_console)
    build_results: list[dict[str, Any]]
    drift_run_id: str  # the ingest run that added NEW_COLUMN, as its --json report says
    files_before_drift: dict[str, dict[str, tuple[int, int]]]
    files_after_drift: dict[str, dict[str, tuple[int, int]]]
    files_after_reprocess: dict[str, dict[str, tuple[int, int]]]
    streamed: Streamed
    warehouse: dict[str, Any]


@dataclass(frozen=True)
class Streamed:
    """The camera day that went through collector -> Kafka -> ``ingest stream``."""

    records: int  # JSON-object lines of the day's files, counted here with json.loads
    other_lines: int  # non-blank lines that are not a JSON object
    posted: dict[str, int]  # the collector's answers, summed: accepted / dead-lettered lines
    stream: dict[str, Any]  # ``ingest stream --json``


def run(args: list[str], env: dict[str, str], timeout: int = 1500) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n"
        f"--- stdout (tail)\n{result.stdout[-6000:]}\n--- stderr (tail)\n{result.stderr[-3000:]}"
    )
    return result


def ingest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "ingest", *args], env)


def _partition_files(state: Path) -> dict[str, dict[str, tuple[int, int]]]:
    """Partition dir -> {data file: (size, mtime_ns)} of the fact's Parquet files."""
    listing: dict[str, dict[str, tuple[int, int]]] = {}
    for partition in sorted((state / FACT_DIR).glob("event_date=*")):
        files = {
            f.name: (f.stat().st_size, f.stat().st_mtime_ns)
            for f in partition.iterdir()
            if f.is_file() and not f.name.startswith((".", "_"))
        }
        listing[partition.name] = files
    return listing


def _drone_event(index: int, event_type: str, device_time_s: float, **extra: object) -> dict[str, object]:
    return {
        "event_id": f"d-e2e{index:09d}",
        "event_type": event_type,
        "drone": {"serial": E2E_DRONE, "model": "AVATA2", "firmware": "3.4.0"},
        "boot_id": E2E_BOOT,
        "device_time_s": device_time_s,
        "telemetry": {"lat": 46.5, "lon": 6.6, "alt_m": 0.0, "battery_pct": 90, "speed_mps": 0.0},
        **extra,
    }


def _write_unsynced_boot(landing: Path) -> None:
    """One boot, one flight, no time sync: the flight is dated by the upload (STALE_DAY)."""
    received = {"received_at": f"{STALE_DAY}T09:00:00.000Z"}
    events = [
        _drone_event(1, "power_on", 1.0, **received),
        _drone_event(2, "takeoff", 60.0, **received),
        _drone_event(3, "landing", 360.0, **received),
    ]
    folder = landing / "drone" / STALE_DAY
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(event) + "\n" for event in events)
    (folder / f"{E2E_BOOT}.jsonl").write_text(lines, encoding="utf-8")


def _write_late_time_sync(landing: Path) -> None:
    """The boot's time sync, uploaded late: its clock puts the flight on SYNCED_DAY."""
    sync = _drone_event(
        4,
        "time_sync",
        5.0,
        sync={"device_time_s": 5.0, "utc": f"{SYNCED_DAY}T07:00:00.000Z"},
        received_at=f"{STALE_DAY}T10:00:00.000Z",
    )
    folder = landing / "drone" / STALE_DAY
    (folder / f"{E2E_BOOT}-sync.jsonl").write_text(json.dumps(sync) + "\n", encoding="utf-8")


def _write_drift_file(landing: Path) -> int:
    """App events of DRIFT_DAY carrying an attribute no earlier file had."""
    folder = landing / "app" / DRIFT_DAY
    folder.mkdir(parents=True, exist_ok=True)
    events = [
        {
            "event_id": f"a-drift{index:05d}",
            "event_name": "app_open",
            "ts": f"{DRIFT_DAY}T2{index}:00:00.000Z",
            "user_id": "u-0001",
            "device_serial": "CAM-0001",
            "platform": "ios",
            "app_version": "5.2.0",
            "context": {"country": "CH", "locale": "de-CH"},
            "properties": {"screen": "home", "duration_ms": 900, "campaign": {"code": "SPRING26"}},
        }
        for index in range(3)
    ]
    path = folder / "events_drift.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return len(events)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hold_back_streamed_day(landing: Path, held: Path) -> list[Path]:
    """Move the camera files of STREAMED_DAY out of the landing: they arrive by stream instead."""
    day = landing / "camera" / STREAMED_DAY
    files = sorted(day.iterdir())
    assert files, f"the sample has no camera files for {STREAMED_DAY}"
    held.mkdir(parents=True)
    for path in files:
        path.rename(held / path.name)
    day.rmdir()
    return sorted(held.iterdir())


def _stream_day(state: Path, files: list[Path], env: dict[str, str]) -> Streamed:
    """Post the held-back files' lines as devices would, then land them with ``ingest stream``."""
    import yaml

    from ingest.broker import Broker, load_broker_settings
    from tests.stream.collector_process import Collector

    config = yaml.safe_load((ROOT / "ingest.yml").read_text(encoding="utf-8"))
    kafka = load_broker_settings(
        state_dir=state, root=state / "kafka", port=_free_port(), controller_port=_free_port()
    )
    config["sources"]["camera"]["stream"] = {"kind": "kafka", "bootstrap_servers": kafka.bootstrap}
    stream_config = state / "ingest-stream.yml"
    stream_config.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    lines = [line.removesuffix("\r") for path in files for line in _text(path).split("\n") if line.strip()]
    records = sum(1 for line in lines if _is_object(line))
    broker = Broker(kafka)
    broker.start()
    try:
        collector = Collector(stream_config, kafka, state / "collector", _free_port())
        (state / "collector").mkdir()
        collector.start()
        posted: dict[str, int] = {}
        try:
            for start in range(0, len(lines), 200):  # a device's batch of lines per POST
                body = "".join(line + "\n" for line in lines[start : start + 200]).encode()
                answer = collector.post("camera", body, {"Content-Type": "application/x-ndjson"})
                assert answer.status_code == 200, answer.text
                for key, value in answer.json().items():
                    if isinstance(value, int):
                        posted[key] = posted.get(key, 0) + value
        finally:
            collector.stop()
        streamed = ingest(
            "stream",
            "--config",
            str(stream_config),
            "--source",
            "camera",
            "--available-now",
            "--json",
            env=env,
        )
    finally:
        broker.stop()
    report = json.loads(streamed.stdout[streamed.stdout.index("{") :])
    return Streamed(records, len(lines) - records, posted, report)


def _text(path: Path) -> str:
    return (gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()).decode("utf-8")


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def build_pipeline(state: Path) -> Pipeline:
    """Every step above, in ``state``; raises with the failing step's output tail."""
    landing = state / "landing"
    env = {
        **os.environ,
        "DAP_STATE_DIR": str(state),
        "DAP_LANDING": str(landing),
        "DBT_PROFILES_DIR": str(ROOT / "profiles"),
        # Keep the repository's target/ and logs/ out of it: this run is disposable.
        "DBT_TARGET_PATH": str(state / "dbt-target"),
        "DBT_LOG_PATH": str(state / "dbt-logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    ingest("generate", "--landing", str(landing), env=env)
    _write_unsynced_boot(landing)
    held_back = _hold_back_streamed_day(landing, state / "streamed-day")
    first_ingest = ingest("run", "--config", "ingest.yml", env=env)
    streamed = _stream_day(state, held_back, env)
    console = [sys.executable, "-m", "ingest.dbt_console", "build", "--target", "local"]
    # The full build runs with the suite's JVM options, as every other step: C1 only and the
    # serial collector. Alone on 2 cores it used 90-105 s of CPU in 57-65 s that way, against
    # 128-138 s in 70-75 s with both compilers and the parallel collector (bench/RESULTS.md,
    # session 58): its 239 nodes run many different queries, so C2 kept compiling to the end.
    build = run(console, env)
    build_results = json.loads((state / "dbt-target" / "run_results.json").read_text())["results"]

    files_before_drift = _partition_files(state)
    _write_drift_file(landing)
    _write_late_time_sync(landing)
    drift = ingest("run", "--config", "ingest.yml", "--source", "app", "--source", "drone", "--json", env=env)
    drift_run_id = re.search(r'"run_id": "([^"]+)"', drift.stdout)
    assert drift_run_id, f"no run_id in the --json report:\n{drift.stdout[-2000:]}"
    drone_chain = ["int_drone_events_deduplicated", "int_drone_events_clock_corrected", "int_flights_paired"]
    # The whole sample was ingested minutes ago, inside the default commit lag (every watermark
    # set back an hour would read all of it again); one writer here, so the exact watermark is
    # right, and it shows which partitions the new rows alone touch.
    exact = json.dumps({"ingest_commit_lag_minutes": 0})
    selected = ["stg_app__events", "fct_app_events", *drone_chain, "fct_flights"]
    reprocess = json.dumps(
        {"reprocess_from": REPROCESS_DAY, "reprocess_to": REPROCESS_DAY, "ingest_commit_lag_minutes": 0}
    )
    runs = [["run", "-s", *selected, "--vars", exact], ["run", "-s", "fct_app_events", "--vars", reprocess]]
    out = state / "after-drift.json"
    script = "import sys; from tests.e2e.pipeline import dbt_runs_then_read; dbt_runs_then_read(sys.argv[1], sys.argv[2])"
    run([sys.executable, "-c", script, str(out), json.dumps(runs)], env)
    after_drift = json.loads(out.read_text())
    files_after_drift, files_after_reprocess = (
        {
            partition: {name: tuple(stat) for name, stat in files.items()}
            for partition, files in listing.items()
        }
        for listing in after_drift["files_after"]
    )
    return Pipeline(
        state=state,
        landing=landing,
        env=env,
        first_ingest=first_ingest,
        build=build,
        build_results=build_results,
        drift_run_id=drift_run_id.group(1),
        files_before_drift=files_before_drift,
        files_after_drift=files_after_drift,
        files_after_reprocess=files_after_reprocess,
        streamed=streamed,
        warehouse=after_drift["warehouse"],
    )


def dbt_runs_then_read(out: str, runs_json: str) -> None:
    """Steps 2 and 3's dbt runs, step 4's docs, then the warehouse read, in one subprocess and
    one JVM.

    Each run is what ``dbt ARGS --target local`` runs (dbt's own runner); the fact's files on
    disk are listed after each. The docs are what ``python -m ingest.dbt_docs --target local``
    makes (its ``main``, dbt's runner again). The read then goes through the Spark session dbt
    started (``getOrCreate``): the same catalog and warehouse, without another JVM start. Writes
    ``{"files_after": [listing per run], "warehouse": {what the assertions read}}`` to ``out``.
    """
    from dbt.cli.main import dbtRunner

    from ingest import dbt_docs

    state = Path(os.environ["DAP_STATE_DIR"])
    files_after = []
    for args in json.loads(runs_json):
        result = dbtRunner().invoke([*args, "--target", "local"])
        assert result.success, f"dbt {' '.join(args)} failed ({result.exception}); its output is above"
        files_after.append(_partition_files(state))
    assert dbt_docs.main(["--target", "local"]) == 0, "the docs site failed; its output is above"
    from pyspark.sql import SparkSession

    warehouse = read_warehouse(SparkSession.builder.getOrCreate())  # dbt's session, as it left it
    Path(out).write_text(
        json.dumps({"files_after": files_after, "warehouse": warehouse}, default=_json_value)
    )


def read_warehouse(spark: Any) -> dict[str, Any]:
    """What the assertions need of the marts and raw tables, as JSON-ready rows."""

    def rows(sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in spark.sql(sql).collect()]

    dump = {
        "sessions": rows(
            "select device_serial, started_at, ended_at, end_reason, session_date "
            "from marts.fct_recording_sessions"
        ),
        "flights": rows(
            "select device_serial as drone_serial, boot_id, took_off_at, landed_at, end_reason, "
            f"is_clock_corrected, flight_date, duration_s from marts.fct_flights where boot_id != '{E2E_BOOT}'"
        ),
        "e2e_boot_flights": rows(
            "select cast(flight_date as string) as flight_date, is_clock_corrected, took_off_at "
            f"from marts.fct_flights where boot_id = '{E2E_BOOT}'"
        ),
        "flights_per_day": rows(
            "select cast(flight_date as string) as flight_date, count(*) as n from marts.fct_flights group by 1"
        ),
        "described": {
            relation: rows(f"describe table extended {relation}")
            for relation in (
                "marts.fct_flights",  # incremental
                "marts.dim_devices",  # table
                "seeds.country_regions",
                "staging.stg_drone__telemetry",  # view
            )
        },
        "staged_columns": spark.table("staging.stg_app__events").columns,
        "fact_columns": spark.table("marts.fct_app_events").columns,
        "fact_rows_per_day": rows(
            "select cast(event_date as string) as event_date, count(*) as fact_rows, "
            "count(distinct app_event_id) as fact_events from marts.fct_app_events group by 1"
        ),
        "staged_events_per_day": rows(
            "select cast(event_date as string) as event_date, count(distinct app_event_id) as events "
            "from staging.stg_app__events group by 1"
        ),
        "camera_rows_by_origin": rows(
            "select case when _source_file like 'kafka://%' then 'kafka' else 'file' end as origin, "
            "cast(to_date(event_ts) as string) as day, count(*) as n from raw.camera_events group by 1, 2"
        ),
        "camera_quarantined_from_kafka": rows(
            "select count(*) as n from ingest_meta.quarantine "
            "where table_name = 'raw.camera_events' and file_uri like 'kafka://%'"
        )[0]["n"],
        "new_column_values": rows(
            f"select cast(event_date as string) as event_date, {NEW_COLUMN} as value, count(*) as n "
            f"from marts.fct_app_events where {NEW_COLUMN} is not null group by 1, 2"
        ),
    }
    spark.stop()
    return dump


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.3f}"
    raise TypeError(f"cannot serialise {value!r}")

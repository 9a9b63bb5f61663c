"""End to end on the embedded profile: generate -> ingest -> ``dbt build`` -> what a user sees.

One temp state dir (``DAP_STATE_DIR``, ``DAP_LANDING``) for the test session (``conftest.py``, ``pipeline.py``):

1. ``ingest generate`` + ``ingest run``, then ``dbt build --target local``: every data test and
   unit test passes, and the recording sessions and flights in the marts equal the generator's
   ground truth (``<landing>/_ground_truth/*.csv``) row for row.
   The first ingest also carries one extra drone boot without a time sync (``E2E_BOOT``): its
   only flight is dated by the upload time, ``STALE_DAY``, a day no generated flight has.
2. A drifted app file with an attribute nobody has seen (``properties.campaign_code``) and a
   late time sync for ``E2E_BOOT`` are ingested together; one ``dbt run`` of the staged view,
   the app fact and the drone chain then
   - brings the new column into the view and the fact (carry-through +
     ``on_schema_change='append_new_columns'``) and writes only the day with the new rows;
   - moves the boot's flight to ``SYNCED_DAY``, and ``STALE_DAY``, whose recompute came out
     empty, loses it (no stale flight is kept).
3. Re-running one day of the fact (``reprocess_from`` / ``reprocess_to`` vars) writes that
   day's partition and no other, with the same rows.
4. ``persist_docs``: ``DESCRIBE TABLE EXTENDED`` shows model and column descriptions on an
   Iceberg table and on a view.

The marts are Iceberg tables: a commit writes new data files under
``<table>/data/<partition>/`` and leaves replaced ones on disk until snapshots expire, so the
data files on disk per partition show exactly which partitions each step wrote to.

Embedded Derby admits one JVM at a time, so every step is its own process, one after the other;
the warehouse is read after the last dbt run, in its process (``dbt_runs_then_read``).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pipeline import (
    DRIFT_DAY,
    FLIGHT_COLUMNS,
    NEW_COLUMN,
    REPROCESS_DAY,
    SESSION_COLUMNS,
    STALE_DAY,
    STREAMED_DAY,
    SYNCED_DAY,
    Pipeline,
)

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def _as_csv_row(row: dict[str, Any], columns: list[str]) -> tuple[str, ...]:
    """A mart row in the ground truth's CSV conventions (NULL empty, booleans lower case)."""
    cells = []
    for column in columns:
        value = row[column]
        cells.append("" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
    return tuple(cells)


def _ground_truth(landing: Path, name: str, columns: list[str]) -> list[tuple[str, ...]]:
    with (landing / "_ground_truth" / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == columns
        return sorted(tuple(record[c] for c in columns) for record in reader)


def test_build_passes_every_test(pipeline: Pipeline) -> None:
    statuses: dict[str, int] = {}
    for result in pipeline.build_results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    failed = [r["unique_id"] for r in pipeline.build_results if r["status"] in ("fail", "error", "skipped")]
    assert failed == [], f"dbt build: {statuses}"
    kinds = {r["unique_id"].split(".")[0] for r in pipeline.build_results}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    assert re.search(r"^dbt build done in \d+m\d\ds: .*\d+ model success", pipeline.build.stdout, re.M)


# What `make run` prints for its two long steps; README ("Quick start") states the budget.
CONSOLE_BUDGET = {"ingest run": 40, "dbt build": 16}


def test_the_console_fits_on_a_screen(pipeline: Pipeline) -> None:
    printed = {
        "ingest run": (pipeline.first_ingest.stdout + pipeline.first_ingest.stderr).splitlines(),
        "dbt build": (pipeline.build.stdout + pipeline.build.stderr).splitlines(),
    }
    assert {step: len(lines) for step, lines in printed.items() if len(lines) > CONSOLE_BUDGET[step]} == {}, (
        printed
    )
    assert not [line for line in printed["dbt build"] if " START " in line or "WARN" in line]
    assert sum("dbt build:" in line for line in printed["dbt build"]) >= 5  # progress, about every tenth
    assert "created raw.camera_events" in "\n".join(printed["ingest run"])  # not one line per column


def test_recording_sessions_match_ground_truth(pipeline: Pipeline) -> None:
    expected = _ground_truth(pipeline.landing, "recording_sessions.csv", SESSION_COLUMNS)
    actual = sorted(_as_csv_row(row, SESSION_COLUMNS) for row in pipeline.warehouse["sessions"])
    assert len(actual) == len(expected)
    assert actual == expected


def test_a_day_streamed_through_kafka_lands_like_the_batch_days(pipeline: Pipeline) -> None:
    """STREAMED_DAY's camera lines went collector -> Kafka -> ``ingest stream``: every record is
    in the raw table (as many rows as the files had JSON objects, counted here), every other line
    in quarantine; the sessions test above checks the marts built from them."""
    streamed = pipeline.streamed
    assert streamed.records > 0
    assert (
        streamed.posted["accepted"] + streamed.posted["dead_lettered"]
        == streamed.records + streamed.other_lines
    )
    assert streamed.stream["ok"] is True
    by_origin: dict[str, int] = {}
    for row in pipeline.warehouse["camera_rows_by_origin"]:
        by_origin[row["origin"]] = by_origin.get(row["origin"], 0) + row["n"]
    assert by_origin["kafka"] == streamed.records
    assert pipeline.warehouse["camera_quarantined_from_kafka"] == streamed.other_lines
    streamed_days = {r["day"] for r in pipeline.warehouse["camera_rows_by_origin"] if r["origin"] == "kafka"}
    assert STREAMED_DAY in streamed_days


def test_flights_match_ground_truth(pipeline: Pipeline) -> None:
    expected = _ground_truth(pipeline.landing, "flights.csv", FLIGHT_COLUMNS)
    actual = sorted(_as_csv_row(row, FLIGHT_COLUMNS) for row in pipeline.warehouse["flights"])
    assert len(actual) == len(expected)
    assert actual == expected


def test_new_raw_column_reaches_staging_and_the_incremental_fact(pipeline: Pipeline) -> None:
    assert NEW_COLUMN in pipeline.warehouse["staged_columns"]
    assert NEW_COLUMN in pipeline.warehouse["fact_columns"]
    assert pipeline.warehouse["new_column_values"] == [{"event_date": DRIFT_DAY, "value": "SPRING26", "n": 3}]


def test_incremental_run_rewrites_only_the_day_with_new_rows(pipeline: Pipeline) -> None:
    before, after = pipeline.files_before_drift, pipeline.files_after_drift
    assert before.keys() == after.keys()
    changed = sorted(day for day in before if before[day] != after[day])
    assert changed == [f"event_date={DRIFT_DAY}"]


def test_reprocessing_one_day_replaces_only_that_partition(pipeline: Pipeline) -> None:
    before, after = pipeline.files_after_drift, pipeline.files_after_reprocess
    assert before.keys() == after.keys()
    changed = sorted(day for day in before if before[day] != after[day])
    assert changed == [f"event_date={REPROCESS_DAY}"]
    # Same rows as before: one per distinct staged event, every day.
    staged = {r["event_date"]: r["events"] for r in pipeline.warehouse["staged_events_per_day"]}
    fact = {
        r["event_date"]: (r["fact_rows"], r["fact_events"]) for r in pipeline.warehouse["fact_rows_per_day"]
    }
    assert fact == {day: (events, events) for day, events in staged.items()}


def test_late_time_sync_moves_the_flight_and_empties_the_old_day(pipeline: Pipeline) -> None:
    # Before the sync the flight was dated by its upload; the run replaced both days.
    assert pipeline.warehouse["e2e_boot_flights"] == [
        {"flight_date": SYNCED_DAY, "is_clock_corrected": True, "took_off_at": f"{SYNCED_DAY}T07:00:55.000Z"}
    ]
    per_day = {r["flight_date"]: r["n"] for r in pipeline.warehouse["flights_per_day"]}
    assert STALE_DAY not in per_day, f"stale flights kept on {STALE_DAY}: {per_day.get(STALE_DAY)}"


def _described(pipeline: Pipeline, relation: str) -> tuple[str, dict[str, str | None]]:
    """(relation comment, {column: comment}) from DESCRIBE TABLE EXTENDED."""
    rows = pipeline.warehouse["described"][relation]
    comment = next(r["data_type"] for r in rows if r["col_name"] == "Comment")
    columns: dict[str, str | None] = {}
    for row in rows:
        if not row["col_name"] or row["col_name"].startswith("#"):
            break
        columns[row["col_name"]] = row["comment"]
    return comment, columns


def test_descriptions_are_persisted_on_tables_and_views(pipeline: Pipeline) -> None:
    comment, columns = _described(pipeline, "marts.fct_flights")
    assert comment.startswith("Drone flights: one row per takeoff")
    assert columns["boot_id"] is not None and columns["boot_id"].startswith(
        "Id of one power cycle of a drone"
    )
    assert columns["flight_date"] == "Date (UTC) of `took_off_at`. The partition column."
    view_comment, view_columns = _described(pipeline, "staging.stg_drone__telemetry")
    assert view_comment.startswith("Drone events, renamed and typed.")
    assert view_columns["boot_id"] is not None and view_columns["boot_id"].startswith("Id of one power cycle")


def _metastore_text(description: str) -> str:
    """What the metastore keeps of a description: trimmed, cut to 256 characters ending in '...'."""
    text = description.strip()
    return text if len(text) <= 256 else text[:253] + "..."


@pytest.mark.parametrize("relation", ["marts.fct_flights", "marts.dim_devices", "seeds.country_regions"])
def test_every_documented_column_of_a_table_carries_its_description(
    pipeline: Pipeline, relation: str
) -> None:
    # The comments are written by the create itself (macros/persist_docs), not by one
    # `alter column` per column afterwards: check that none was left out on the way.
    manifest = json.loads((pipeline.state / "dbt-target" / "manifest.json").read_text())
    node = next(
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and f"{n['schema']}.{n['alias']}" == relation
    )
    documented = {  # but the columns the docs step described in the manifest alone (ingest.dbt_docs)
        name: c["description"]
        for name, c in node["columns"].items()
        if c["description"] and "original_path" not in c.get("meta", {})
    }
    _, columns = _described(pipeline, relation)
    assert len(documented) >= 3, f"{relation}: expected documented columns in the manifest"
    assert {name: columns.get(name) for name in documented} == {
        name: _metastore_text(text) for name, text in documented.items()
    }

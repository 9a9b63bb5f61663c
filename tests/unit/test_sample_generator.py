"""The sample-data generator follows docs/sample_data.md and its ground truth follows the rules."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.sample import GenerateReport, generate
from ingest.sample.common import MS_H, iso_ms, parse_iso_ms
from ingest.sample.ground_truth import (
    CameraEvent,
    DroneEvent,
    corrected_ms,
    flights,
    recording_sessions,
    sync_offsets,
)
from ingest.sample.parse import camera_event, drone_event

START = date(2026, 1, 5)
T0 = parse_iso_ms("2026-01-05T10:00:00.000Z")
ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
PATH = re.compile(r"^(camera|drone|app|shop|crm|gopro|px4)/(\d{4}-\d{2}-\d{2})/[^/]+$")

Sample = tuple[Path, GenerateReport]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate(landing)


# ---------------------------------------------------------------- helpers reading what landed


def landing_files(landing: Path) -> list[str]:
    return sorted(
        p.relative_to(landing).as_posix()
        for p in landing.rglob("*")
        if p.is_file() and not p.relative_to(landing).as_posix().startswith("_ground_truth/")
    )


def text_of(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")


def lines_of(path: Path) -> list[str]:
    return text_of(path).split("\n")[:-1]


def json_events(landing: Path, source: str) -> list[tuple[date, dict[str, Any]]]:
    """(folder date, object) for every parsable line of a JSON source."""
    found = []
    for rel in landing_files(landing):
        if rel.startswith(f"{source}/"):
            folder = date.fromisoformat(rel.split("/")[1])
            for line in lines_of(landing / rel):
                try:
                    found.append((folder, json.loads(line)))
                except json.JSONDecodeError:
                    continue
    return found


def day_no(value: date) -> int:
    return (value - START).days + 1


def event_day(ts: str) -> int:
    return day_no(date.fromisoformat(ts[:10]))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# ---------------------------------------------------------------- determinism and layout


def test_same_seed_gives_byte_identical_files(sample: Sample, tmp_path: Path) -> None:
    landing, _ = sample
    generate(tmp_path / "again")
    first = {p.relative_to(landing): p.read_bytes() for p in landing.rglob("*") if p.is_file()}
    second = {
        p.relative_to(tmp_path / "again"): p.read_bytes()
        for p in (tmp_path / "again").rglob("*")
        if p.is_file()
    }
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_other_seed_gives_other_data(sample: Sample, tmp_path: Path) -> None:
    landing, _ = sample
    generate(tmp_path / "other", seed=43)
    rel = "app/2026-01-05/events_ios.jsonl"
    assert (tmp_path / "other" / rel).read_bytes() != (landing / rel).read_bytes()


def test_layout_is_source_date_file_within_the_week(sample: Sample) -> None:
    landing, report = sample
    rels = landing_files(landing)
    assert rels == sorted(path for paths in report.files.values() for path in paths)
    for rel in rels:
        match = PATH.match(rel)
        assert match, rel
        assert 1 <= day_no(date.fromisoformat(match.group(2))) <= 7, rel
    assert {rel.split("/")[0] for rel in rels} == {"camera", "drone", "app", "shop", "crm", "gopro", "px4"}
    assert not [p for p in landing.rglob(".*")], "no temp files left behind"


def test_every_third_camera_file_is_gzipped_with_mtime_zero(sample: Sample) -> None:
    landing, report = sample
    camera = list(report.files["camera"])
    assert camera == sorted(camera)
    for i, rel in enumerate(camera):
        assert rel.endswith(".jsonl.gz") == (i % 3 == 2), rel
        if rel.endswith(".gz"):
            header = (landing / rel).read_bytes()[:10]
            assert header[:2] == b"\x1f\x8b" and header[4:8] == b"\0\0\0\0"  # mtime 0
    assert all(not rel.endswith(".gz") for s in ("drone", "app", "shop", "crm") for rel in report.files[s])


def test_all_timestamps_are_iso_utc_milliseconds_z(sample: Sample) -> None:
    landing, _ = sample
    for _, obj in json_events(landing, "camera"):
        assert ISO_MS_Z.match(obj["event_ts"])
    for _, obj in json_events(landing, "drone"):
        assert ISO_MS_Z.match(obj["received_at"])
        if "sync" in obj:
            assert ISO_MS_Z.match(obj["sync"]["utc"])
    for _, obj in json_events(landing, "app"):
        assert ISO_MS_Z.match(obj["ts"])
    truth = landing / "_ground_truth"
    for row in read_csv(truth / "recording_sessions.csv"):
        assert all(v == "" or ISO_MS_Z.match(v) for v in (row["started_at"], row["ended_at"]))
    for row in read_csv(truth / "flights.csv"):
        assert ISO_MS_Z.match(row["took_off_at"]) and (
            row["landed_at"] == "" or ISO_MS_Z.match(row["landed_at"])
        )


# ---------------------------------------------------------------- drift


def test_camera_drift_appears_on_the_stated_days_and_not_before(sample: Sample) -> None:
    landing, _ = sample
    iso_strings: Counter[str] = Counter()
    twins_by_day: Counter[int] = Counter()
    for _, obj in json_events(landing, "camera"):
        day = event_day(obj["event_ts"])
        attributes = obj["record"]["attributes"]
        firmware = obj["header"]["device"]["firmware"]
        assert firmware == ("1.0.0" if day <= 2 else "1.1.0" if day <= 4 else "1.2.0")
        assert obj["header"]["device"]["model"] in ("HERO11", "HERO12", "HERO13")
        assert ("hdr" in attributes and "lens" in attributes) == (day >= 3)
        if day >= 3:
            assert isinstance(attributes["hdr"], bool) and isinstance(attributes["lens"], str)
        if day >= 5:
            assert isinstance(attributes["iso"], str)
            iso_strings["auto" if attributes["iso"] == "auto" else "number"] += 1
            assert attributes["iso"] == "auto" or str(int(attributes["iso"])) == attributes["iso"]
        else:
            assert isinstance(attributes["iso"], int)
        has_twins = "whiteBalance" in attributes and "whitebalance" in attributes
        assert has_twins == ("whiteBalance" in attributes) == ("whitebalance" in attributes)
        twins_by_day[day] += has_twins
    assert iso_strings["auto"] > 0 and iso_strings["number"] > 0
    assert all(twins_by_day[d] == 0 for d in (1, 2, 3))
    assert all(twins_by_day[d] > 0 for d in (4, 5, 6, 7))


def test_drone_firmware_drift_and_device_clock(sample: Sample) -> None:
    landing, _ = sample
    boots: dict[str, set[str]] = {}
    for folder, obj in json_events(landing, "drone"):
        firmware = obj["drone"]["firmware"]
        assert obj["drone"]["model"] in ("AVATA2", "MAVIC3")
        if day_no(folder) < 4:
            assert firmware == "3.4.0"
        telemetry = obj.get("telemetry")
        assert (telemetry is None) == (obj["event_type"] == "time_sync") == ("sync" in obj)
        if telemetry is not None:
            assert ("wind_mps" in telemetry and "gps_fix" in telemetry) == (firmware == "3.5.0")
        assert 0 < obj["device_time_s"] < 3 * 3600, "seconds since boot, not epoch"
        assert obj["boot_id"].startswith(obj["drone"]["serial"] + "-b")
        boots.setdefault(obj["boot_id"], set()).add(obj["event_type"])
    assert {o["drone"]["firmware"] for f, o in json_events(landing, "drone") if day_no(f) >= 5} == {"3.5.0"}
    assert any("time_sync" in types for types in boots.values())
    assert any("time_sync" not in types for types in boots.values())


def test_app_drift_appears_on_the_stated_days_and_not_before(sample: Sample) -> None:
    landing, _ = sample
    media_count: Counter[int] = Counter()
    variant: Counter[int] = Counter()
    for _, obj in json_events(landing, "app"):
        day = event_day(obj["ts"])
        properties = obj["properties"]
        assert obj["context"]["country"] in ("CH", "DE", "FR", "GB", "US", "JP", "BR", "AU")
        media_count[day] += "media_count" in properties
        variant[day] += "experiment" in properties
        if "experiment" in properties:
            assert isinstance(properties["experiment"]["variant"], str)
        if "tags" in properties:
            assert isinstance(properties["tags"], list)
    assert media_count[1] == 0 and all(media_count[d] > 0 for d in range(2, 8))
    assert all(variant[d] == 0 for d in range(1, 6)) and all(variant[d] > 0 for d in (6, 7))


def test_shop_csv_header_per_day(sample: Sample) -> None:
    landing, report = sample
    v1 = "Order ID,Order Date,Customer Email,Product SKU,Quantity,Unit Price,Currency,Country"
    v6 = "Order Date,Order ID,Country,Customer Email,Product SKU,Unit Price,Quantity,Discount Code"
    expected = {1: v1, 2: v1, 3: v1, 4: v1 + ",Discount Code", 5: v1 + ",Discount Code", 6: v6, 7: v6}
    assert len(report.files["shop"]) == 7
    for rel in report.files["shop"]:
        header = lines_of(landing / rel)[0]
        assert header == expected[day_no(date.fromisoformat(rel.split("/")[1]))], rel
        for row in read_csv(landing / rel):
            if None not in row.values() and None not in row:
                assert row["Product SKU"] in ("HERO11", "HERO12", "HERO13", "AVATA2", "MAVIC3")
                assert row["Order Date"][:10] == rel.split("/")[1]


# ---------------------------------------------------------------- planted edge cases


def test_bad_and_blank_lines_are_planted_and_reported(sample: Sample) -> None:
    landing, report = sample
    assert dict(report.bad_lines) == {"camera": 0, "drone": 0, "app": 2, "shop": 1, "crm": 0}
    counts = json.loads((landing / "_ground_truth/counts.json").read_text())
    assert counts["sources"]["app"]["blank_lines"] == 1
    malformed = []
    for rel in report.files["app"]:
        for line in lines_of(landing / rel):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError:
                    malformed.append(line)
    assert len(malformed) == 2 and all(line.startswith('{"event_id":"a-') for line in malformed)
    short_rows = [
        row
        for rel in report.files["shop"]
        for row in csv.reader(io.StringIO(text_of(landing / rel)))
        if len(row) not in (8, 9)
    ]
    assert len(short_rows) == 1


def test_late_data_lands_in_the_next_days_folder(sample: Sample) -> None:
    landing, _ = sample
    late_camera = [
        o for f, o in json_events(landing, "camera") if o["event_ts"][:10] == str(f - timedelta(1))
    ]
    late_app = [o for f, o in json_events(landing, "app") if o["ts"][:10] == str(f - timedelta(1))]
    assert late_camera and late_app
    assert all(o["event_ts"][:10] <= str(f) for f, o in json_events(landing, "camera"))
    drone = json_events(landing, "drone")
    assert all(o["received_at"][:10] == str(f) for f, o in drone), "drone folder = upload date"
    folders_per_boot: dict[str, set[date]] = {}
    for folder, obj in drone:
        folders_per_boot.setdefault(obj["boot_id"], set()).add(folder)
    assert any(len(folders) > 1 for folders in folders_per_boot.values()), "a boot uploaded the next day"


def test_duplicates_are_identical_lines_in_the_same_and_in_another_file(sample: Sample) -> None:
    landing, report = sample
    where: dict[str, list[tuple[str, str]]] = {}
    for rel in report.files["camera"]:
        for line in lines_of(landing / rel):
            where.setdefault(json.loads(line)["event_id"], []).append((rel, line))
    duplicated = {k: v for k, v in where.items() if len(v) > 1}
    assert duplicated
    assert all(len({line for _, line in v}) == 1 for v in duplicated.values()), "identical lines"
    assert any(len({rel for rel, _ in v}) == 1 for v in duplicated.values()), "same file"
    assert any(len({rel for rel, _ in v}) > 1 for v in duplicated.values()), "another file"
    assert report.distinct_events["drone"] < report.lines["drone"], "a re-uploaded drone batch"


def test_counts_json_matches_the_files(sample: Sample) -> None:
    landing, report = sample
    counts = json.loads((landing / "_ground_truth/counts.json").read_text())
    for source, summary in counts["sources"].items():
        per_file = summary["per_file"]
        assert sorted(per_file) == list(report.files[source])
        distinct: set[Any] = set()
        for rel, expected in per_file.items():
            if source in ("shop", "crm"):
                rows = list(csv.reader(io.StringIO(text_of(landing / rel))))
                width = len(rows[0])
                records = [r for r in rows[1:] if r]
                count, blank = len(records), len(rows) - 1 - len(records)
                bad = sum(1 for r in records if len(r) != width)
                key = 0 if source == "crm" else rows[0].index("Order ID")
                good = [r for r in records if len(r) == width]
                distinct.update((rel, r[key]) if source == "crm" else r[key] for r in good)
            else:
                lines = lines_of(landing / rel)
                data = [line for line in lines if line.strip()]
                count, blank = len(data), len(lines) - len(data)
                parsed = []
                for line in data:
                    with contextlib.suppress(json.JSONDecodeError):
                        parsed.append(json.loads(line))
                bad = len(data) - len(parsed)
                distinct.update(o["event_id"] for o in parsed)
            assert expected == {"lines": count, "bad_lines": bad, "blank_lines": blank}, rel
        assert summary["files"] == len(per_file)
        assert summary["lines"] == report.lines[source] == sum(f["lines"] for f in per_file.values())
        assert summary["bad_lines"] == report.bad_lines[source]
        assert summary["raw_rows"] == summary["lines"] - summary["bad_lines"]
        assert summary["distinct_events"] == len(distinct) == report.distinct_events[source]


# ---------------------------------------------------------------- ground truth of the data set


def test_every_rule_branch_occurs_in_the_default_data_set(sample: Sample) -> None:
    landing, _ = sample
    sessions = read_csv(landing / "_ground_truth/recording_sessions.csv")
    assert {row["end_reason"] for row in sessions} == {
        "restarted",
        "stopped",
        "power_off",
        "orphan_stop",
        "timed_out",
        "open",
    }
    found = read_csv(landing / "_ground_truth/flights.csv")
    assert {row["end_reason"] for row in found} == {"landed", "restarted", "open"}
    assert {row["is_clock_corrected"] for row in found} == {"true", "false"}
    counts = json.loads((landing / "_ground_truth/counts.json").read_text())
    assert counts["flights"]["orphan_landings"] >= 1
    assert counts["recording_sessions"]["rows"] == len(sessions)
    assert counts["flights"]["rows"] == len(found)
    midnight = [
        r
        for r in sessions
        if r["started_at"] and r["ended_at"] and r["started_at"][:10] != r["ended_at"][:10]
    ]
    assert midnight and all(r["session_date"] == r["started_at"][:10] for r in midnight)


def test_ground_truth_files_equal_the_rules_applied_to_the_landed_files(sample: Sample) -> None:
    landing, _ = sample
    sessions = recording_sessions(camera_event(o) for _, o in json_events(landing, "camera"))
    truth = read_csv(landing / "_ground_truth/recording_sessions.csv")
    assert [(r["device_serial"], r["started_at"], r["ended_at"], r["end_reason"]) for r in truth] == [
        (
            s.device_serial,
            s.started_ms and iso_ms(s.started_ms) or "",
            s.ended_ms and iso_ms(s.ended_ms) or "",
            s.end_reason,
        )
        for s in sessions
    ]
    result = flights(drone_event(o) for _, o in json_events(landing, "drone"))
    rows = read_csv(landing / "_ground_truth/flights.csv")
    assert [(r["boot_id"], r["took_off_at"], r["end_reason"]) for r in rows] == [
        (f.boot_id, iso_ms(f.took_off_ms), f.end_reason) for f in result.flights
    ]
    for row in rows:
        if row["is_clock_corrected"] == "true":  # corrected take-off precedes the batch upload
            assert row["took_off_at"] < row["landed_at"] or row["end_reason"] == "open"
        assert row["flight_date"] == row["took_off_at"][:10]
        if row["landed_at"]:
            assert re.match(r"^\d+\.\d{3}$", row["duration_s"])
        else:
            assert row["end_reason"] == "open" and row["duration_s"] == ""


def test_drone_tie_landing_uses_the_earlier_sync(sample: Sample) -> None:
    landing, _ = sample
    events = [drone_event(o) for _, o in json_events(landing, "drone")]
    boots = {e.boot_id for e in events if e.event_type == "landing" and e.device_ms == 200_000}
    assert len(boots) == 1
    boot = [e for e in events if e.boot_id in boots]
    offsets = sync_offsets(boot)
    assert [device for device, _ in offsets] == [100_000, 300_000] and offsets[0][1] != offsets[1][1]
    landing_event = next(e for e in boot if e.device_ms == 200_000)
    assert corrected_ms(landing_event, offsets) == offsets[0][1] + 200_000


# ---------------------------------------------------------------- the rules on hand-built events


def cam(event_id: str, kind: str, minutes: float, serial: str = "CAM-0001") -> CameraEvent:
    return CameraEvent(serial, event_id, kind, T0 + round(minutes * 60_000))


def reasons(events: list[CameraEvent]) -> list[tuple[int | None, int | None, str]]:
    return [(s.started_ms, s.ended_ms, s.end_reason) for s in recording_sessions(events)]


def test_start_start_stop_gives_restarted_then_stopped() -> None:
    events = [cam("c-1", "record_start", 0), cam("c-2", "record_start", 5), cam("c-3", "record_stop", 9)]
    assert reasons(events) == [
        (T0, T0 + 5 * 60_000, "restarted"),
        (T0 + 5 * 60_000, T0 + 9 * 60_000, "stopped"),
    ]


def test_power_off_closes_and_orphan_stop_has_no_start() -> None:
    events = [
        cam("c-1", "record_stop", 0),
        cam("c-2", "record_start", 1),
        cam("c-3", "power_off", 2),
        cam("c-4", "power_off", 3),
    ]
    sessions = recording_sessions(events)
    assert [(s.started_ms, s.ended_ms, s.end_reason) for s in sessions] == [
        (None, T0, "orphan_stop"),
        (T0 + 60_000, T0 + 120_000, "power_off"),
    ]
    assert sessions[0].session_date == date(2026, 1, 5)


def test_open_session_times_out_only_after_more_than_four_hours() -> None:
    exactly = [cam("c-1", "record_start", 0), cam("c-2", "settings_change", 240)]
    assert reasons(exactly) == [(T0, None, "open")]
    longer = [cam("c-1", "record_start", 0), cam("c-2", "settings_change", 240.001)]
    assert reasons(longer) == [(T0, T0 + 4 * MS_H, "timed_out")]


def test_duplicates_are_removed_and_ties_ordered_by_event_id() -> None:
    start = cam("c-1", "record_start", 0)
    events = [start, cam("c-3", "record_stop", 5), start, cam("c-2", "record_start", 5)]
    # c-2 (start) sorts before c-3 (stop) at the same instant: restarted at 5, then stopped at 5
    assert reasons(events) == [(T0, T0 + 300_000, "restarted"), (T0 + 300_000, T0 + 300_000, "stopped")]


def test_sessions_are_per_device_and_session_date_is_the_start_date() -> None:
    events = [
        cam("c-1", "record_start", 13 * 60 + 50),
        cam("c-2", "record_start", 0, "CAM-0002"),
        cam("c-3", "record_stop", 14 * 60 + 30),
        cam("c-4", "record_stop", 1, "CAM-0002"),
    ]
    sessions = recording_sessions(events)
    assert [(s.device_serial, s.end_reason, s.session_date) for s in sessions] == [
        ("CAM-0001", "stopped", date(2026, 1, 5)),
        ("CAM-0002", "stopped", date(2026, 1, 5)),
    ]
    assert date.fromisoformat(iso_ms(sessions[0].ended_ms or 0)[:10]) == date(2026, 1, 6)


def drn(
    event_id: str,
    kind: str,
    device_s: float,
    *,
    sync_utc: int | None = None,
    boot: str = "DRN-001-b1",
    received: int = T0 + 3_600_000,
) -> DroneEvent:
    device_ms = round(device_s * 1000)
    return DroneEvent(
        "DRN-001",
        boot,
        event_id,
        kind,
        device_ms,
        received,
        device_ms if sync_utc is not None else None,
        sync_utc,
    )


def test_clock_correction_picks_the_nearest_sync_and_the_earlier_on_a_tie() -> None:
    syncs = [drn("d-1", "time_sync", 100, sync_utc=T0), drn("d-2", "time_sync", 300, sync_utc=T0 + 200_500)]
    offsets = sync_offsets(syncs)
    assert offsets == [(100_000, T0 - 100_000), (300_000, T0 + 200_500 - 300_000)]
    assert corrected_ms(drn("d-3", "telemetry", 120), offsets) == T0 + 20_000
    assert corrected_ms(drn("d-4", "telemetry", 280), offsets) == T0 + 180_500
    assert corrected_ms(drn("d-5", "telemetry", 200), offsets) == T0 + 100_000  # tie: earlier sync
    assert corrected_ms(drn("d-6", "telemetry", 10), []) == T0 + 3_600_000  # no sync: received_at


def test_flights_landed_restarted_open_and_orphan_landing() -> None:
    sync = drn("d-0", "time_sync", 5, sync_utc=T0)
    events = [
        sync,
        drn("d-1", "landing", 8),
        drn("d-2", "takeoff", 10),
        drn("d-3", "telemetry", 20),
        drn("d-4", "landing", 30.5),
        drn("d-5", "takeoff", 40),
        drn("d-6", "takeoff", 50),
        drn("d-7", "landing", 60),
        drn("d-8", "takeoff", 70),
        drn("d-9", "telemetry", 80),
    ]
    result = flights(list(reversed(events)) + [events[4]])  # order and duplicates do not matter
    assert result.orphan_landings == 1
    offset = T0 - 5_000
    assert [
        (f.took_off_ms - offset, f.landed_ms and f.landed_ms - offset, f.end_reason, f.duration_ms)
        for f in result.flights
    ] == [
        (10_000, 30_500, "landed", 20_500),
        (40_000, 50_000, "restarted", 10_000),
        (50_000, 60_000, "landed", 10_000),
        (70_000, None, "open", None),
    ]
    assert all(f.is_clock_corrected for f in result.flights)


def test_flight_of_a_boot_without_sync_uses_received_at_and_is_flagged() -> None:
    up = T0 + 7 * 60_000
    result = flights(
        [
            drn("d-1", "takeoff", 12, boot="DRN-001-b2", received=up),
            drn("d-2", "landing", 312.25, boot="DRN-001-b2", received=up + 9),
        ]
    )
    (flight,) = result.flights
    assert (flight.took_off_ms, flight.landed_ms, flight.is_clock_corrected) == (up, up + 9, False)
    assert flight.duration_ms == 300_250 and flight.flight_date == date(2026, 1, 5)


# ---------------------------------------------------------------- arguments


def test_scale_multiplies_event_volume(tmp_path: Path, sample: Sample) -> None:
    _, base = sample
    bigger = generate(tmp_path / "x2", scale=2.0)
    for source in ("camera", "drone", "app", "shop"):
        assert bigger.lines[source] > 1.5 * base.lines[source], source
    assert bigger.lines["crm"] == base.lines["crm"]


def test_days_extends_the_data_set_and_its_ground_truth(tmp_path: Path) -> None:
    """`--days 30` (the dbt benchmark's history): one folder per day and source, the same rules,
    every branch still planted, and a ground truth that equals the rules applied to the files."""
    landing = tmp_path / "month"
    report = generate(landing, days=30, scale=0.5)
    dates = {START + timedelta(days=d) for d in range(30)}
    for source in ("camera", "app", "shop"):
        assert {date.fromisoformat(rel.split("/")[1]) for rel in report.files[source]} == dates, source
    drone_dates = {date.fromisoformat(rel.split("/")[1]) for rel in report.files["drone"]}
    assert dates <= drone_dates <= dates | {START + timedelta(days=30)}  # a late upload: next morning
    counts = json.loads((landing / "_ground_truth/counts.json").read_text())
    assert counts["generator"]["days"] == 30
    truth = read_csv(landing / "_ground_truth/recording_sessions.csv")
    sessions = recording_sessions(camera_event(o) for _, o in json_events(landing, "camera"))
    assert [(r["device_serial"], r["started_at"], r["ended_at"], r["end_reason"]) for r in truth] == [
        (
            s.device_serial,
            s.started_ms and iso_ms(s.started_ms) or "",
            s.ended_ms and iso_ms(s.ended_ms) or "",
            s.end_reason,
        )
        for s in sessions
    ]
    assert {r["end_reason"] for r in truth} == {
        "restarted",
        "stopped",
        "power_off",
        "orphan_stop",
        "timed_out",
        "open",
    }
    assert {date.fromisoformat(r["session_date"]) for r in truth} == dates
    rows = read_csv(landing / "_ground_truth/flights.csv")
    result = flights(drone_event(o) for _, o in json_events(landing, "drone"))
    assert [(r["boot_id"], r["took_off_at"], r["end_reason"]) for r in rows] == [
        (f.boot_id, iso_ms(f.took_off_ms), f.end_reason) for f in result.flights
    ]
    assert {r["end_reason"] for r in rows} == {"landed", "restarted", "open"}
    assert {r["is_clock_corrected"] for r in rows} == {"true", "false"}
    assert counts["recording_sessions"]["rows"] == len(truth) and counts["flights"]["rows"] == len(rows)
    # Drift keeps going: the last day runs the newest firmware.
    last_day = [o for folder, o in json_events(landing, "camera") if folder == START + timedelta(days=29)]
    assert {o["header"]["device"]["firmware"] for o in last_day} == {"1.2.0"}


def test_tiny_data_sets_still_generate(tmp_path: Path) -> None:
    report = generate(tmp_path / "tiny", days=1, cameras=1, drones=1, users=1, contacts=1, scale=0.1)
    assert report.bad_lines["app"] == 2 and report.bad_lines["shop"] == 1
    assert all(report.files[source] for source in ("camera", "drone", "app", "shop", "crm"))
    assert json.loads(json.dumps(report.to_dict()))["lines"] == dict(report.lines)


@pytest.mark.parametrize(
    "kwargs", [{"days": 0}, {"cameras": -1}, {"scale": 0.0}, {"scale": float("nan")}, {"users": 1.5}]
)
def test_invalid_arguments_are_rejected(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="sample generator"):
        generate(tmp_path, **kwargs)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("source", ["nosuch", "gopro"])
def test_remote_for_a_source_it_cannot_move_is_rejected(tmp_path: Path, source: str) -> None:
    with pytest.raises(
        ValueError, match=f"`remote` takes the sources camera, drone, app, shop, crm, got {source}"
    ):
        generate(tmp_path, remote={source: tmp_path / "remote"})
    assert not list(tmp_path.iterdir())

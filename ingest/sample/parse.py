"""Read generated landing lines back the way ingest will: records, bad lines, blank lines.

The ground truth is computed from what this module extracts, never from the generator's intent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.sample.common import JsonObject, parse_iso_ms, seconds_to_ms
from ingest.sample.ground_truth import CameraEvent, DroneEvent
from ingest.sample.landing import LandingFile

CSV_SOURCES = frozenset({"shop", "crm"})


@dataclass(frozen=True)
class FileCheck:
    """What one landing file holds, as counted by reading it back."""

    source: str
    rel_path: str
    lines: int  # non-blank lines after the header: records + bad lines
    bad_lines: int
    blank_lines: int


@dataclass(frozen=True)
class Landed:
    """Everything the ground truth needs from the landing files."""

    camera_events: tuple[CameraEvent, ...]
    drone_events: tuple[DroneEvent, ...]
    files: tuple[FileCheck, ...]
    distinct_events: dict[str, int]


def json_records(lines: Sequence[str]) -> tuple[list[JsonObject], int, int]:
    """(objects, bad lines, blank lines) of JSON-lines text; a bad line is not a JSON object."""
    records: list[JsonObject] = []
    bad = blank = 0
    for line in lines:
        if not line.strip():
            blank += 1
            continue
        try:
            value: Any = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            bad += 1
    return records, bad, blank


def csv_records(lines: Sequence[str]) -> tuple[list[dict[str, str]], int, int]:
    """(rows keyed by header, bad rows, blank lines) of CSV text whose first line is the header."""
    reader = csv.reader(io.StringIO("\n".join(lines) + "\n"))
    header = next(reader)
    rows: list[dict[str, str]] = []
    bad = blank = 0
    for values in reader:
        if not values:
            blank += 1
        elif len(values) != len(header):
            bad += 1
        else:
            rows.append(dict(zip(header, values, strict=True)))
    return rows, bad, blank


def camera_event(obj: JsonObject) -> CameraEvent:
    """Session-rule fields of one camera event object."""
    return CameraEvent(
        serial=obj["header"]["device"]["serial"],
        event_id=obj["event_id"],
        event_type=obj["event_type"],
        ts_ms=parse_iso_ms(obj["event_ts"]),
    )


def drone_event(obj: JsonObject) -> DroneEvent:
    """Flight-rule fields of one drone event object."""
    sync = obj.get("sync")
    return DroneEvent(
        serial=obj["drone"]["serial"],
        boot_id=obj["boot_id"],
        event_id=obj["event_id"],
        event_type=obj["event_type"],
        device_ms=seconds_to_ms(obj["device_time_s"]),
        received_ms=parse_iso_ms(obj["received_at"]),
        sync_device_ms=seconds_to_ms(sync["device_time_s"]) if sync else None,
        sync_utc_ms=parse_iso_ms(sync["utc"]) if sync else None,
    )


def parse_landing(files: Sequence[LandingFile]) -> Landed:
    """Read every file back; fail loudly if the bad lines found differ from the ones planted."""
    camera: list[CameraEvent] = []
    drone: list[DroneEvent] = []
    checks: list[FileCheck] = []
    keys: dict[str, set[Hashable]] = {}
    for file in files:
        seen = keys.setdefault(file.source, set())
        if file.source in CSV_SOURCES:
            rows, bad, blank = csv_records(file.lines)
            key = "Order ID" if file.source == "shop" else "contact_id"
            seen.update((file.folder_date, row[key]) if file.source == "crm" else row[key] for row in rows)
        else:
            records, bad, blank = json_records(file.lines[file.header_lines :])
            seen.update(record["event_id"] for record in records)
            if file.source == "camera":
                camera += [camera_event(record) for record in records]
            elif file.source == "drone":
                drone += [drone_event(record) for record in records]
        if bad != file.bad_lines:
            raise RuntimeError(
                f"sample generator bug: {file.rel_path} has {bad} malformed lines, "
                f"{file.bad_lines} were planted"
            )
        checks.append(FileCheck(file.source, file.rel_path, file.record_lines, bad, blank))
    return Landed(tuple(camera), tuple(drone), tuple(checks), {s: len(k) for s, k in keys.items()})

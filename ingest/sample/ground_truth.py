"""The recording-session and flight rules of docs/sample_data.md, as pure functions.

Inputs are plain event records (already parsed from the landing lines); duplicates by `event_id`
are removed here (first occurrence wins), so callers pass events exactly as landed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ingest.sample.common import MS_H, csv_line, date_of_ms, iso_ms, seconds_text

SESSION_TIMEOUT_MS = 4 * MS_H  # session_timeout_hours = 4
SESSION_COLUMNS: tuple[str, ...] = ("device_serial", "started_at", "ended_at", "end_reason", "session_date")
FLIGHT_COLUMNS: tuple[str, ...] = (
    "drone_serial",
    "boot_id",
    "took_off_at",
    "landed_at",
    "end_reason",
    "is_clock_corrected",
    "flight_date",
    "duration_s",
)

T = TypeVar("T")


@dataclass(frozen=True)
class CameraEvent:
    """The fields of a camera event the session rules read."""

    serial: str
    event_id: str
    event_type: str
    ts_ms: int


@dataclass(frozen=True)
class DroneEvent:
    """The fields of a drone event the clock-correction and flight rules read."""

    serial: str
    boot_id: str
    event_id: str
    event_type: str
    device_ms: int
    received_ms: int
    sync_device_ms: int | None = None
    sync_utc_ms: int | None = None


@dataclass(frozen=True)
class RecordingSession:
    """One row of recording_sessions.csv."""

    device_serial: str
    started_ms: int | None
    ended_ms: int | None
    end_reason: str

    @property
    def session_date(self) -> date:
        """Date of started_at (of ended_at for an orphan stop)."""
        moment = self.started_ms if self.started_ms is not None else self.ended_ms
        assert moment is not None, "a session has a start or an end"
        return date_of_ms(moment)


@dataclass(frozen=True)
class Flight:
    """One row of flights.csv."""

    drone_serial: str
    boot_id: str
    took_off_ms: int
    landed_ms: int | None
    end_reason: str
    is_clock_corrected: bool
    duration_ms: int | None

    @property
    def flight_date(self) -> date:
        """Date of the (corrected) take-off time."""
        return date_of_ms(self.took_off_ms)


@dataclass(frozen=True)
class FlightResult:
    """Flights plus the landings that closed nothing (ignored, but counted)."""

    flights: tuple[Flight, ...]
    orphan_landings: int


def dedupe(events: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Keep the first event per key, in input order."""
    seen: set[Hashable] = set()
    kept = []
    for event in events:
        k = key(event)
        if k not in seen:
            seen.add(k)
            kept.append(event)
    return kept


def _sessions_of_device(
    serial: str, events: Sequence[CameraEvent], timeout_ms: int
) -> list[RecordingSession]:
    sessions: list[RecordingSession] = []
    open_start: int | None = None
    for event in events:
        if event.event_type == "record_start":
            if open_start is not None:  # rule 2
                sessions.append(RecordingSession(serial, open_start, event.ts_ms, "restarted"))
            open_start = event.ts_ms  # rule 1
        elif event.event_type == "record_stop":
            if open_start is None:  # rule 5
                sessions.append(RecordingSession(serial, None, event.ts_ms, "orphan_stop"))
            else:  # rule 3
                sessions.append(RecordingSession(serial, open_start, event.ts_ms, "stopped"))
                open_start = None
        elif event.event_type == "power_off" and open_start is not None:  # rule 4
            sessions.append(RecordingSession(serial, open_start, event.ts_ms, "power_off"))
            open_start = None
    if open_start is not None:  # rule 6
        if events[-1].ts_ms - open_start > timeout_ms:
            sessions.append(RecordingSession(serial, open_start, open_start + timeout_ms, "timed_out"))
        else:
            sessions.append(RecordingSession(serial, open_start, None, "open"))
    return sessions


def recording_sessions(
    events: Iterable[CameraEvent], timeout_ms: int = SESSION_TIMEOUT_MS
) -> list[RecordingSession]:
    """Sessions per camera by rules 1-6, ordered by device serial, then as the rules emit them."""
    by_device: dict[str, list[CameraEvent]] = {}
    for event in dedupe(events, lambda e: e.event_id):
        by_device.setdefault(event.serial, []).append(event)
    sessions: list[RecordingSession] = []
    for serial in sorted(by_device):
        ordered = sorted(by_device[serial], key=lambda e: (e.ts_ms, e.event_id))
        sessions += _sessions_of_device(serial, ordered, timeout_ms)
    return sessions


def sync_offsets(events: Iterable[DroneEvent]) -> list[tuple[int, int]]:
    """(sync device ms, offset ms) per sync event; offset = epoch(sync.utc) - sync.device_time_s."""
    return sorted(
        (e.sync_device_ms, e.sync_utc_ms - e.sync_device_ms)
        for e in events
        if e.sync_device_ms is not None and e.sync_utc_ms is not None
    )


def corrected_ms(event: DroneEvent, offsets: Sequence[tuple[int, int]]) -> int:
    """offset of the nearest sync (ties: the earlier sync) + device time; received_at without syncs."""
    if not offsets:
        return event.received_ms
    _, offset = min(offsets, key=lambda s: (abs(s[0] - event.device_ms), s[0]))
    return offset + event.device_ms


def _flights_of_boot(events: Sequence[DroneEvent]) -> tuple[list[Flight], int]:
    offsets = sync_offsets(events)
    corrected = bool(offsets)
    flights: list[Flight] = []
    orphans = 0
    takeoff: DroneEvent | None = None

    def close(end: DroneEvent | None, reason: str) -> None:
        assert takeoff is not None
        flights.append(
            Flight(
                drone_serial=takeoff.serial,
                boot_id=takeoff.boot_id,
                took_off_ms=corrected_ms(takeoff, offsets),
                landed_ms=None if end is None else corrected_ms(end, offsets),
                end_reason=reason,
                is_clock_corrected=corrected,
                duration_ms=None if end is None else end.device_ms - takeoff.device_ms,
            )
        )

    for event in events:
        if event.event_type == "takeoff":
            if takeoff is not None:
                close(event, "restarted")
            takeoff = event
        elif event.event_type == "landing":
            if takeoff is None:
                orphans += 1
            else:
                close(event, "landed")
                takeoff = None
    if takeoff is not None:
        close(None, "open")
    return flights, orphans


def flights(events: Iterable[DroneEvent]) -> FlightResult:
    """Flights per boot (ordered by device time), sorted by drone, take-off time, boot."""
    by_boot: dict[str, list[DroneEvent]] = {}
    for event in dedupe(events, lambda e: e.event_id):
        by_boot.setdefault(event.boot_id, []).append(event)
    found: list[Flight] = []
    orphans = 0
    for boot_id in sorted(by_boot):
        boot_flights, boot_orphans = _flights_of_boot(
            sorted(by_boot[boot_id], key=lambda e: (e.device_ms, e.event_id))
        )
        found += boot_flights
        orphans += boot_orphans
    found.sort(key=lambda f: (f.drone_serial, f.took_off_ms, f.boot_id))
    return FlightResult(tuple(found), orphans)


def _ts(ms: int | None) -> str:
    return "" if ms is None else iso_ms(ms)


def sessions_csv(sessions: Iterable[RecordingSession]) -> str:
    """recording_sessions.csv text; NULL is an empty field."""
    rows = [csv_line(SESSION_COLUMNS)]
    for s in sessions:
        started, ended = _ts(s.started_ms), _ts(s.ended_ms)
        rows.append(csv_line((s.device_serial, started, ended, s.end_reason, s.session_date.isoformat())))
    return "\n".join(rows) + "\n"


def flights_csv(found: Iterable[Flight]) -> str:
    """flights.csv text; NULL is an empty field, booleans are `true`/`false`."""
    rows = [csv_line(FLIGHT_COLUMNS)]
    for f in found:
        duration = "" if f.duration_ms is None else seconds_text(f.duration_ms)
        values = (
            f.drone_serial,
            f.boot_id,
            iso_ms(f.took_off_ms),
            _ts(f.landed_ms),
            f.end_reason,
            "true" if f.is_clock_corrected else "false",
            f.flight_date.isoformat(),
            duration,
        )
        rows.append(csv_line(values))
    return "\n".join(rows) + "\n"

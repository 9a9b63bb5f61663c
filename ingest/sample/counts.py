"""`_ground_truth/counts.json`: landed lines per source and file, bad lines, distinct events, marts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ingest.sample.common import JsonObject
from ingest.sample.ground_truth import FlightResult, RecordingSession
from ingest.sample.parse import Landed
from ingest.sample.spec import SOURCES, SampleSpec

DISTINCT_KEYS = {
    "camera": "event_id",
    "drone": "event_id",
    "app": "event_id",
    "shop": "order_id",
    "crm": "contact_id per landing date",
}


def counts_document(
    spec: SampleSpec, landed: Landed, sessions: Sequence[RecordingSession], result: FlightResult
) -> JsonObject:
    """The counts.json document (plain data, key order fixed)."""
    sources: JsonObject = {}
    for source in SOURCES:
        checks = sorted((c for c in landed.files if c.source == source), key=lambda c: c.rel_path)
        lines = sum(c.lines for c in checks)
        bad = sum(c.bad_lines for c in checks)
        distinct = landed.distinct_events.get(source, 0)
        sources[source] = {
            "files": len(checks),
            "lines": lines,
            "bad_lines": bad,
            "blank_lines": sum(c.blank_lines for c in checks),
            "raw_rows": lines - bad,
            "distinct_events": distinct,
            "distinct_key": DISTINCT_KEYS[source],
            "duplicate_lines": lines - bad - distinct,
            "per_file": {
                c.rel_path: {"lines": c.lines, "bad_lines": c.bad_lines, "blank_lines": c.blank_lines}
                for c in checks
            },
        }
    session_reasons = Counter(s.end_reason for s in sessions)
    flight_reasons = Counter(f.end_reason for f in result.flights)
    corrected = sum(1 for f in result.flights if f.is_clock_corrected)
    return {
        "generator": {
            "seed": spec.seed,
            "days": spec.days,
            "start_date": spec.start_date.isoformat(),
            "cameras": spec.cameras,
            "drones": spec.drones,
            "users": spec.users,
            "contacts": spec.contacts,
            "scale": spec.scale,
        },
        "sources": sources,
        "recording_sessions": {
            "rows": len(sessions),
            "by_end_reason": dict(sorted(session_reasons.items())),
        },
        "flights": {
            "rows": len(result.flights),
            "by_end_reason": dict(sorted(flight_reasons.items())),
            "clock_corrected": corrected,
            "not_clock_corrected": len(result.flights) - corrected,
            "orphan_landings": result.orphan_landings,
        },
    }

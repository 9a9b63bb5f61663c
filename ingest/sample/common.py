"""Small shared helpers: millisecond UTC time, ids, JSON lines and scenario placement."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

MS_S = 1_000
MS_MIN = 60 * MS_S
MS_H = 60 * MS_MIN
MS_DAY = 24 * MS_H

_EPOCH_DAY = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

JsonObject = dict[str, Any]


def day_start_ms(day: date) -> int:
    """Epoch milliseconds of 00:00:00.000 UTC on `day`."""
    return (day - _EPOCH_DAY).days * MS_DAY


def date_of_ms(ms: int) -> date:
    """UTC date of an epoch-millisecond instant."""
    return _EPOCH_DAY + timedelta(days=ms // MS_DAY)


def iso_ms(ms: int) -> str:
    """`2026-01-05T10:00:00.000Z` for an epoch-millisecond instant (exact, no float)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % MS_S:03d}Z"


def parse_iso_ms(text: str) -> int:
    """Epoch milliseconds of a `YYYY-MM-DDTHH:MM:SS.mmmZ` string."""
    if not _ISO_MS.match(text):
        raise ValueError(f"not an ISO-8601 UTC timestamp with milliseconds and Z: {text!r}")
    moment = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1) + int(text[20:23])


def seconds_to_ms(value: float | int | str) -> int:
    """Exact milliseconds of a seconds value written with at most 3 decimals (e.g. 1234.567)."""
    return int((Decimal(str(value)) * 1000).to_integral_value())


def ms_to_seconds(ms: int) -> float:
    """Seconds as a float whose shortest repr is the exact 3-decimal value (1234567 -> 1234.567)."""
    return ms / 1000


def seconds_text(ms: int) -> str:
    """Exact decimal seconds text with 3 decimals: 1234567 -> '1234.567'."""
    sign = "-" if ms < 0 else ""
    return f"{sign}{abs(ms) // MS_S}.{abs(ms) % MS_S:03d}"


def json_line(obj: Mapping[str, Any]) -> str:
    """One compact JSON line (key order as built, so output is deterministic)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def csv_line(values: Sequence[str]) -> str:
    """One RFC 4180 CSV record (minimal quoting) without its line end."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


class IdFactory:
    """Unique `<prefix>-<12 hex>` ids drawn from a seeded random stream."""

    def __init__(self, rng: random.Random, prefix: str) -> None:
        self._rng = rng
        self._prefix = prefix
        self._seen: set[str] = set()

    def __call__(self) -> str:
        while True:
            candidate = f"{self._prefix}-{self._rng.getrandbits(48):012x}"
            if candidate not in self._seen:
                self._seen.add(candidate)
                return candidate


def place_scenarios(
    wanted: Sequence[tuple[str, int, int, str]], units: int, days: int
) -> dict[tuple[int, int], str]:
    """Give each planted scenario its own (unit, day) slot, at most one scenario per slot.

    `wanted` holds (name, preferred unit, preferred day index, constraint) where a negative day
    counts from the end and constraint is `any`, `last` (must be the last day) or `not_last`.
    A scenario that finds no free slot satisfying its constraint is skipped (tiny data sets only).
    """
    placed: dict[tuple[int, int], str] = {}
    for name, unit, day, constraint in wanted:
        pref_unit, pref_day = unit % units, day % days
        slots = sorted(
            ((u, d) for u in range(units) for d in range(days)),
            key=lambda slot: ((slot[1] - pref_day) % days, (slot[0] - pref_unit) % units),
        )
        for slot in slots:
            is_last = slot[1] == days - 1
            if slot in placed or (constraint == "last" and not is_last):
                continue
            if constraint == "not_last" and is_last:
                continue
            placed[slot] = name
            break
    return placed

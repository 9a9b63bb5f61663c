"""Mobile app events (docs/sample_data.md, app): user sessions with drifting properties.

One file per platform and landing day. Planted: offline sessions uploaded the next day (late),
client retries (duplicate lines), two truncated JSON objects and one blank line.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from ingest.sample.common import MS_DAY, MS_H, IdFactory, JsonObject, day_start_ms, iso_ms, json_line
from ingest.sample.landing import LandingFile
from ingest.sample.spec import COUNTRIES, LOCALES, SampleSpec

PLATFORMS: tuple[str, ...] = ("android", "ios")
MALFORMED_AT: tuple[tuple[int, str], ...] = ((2, "ios"), (5, "android"))  # (day_no, platform)
BLANK_AT: tuple[int, str] = (3, "ios")
_NAMES = ("screen_view", "media_download", "share", "purchase_click", "app_open")
_WEIGHTS = (45, 20, 15, 10, 10)
_SCREENS = {
    "app_open": ("home",),
    "screen_view": ("home", "gallery", "settings", "device", "shop", "editor"),
    "media_download": ("gallery",),
    "share": ("gallery", "editor"),
    "purchase_click": ("shop",),
}
_TAGS = ("surf", "ski", "travel", "family", "bike", "dive", "timelapse", "night")
_MAX_GAP_MS = 90_000

Session = list[str]


@dataclass(frozen=True)
class _User:
    user_id: str
    country: str
    platform: str
    device_serial: str
    upgrade_day_no: int
    variant: str


def _users(rng: random.Random, spec: SampleSpec) -> list[_User]:
    cameras = [f"CAM-{c + 1:04d}" for c in range(spec.cameras)]
    drones = [f"DRN-{n + 1:03d}" for n in range(spec.drones)]
    return [
        _User(
            user_id=f"u-{i + 1:04d}",
            country=rng.choice(COUNTRIES),
            platform="ios" if rng.random() < 0.55 else "android",
            device_serial=rng.choice(cameras) if rng.random() < 0.8 else rng.choice(drones),
            upgrade_day_no=rng.choice((3, 4, 5, 99)),
            variant=rng.choice(("control", "treatment")),
        )
        for i in range(spec.users)
    ]


def _event(rng: random.Random, event_id: str, name: str, ts: int, user: _User, day_no: int) -> JsonObject:
    properties: JsonObject = {"screen": rng.choice(_SCREENS[name]), "duration_ms": rng.randint(200, 30_000)}
    if name in ("media_download", "share"):
        properties["tags"] = rng.sample(_TAGS, rng.randint(0, 3))
        if day_no >= 2:
            properties["media_count"] = rng.randint(1, 12)
    if day_no >= 6:
        properties["experiment"] = {"variant": user.variant}
    return {
        "event_id": event_id,
        "event_name": name,
        "ts": iso_ms(ts),
        "user_id": user.user_id,
        "device_serial": user.device_serial,
        "platform": user.platform,
        "app_version": "5.2.0" if day_no >= user.upgrade_day_no else "5.1.0",
        "context": {"country": user.country, "locale": LOCALES[user.country]},
        "properties": properties,
    }


def _session(
    rng: random.Random, new_id: IdFactory, spec: SampleSpec, user: _User, day: date
) -> tuple[int, Session]:
    """(start ms, lines) of one app session: app_open, then weighted events a few seconds apart."""
    count = spec.scaled(rng.randint(3, 8))
    max_gap = max(2, _MAX_GAP_MS // max(1, math.ceil(spec.scale)))
    day_ms = day_start_ms(day)
    start = min(day_ms + 7 * MS_H + rng.randint(0, 14 * MS_H), day_ms + MS_DAY - 1 - count * max_gap)
    names = ["app_open", *rng.choices(_NAMES, weights=_WEIGHTS, k=count - 1)]
    ts, lines = start, []
    for name in names:
        lines.append(json_line(_event(rng, new_id(), name, ts, user, spec.day_no(day))))
        ts += rng.randint(1, max_gap)
    return start, lines


def _target(files: dict[tuple[date, str], list[str]], day: date, platform: str) -> tuple[date, str]:
    """The file to plant into: the wanted one, else any on that day, else the first file."""
    if (day, platform) in files:
        return (day, platform)
    same_day = [key for key in sorted(files) if key[0] == day]
    return same_day[0] if same_day else sorted(files)[0]


def app_files(spec: SampleSpec) -> list[LandingFile]:
    """All app landing files of the sample data set."""
    rng = spec.rng("app")
    new_id = IdFactory(rng, "a")
    users = _users(rng, spec)
    sessions: dict[tuple[date, str], list[tuple[int, Session]]] = {}
    late: dict[tuple[date, str], list[Session]] = {}
    dates = spec.dates
    for d, day in enumerate(dates):
        todays: list[tuple[int, str, Session]] = []
        for user in users:
            if rng.random() < 0.7:
                start, lines = _session(rng, new_id, spec, user, day)
                todays.append((start, user.platform, lines))
        offline = set(rng.sample(range(len(todays)), min(2, len(todays)))) if d < len(dates) - 1 else set()
        for i, (start, platform, lines) in enumerate(todays):
            if i in offline:
                late.setdefault((dates[d + 1], platform), []).append(lines)
            else:
                sessions.setdefault((day, platform), []).append((start, lines))
    files: dict[tuple[date, str], list[str]] = {}
    for key in sorted(set(sessions) | set(late)):
        ordered = [lines for _, lines in sorted(sessions.get(key, []), key=lambda s: s[0])]
        files[key] = [line for lines in [*late.get(key, []), *ordered] for line in lines]
    if not files:
        return []
    total = sum(len(lines) for lines in files.values())
    for _ in range(max(1, total // 200)):  # client retries: the same line again right after
        key = rng.choice(sorted(files))
        index = rng.randrange(len(files[key]))
        files[key].insert(index + 1, files[key][index])
    bad: dict[tuple[date, str], int] = {}
    for day_no, platform in MALFORMED_AT:
        key = _target(files, dates[min(day_no, spec.days) - 1], platform)
        user = next((u for u in users if u.platform == key[1]), users[0])
        line = json_line(_event(rng, new_id(), "share", day_start_ms(key[0]) + 12 * MS_H, user, day_no))
        files[key].insert(len(files[key]) // 2, line[: len(line) * 3 // 5])  # truncated object
        bad[key] = bad.get(key, 0) + 1
    blank_key = _target(files, dates[min(BLANK_AT[0], spec.days) - 1], BLANK_AT[1])
    files[blank_key].insert(len(files[blank_key]) // 2, "")
    return [
        LandingFile(
            "app", day, f"events_{platform}.jsonl", tuple(lines), bad_lines=bad.get((day, platform), 0)
        )
        for (day, platform), lines in sorted(files.items())
    ]

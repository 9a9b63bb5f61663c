"""Camera events: power cycles and recordings with firmware drift and planted session edge cases.

Follows the camera section of docs/sample_data.md: one file per camera and landing day, every
third file (in path order) gzipped, late events of day D uploaded into day D+1's folder, and
duplicate lines in the same and in another file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ingest.sample.common import (
    MS_DAY,
    MS_H,
    MS_MIN,
    MS_S,
    IdFactory,
    date_of_ms,
    day_start_ms,
    iso_ms,
    json_line,
    place_scenarios,
)
from ingest.sample.landing import LandingFile
from ingest.sample.spec import CAMERA_MODELS, SampleSpec, camera_firmware

# (scenario, preferred camera, preferred day index, constraint); see place_scenarios.
SCENARIOS: tuple[tuple[str, int, int, str], ...] = (
    ("restarted", 1, 1, "any"),
    ("power_off", 2, 2, "any"),
    ("orphan_stop", 3, 2, "any"),
    ("midnight", 4, 2, "not_last"),
    ("timed_out", 0, -1, "last"),
    ("open", 5, -1, "last"),
)
_WINDOW_END_H = {"timed_out": 11, "open": 20}
_MODES = ("video", "video", "video", "timelapse", "photo")
_RESOLUTIONS = ("4K", "2.7K", "1080p")
_FPS = (24, 30, 60, 120)
_ISOS = (100, 200, 400, 800, 1600, 3200)
_EVS = (-1.0, -0.5, 0.0, 0.5, 1.0)
_LENSES = ("wide", "linear", "superview", "narrow")
_WB_KELVIN = (3200, 4000, 5500, 6500)
_WB_NAMES = ("auto", "daylight", "cloudy", "shade")

Step = tuple[int, str]


@dataclass
class _Camera:
    """Mutable device state while rendering one camera's week."""

    serial: str
    model: str
    seq: int
    battery: int
    storage_mb: int
    mode: str = "video"
    resolution: str = "4K"
    fps: int = 60
    iso: int = 400
    ev: float = 0.0
    hdr: bool = False
    lens: str = "wide"


def plan_day(rng: random.Random, day_ms: int, blocks: int, scenario: str | None) -> list[Step]:
    """(ts_ms, event_type) steps of one camera day, with the scenario's edge case planted."""
    t = day_ms + 7 * MS_H + rng.randint(0, 90 * MS_MIN)
    steps: list[Step] = [(t, "power_on")]
    if scenario == "orphan_stop":
        t += rng.randint(2 * MS_MIN, 5 * MS_MIN)
        steps.append((t, "record_stop"))
    window_end = day_ms + _WINDOW_END_H.get(scenario or "", 21) * MS_H
    blocks = max(1, min(blocks, (window_end - t) // (20 * MS_S)))
    slot = (window_end - t) // blocks
    for i in range(blocks):
        slot_start = t + i * slot
        start = slot_start + rng.randint(1, slot // 5)
        stop = start + rng.randint(slot // 10, slot * 3 // 5)
        steps.append((start, "record_start"))
        restart = scenario == "restarted" and i == 0
        offsets = sorted(rng.sample(range(1, stop - start), rng.randint(0, 2) + int(restart)))
        for k, offset in enumerate(offsets):
            is_restart = restart and k == len(offsets) // 2
            steps.append((start + offset, "record_start" if is_restart else "settings_change"))
        last_block = i == blocks - 1
        steps.append((stop, "power_off" if scenario == "power_off" and last_block else "record_stop"))
        if not last_block and rng.random() < 0.3:
            steps.append(((stop + slot_start + slot) // 2, "settings_change"))
    if scenario == "midnight":
        start = day_ms + 23 * MS_H + 40 * MS_MIN + rng.randint(0, 5 * MS_MIN)
        stop = day_ms + MS_DAY + rng.randint(10 * MS_MIN, 20 * MS_MIN)
        steps += [(start, "record_start"), (stop, "record_stop")]
        steps.append((stop + rng.randint(2 * MS_MIN, 4 * MS_MIN), "power_off"))
    elif scenario == "timed_out":
        start = day_ms + 11 * MS_H + 30 * MS_MIN + rng.randint(0, 20 * MS_MIN)
        steps += [(start, "record_start"), (start + MS_H, "settings_change")]
        steps += [(start + 150 * MS_MIN, "settings_change")]
        steps.append((start + 4 * MS_H + rng.randint(10 * MS_MIN, 50 * MS_MIN), "settings_change"))
    elif scenario == "open":
        start = day_ms + 20 * MS_H + 30 * MS_MIN + rng.randint(0, 30 * MS_MIN)
        steps += [(start, "record_start"), (start + rng.randint(5 * MS_MIN, 30 * MS_MIN), "settings_change")]
    elif scenario != "power_off":
        steps.append((window_end + rng.randint(MS_MIN, 30 * MS_MIN), "power_off"))
    return sorted(steps)


def _change_setting(rng: random.Random, cam: _Camera) -> None:
    which = rng.randrange(6)
    if which == 0:
        cam.mode = rng.choice(_MODES)
    elif which == 1:
        cam.resolution = rng.choice(_RESOLUTIONS)
    elif which == 2:
        cam.fps = rng.choice(_FPS)
    elif which == 3:
        cam.iso = rng.choice(_ISOS)
    elif which == 4:
        cam.ev = rng.choice(_EVS)
    else:
        cam.hdr, cam.lens = not cam.hdr, rng.choice(_LENSES)


def _attributes(rng: random.Random, cam: _Camera, day_no: int) -> dict[str, object]:
    """record.attributes with the drift of docs/sample_data.md for the event's day."""
    iso: int | str = cam.iso
    if day_no >= 5:
        iso = "auto" if rng.random() < 0.2 else str(cam.iso)
    attributes: dict[str, object] = {"iso": iso, "ev": cam.ev}
    if day_no >= 3:
        attributes["hdr"] = cam.hdr
        attributes["lens"] = cam.lens
    if day_no >= 4 and rng.random() < 0.3:
        attributes["whiteBalance"] = rng.choice(_WB_KELVIN)
        attributes["whitebalance"] = rng.choice(_WB_NAMES)
    return attributes


def _render(
    rng: random.Random, new_id: IdFactory, cam: _Camera, steps: list[Step], start: date
) -> list[tuple[int, str]]:
    """(ts_ms, JSON line) per step, advancing the camera's state."""
    rendered: list[tuple[int, str]] = []
    for ts, kind in steps:
        day_no = (date_of_ms(ts) - start).days + 1
        if kind == "power_on":
            cam.battery = rng.randint(88, 100)
        elif kind == "settings_change":
            _change_setting(rng, cam)
        else:
            cam.battery = max(3, cam.battery - rng.randint(0, 3))
        if kind in ("record_stop", "power_off"):
            cam.storage_mb = max(512, cam.storage_mb - rng.randint(150, 4000))
        cam.seq += 1
        event = {
            "event_id": new_id(),
            "event_type": kind,
            "event_ts": iso_ms(ts),
            "header": {
                "device": {"serial": cam.serial, "model": cam.model, "firmware": camera_firmware(day_no)},
                "seq": cam.seq,
            },
            "record": {
                "mode": cam.mode,
                "resolution": cam.resolution,
                "fps": cam.fps,
                "attributes": _attributes(rng, cam, day_no),
            },
            "battery_pct": cam.battery,
            "storage_free_mb": cam.storage_mb,
        }
        rendered.append((ts, json_line(event)))
    return rendered


def _camera_folders(
    rng: random.Random, spec: SampleSpec, cam: _Camera, rendered: list[tuple[int, str]], index: int
) -> dict[date, list[str]]:
    """Lines per landing folder; late: the last events of day D land in D+1 (one camera per day)."""
    by_date: dict[date, list[str]] = {}
    for ts, line in rendered:
        by_date.setdefault(date_of_ms(ts), []).append(line)
    folders: dict[date, list[str]] = {day: list(lines) for day, lines in by_date.items()}
    dates = spec.dates
    for d in range(len(dates) - 1):
        if (d + 1) % spec.cameras != index or dates[d] not in folders:
            continue
        own = folders[dates[d]]
        late_count = min(len(own) - 1, rng.randint(2, 4))
        if late_count < 1:
            continue
        late = own[-late_count:]
        del own[-late_count:]
        folders[dates[d + 1]] = late + folders.get(dates[d + 1], [])
    return folders


def _plant_duplicates(rng: random.Random, files: dict[tuple[date, str], list[str]], count: int) -> None:
    """Re-send `count` lines: even ones later in the same file, odd ones into another file."""
    keys = sorted(files)
    for j in range(count):
        key = rng.choice(keys)
        lines = files[key]
        index = rng.randrange(len(lines))
        if j % 2 == 0 or len(keys) == 1:
            lines.insert(rng.randint(index + 1, len(lines)), lines[index])
            continue
        later = [k for k in keys if k[1] == key[1] and k[0] > key[0]]
        target = later[0] if later else keys[(keys.index(key) + 1) % len(keys)]
        files[target].append(lines[index])


def camera_files(spec: SampleSpec) -> list[LandingFile]:
    """All camera landing files of the sample data set."""
    rng = spec.rng("camera")
    new_id = IdFactory(rng, "c")
    placed = place_scenarios(SCENARIOS, spec.cameras, spec.days)
    files: dict[tuple[date, str], list[str]] = {}
    total = 0
    for c in range(spec.cameras):
        cam = _Camera(
            serial=f"CAM-{c + 1:04d}",
            model=CAMERA_MODELS[c % len(CAMERA_MODELS)],
            seq=rng.randint(1, 500),
            battery=100,
            storage_mb=rng.randint(40_000, 120_000),
        )
        steps: list[Step] = []
        for d, day in enumerate(spec.dates):
            blocks = spec.scaled(rng.randint(3, 5))
            steps += plan_day(rng, day_start_ms(day), blocks, placed.get((c, d)))
        rendered = _render(rng, new_id, cam, sorted(steps), spec.start_date)
        total += len(rendered)
        for day, lines in _camera_folders(rng, spec, cam, rendered, c).items():
            files[(day, cam.serial)] = lines
    _plant_duplicates(rng, files, max(2, total // 100))
    return [
        LandingFile("camera", day, f"{serial}.jsonl", tuple(files[(day, serial)]), compressed=i % 3 == 2)
        for i, (day, serial) in enumerate(sorted(files))
    ]

"""Drone telemetry: boots on the drone's own clock, phone time syncs and batched uploads.

Follows the drone section of docs/sample_data.md: `device_time_s` is seconds since boot on a
slightly drifting clock, `sync` pairs a device time with phone UTC on `time_sync` events only,
`received_at` is the upload time of the batch (one batch per flight, a few minutes later), and a
file holds what one drone uploaded on one landing day.
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
    JsonObject,
    date_of_ms,
    day_start_ms,
    iso_ms,
    json_line,
    ms_to_seconds,
    place_scenarios,
)
from ingest.sample.landing import LandingFile
from ingest.sample.spec import DRONE_MODELS, SampleSpec, drone_firmware

# (scenario, preferred drone, preferred day index, constraint); applied to the first boot of that day.
SCENARIOS: tuple[tuple[str, int, int, str], ...] = (
    ("unsynced", 0, 0, "any"),
    ("restarted", 1, 1, "any"),
    ("orphan_landing", 1, 2, "any"),
    ("open", 2, 2, "any"),
    ("tie", 0, 3, "any"),
    ("late_upload", 2, 3, "not_last"),
    ("unsynced", 2, 4, "any"),
    ("reupload", 1, 4, "any"),
)
# Two syncs 200 s apart and a landing exactly halfway: its correction must use the earlier sync.
TIE_PLAN: tuple[tuple[int, str], ...] = (
    (1_500, "power_on"),
    (45_000, "takeoff"),
    (70_000, "telemetry"),
    (100_000, "time_sync"),
    (125_000, "telemetry"),
    (150_000, "telemetry"),
    (200_000, "landing"),
    (250_000, "telemetry"),
    (300_000, "time_sync"),
    (330_000, "takeoff"),
    (380_000, "telemetry"),
    (420_000, "landing"),
)
_HOMES = ((47.3769, 8.5417), (45.9237, 6.8694), (46.5197, 6.6323), (51.5072, -0.1276))

Step = tuple[int, str]


@dataclass
class _Drone:
    serial: str
    model: str
    lat: float
    lon: float
    boot_no: int


def plan_boot(rng: random.Random, scenario: str | None, telemetry_per_flight: int) -> list[Step]:
    """(device_ms, event_type) steps of one boot, device clock starting at 0 at power-on."""
    if scenario == "tie":
        return list(TIE_PLAN)
    t = rng.randint(800, 3_000)
    steps: list[Step] = [(t, "power_on")]
    synced = scenario != "unsynced"
    if synced:
        t += rng.randint(3_000, 9_000)
        steps.append((t, "time_sync"))
    if scenario == "orphan_landing":
        t += rng.randint(2_000, 4_000)
        steps.append((t, "landing"))
    flights = 2 if scenario == "late_upload" else rng.randint(1, 2)  # late: only the 2nd flight's batch
    for f in range(flights):
        t += rng.randint(20 * MS_S, 90 * MS_S)
        steps.append((t, "takeoff"))
        duration = rng.randint(4 * MS_MIN, 12 * MS_MIN)
        count = min(telemetry_per_flight, duration // 100)
        restart_at = count // 2 if scenario == "restarted" and f == 0 else -1
        for k, offset in enumerate(sorted(rng.sample(range(1, duration), count))):
            steps.append((t + offset, "takeoff" if k == restart_at else "telemetry"))
        t += duration
        if scenario == "open" and f == flights - 1:
            break  # battery died in the air: no landing by the boot's last event
        steps.append((t, "landing"))
    if synced and rng.random() < 0.5:
        used = {step[0] for step in steps}
        second = rng.randint(steps[1][0] + 1, steps[-1][0])
        while second in used:
            second += 1
        steps.append((second, "time_sync"))
    return sorted(steps)


def _telemetry(rng: random.Random, drone: _Drone, flying: bool, battery: int, day_no: int) -> JsonObject:
    spread = 0.01 if flying else 0.0
    telemetry: JsonObject = {
        "lat": round(drone.lat + rng.uniform(-spread, spread), 6),
        "lon": round(drone.lon + rng.uniform(-spread, spread), 6),
        "alt_m": round(rng.uniform(15.0, 120.0), 1) if flying else 0.0,
        "battery_pct": battery,
        "speed_mps": round(rng.uniform(0.5, 15.0), 1) if flying else 0.0,
    }
    if day_no >= 4:  # firmware 3.5.0
        telemetry["wind_mps"] = round(rng.uniform(0.0, 12.0), 1)
        telemetry["gps_fix"] = rng.choice(("3D", "3D", "3D", "2D"))
    return telemetry


def _render_boot(
    rng: random.Random,
    new_id: IdFactory,
    drone: _Drone,
    day_no: int,
    boot_utc: int,
    steps: list[Step],
) -> list[tuple[int, str, JsonObject]]:
    """(true_ms, event_type, event without received_at) per step of one boot."""
    boot_id = f"{drone.serial}-b{drone.boot_no}"
    rate = 1 + rng.choice((-1, 1)) * rng.uniform(0.0005, 0.002)
    battery, flying = rng.randint(92, 100), False
    events: list[tuple[int, str, JsonObject]] = []
    for device_ms, kind in steps:
        true_ms = boot_utc + round(device_ms / rate)
        airborne = flying and kind != "landing"  # on the ground at power-on, take-off and landing
        if kind in ("takeoff", "landing", "power_on"):
            flying = kind == "takeoff"
        battery = max(5, battery - rng.randint(0, 2))
        event: JsonObject = {
            "event_id": new_id(),
            "event_type": kind,
            "drone": {"serial": drone.serial, "model": drone.model, "firmware": drone_firmware(day_no)},
            "boot_id": boot_id,
            "device_time_s": ms_to_seconds(device_ms),
        }
        if kind == "time_sync":
            utc = true_ms + rng.randint(-40, 40)
            event["sync"] = {"device_time_s": ms_to_seconds(device_ms), "utc": iso_ms(utc)}
        else:
            event["telemetry"] = _telemetry(rng, drone, airborne, battery, day_no)
        events.append((true_ms, kind, event))
    return events


def _upload(
    rng: random.Random, events: list[tuple[int, str, JsonObject]], late: bool
) -> list[tuple[int, list[str]]]:
    """Split a boot into upload batches (one per landing, plus the rest) stamped with received_at."""
    batches: list[list[tuple[int, str, JsonObject]]] = [[]]
    for item in events:
        batches[-1].append(item)
        if item[1] == "landing":
            batches.append([])
    batches = [batch for batch in batches if batch]
    uploads: list[tuple[int, list[str]]] = []
    previous = 0
    for i, batch in enumerate(batches):
        received = batch[-1][0] + rng.randint(2 * MS_MIN, 20 * MS_MIN) + rng.randint(0, 999)
        received = max(received, previous + rng.randint(MS_S, 30 * MS_S))  # batches upload in order
        if late and i == len(batches) - 1:  # phone offline until the next morning
            next_day = day_start_ms(date_of_ms(batch[-1][0])) + MS_DAY
            received = next_day + 7 * MS_H + rng.randint(30 * MS_MIN, 90 * MS_MIN)
        previous = received
        lines = []
        for _, _, event in batch:
            event["received_at"] = iso_ms(received)
            lines.append(json_line(event))
        uploads.append((received, lines))
    return uploads


def drone_files(spec: SampleSpec) -> list[LandingFile]:
    """All drone landing files of the sample data set."""
    rng = spec.rng("drone")
    new_id = IdFactory(rng, "d")
    placed = place_scenarios(SCENARIOS, spec.drones, spec.days)
    files: dict[tuple[date, str], list[tuple[int, list[str]]]] = {}
    for n in range(spec.drones):
        home = _HOMES[n % len(_HOMES)]
        drone = _Drone(
            serial=f"DRN-{n + 1:03d}",
            model=DRONE_MODELS[n % len(DRONE_MODELS)],
            lat=home[0],
            lon=home[1],
            boot_no=rng.randint(10, 60),
        )
        for d, day in enumerate(spec.dates):
            boots = rng.randint(1, 2)
            slot = 11 * MS_H // boots
            for b in range(boots):
                scenario = placed.get((n, d)) if b == 0 else None
                boot_utc = day_start_ms(day) + 8 * MS_H + b * slot + rng.randint(0, slot // 3)
                steps = plan_boot(rng, scenario, spec.scaled(rng.randint(8, 14)))
                events = _render_boot(rng, new_id, drone, d + 1, boot_utc, steps)
                drone.boot_no += 1
                uploads = _upload(rng, events, late=scenario == "late_upload")
                if scenario == "reupload":
                    uploads.insert(1, uploads[0])  # the phone retried the first batch: identical lines
                for received, lines in uploads:
                    files.setdefault((date_of_ms(received), drone.serial), []).append((received, lines))
    return [
        LandingFile(
            "drone",
            day,
            f"{serial}.jsonl",
            tuple(line for _, lines in sorted(files[(day, serial)], key=lambda u: u[0]) for line in lines),
        )
        for day, serial in sorted(files)
    ]

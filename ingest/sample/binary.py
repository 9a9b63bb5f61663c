"""Small valid binary device logs for the sample landing zone: GPMF payloads and PX4 ULog files.

Written by the sample generator itself (not copied from ``../shared/realdata``), so ``make run``
never depends on files outside the checkout, and every value is known: one raw GPMF payload
per camera recording (a GPS5 track around a start point, 18 Hz) and one ULog per drone flight
(vehicle_status, vehicle_land_detected and vehicle_gps_position; boot-relative timestamps with
GPS UTC time, so ingest derives the UTC offset). Both are byte-deterministic for a seed.

The writers follow the published formats (GPMF: KLV, big-endian, 32-bit aligned; ULog: 16-byte
header, then ``F``/``I`` definitions, ``A`` subscriptions and ``D`` data messages,
little-endian) and are checked by decoding their output with the real readers in the tests.
"""

from __future__ import annotations

import math
import random
import struct
from datetime import UTC, datetime, timedelta

from ingest.sample.spec import SampleSpec

BINARY_SOURCES = ("gopro", "px4")  # landing folders (and ingest.yml sources) of the binary logs

# ---------------------------------------------------------------------------------------------
# GPMF


def _klv(key: str, kind: str, size: int, repeat: int, data: bytes) -> bytes:
    header = key.encode("ascii") + struct.pack(">cBH", kind.encode("ascii") if kind else b"\0", size, repeat)
    return header + data + b"\0" * (-len(data) % 4)


def _nest(key: str, *items: bytes) -> bytes:
    body = b"".join(items)
    return _klv(key, "", 1, len(body), body) if len(body) < 65536 else b""


def gpmf_recording(start: datetime, lat: float, lon: float, seconds: int, seed: int) -> bytes:
    """One raw GPMF payload: device "Sample Cam", a GPS5 stream of ``18 * seconds`` samples."""
    rng = random.Random(seed)
    scale = (10_000_000, 10_000_000, 1000, 1000, 100)
    samples = []
    heading = rng.uniform(0, 2 * math.pi)
    speed = rng.uniform(2.0, 6.0)  # m/s: a cyclist
    for n in range(18 * seconds):
        t = n / 18
        north = math.cos(heading) * speed * t
        east = math.sin(heading) * speed * t
        values = (
            lat + north / 111_320,
            lon + east / (111_320 * math.cos(math.radians(lat))),
            420.0 + 0.1 * t,
            speed,
            speed,
        )
        samples.append(struct.pack(">5i", *(round(v * s) for v, s in zip(values, scale, strict=True))))
    gps_time = start.strftime("%y%m%d%H%M%S") + ".000"
    stream = _nest(
        "STRM",
        _klv("STNM", "c", 1, 44, b"GPS (Lat., Long., Alt., 2D speed, 3D speed)\0"),
        _klv("GPSF", "L", 4, 1, struct.pack(">I", 3)),
        _klv("GPSU", "U", 16, 1, gps_time.encode("ascii")),
        _klv("GPSP", "S", 2, 1, struct.pack(">H", 120)),
        _klv("UNIT", "c", 3, 5, b"degdegm\0\0m/sm/s"),
        _klv("SCAL", "l", 4, 5, struct.pack(">5i", *scale)),
        _klv("GPS5", "l", 20, len(samples), b"".join(samples)),
    )
    return _nest(
        "DEVC",
        _klv("DVID", "L", 4, 1, struct.pack(">I", 1)),
        _klv("DVNM", "c", 1, 10, b"Sample Cam"),
        stream,
    )


# ---------------------------------------------------------------------------------------------
# ULog

_FORMATS = {
    "vehicle_status": "uint64_t timestamp;uint8_t arming_state;uint8_t nav_state",
    "vehicle_land_detected": "uint64_t timestamp;bool landed;bool maybe_landed",
    "vehicle_gps_position": (
        "uint64_t timestamp;uint64_t time_utc_usec;double latitude_deg;double longitude_deg;"
        "float altitude_msl_m;float vel_m_s;uint8_t fix_type"
    ),
}
_PACK = {"vehicle_status": "<QBB", "vehicle_land_detected": "<Q??", "vehicle_gps_position": "<QQddffB"}


def _message(kind: str, body: bytes) -> bytes:
    return struct.pack("<HB", len(body), ord(kind)) + body


def _info(key: str, value: str) -> bytes:
    name = f"char[{len(value.encode())}] {key}".encode()
    return _message("I", bytes([len(name)]) + name + value.encode())


def ulog_flight(serial: str, takeoff: datetime, lat: float, lon: float, seed: int) -> bytes:
    """A log of one flight: armed at boot+20 s, take-off at +25 s, a climb and a straight leg, landing."""
    rng = random.Random(seed)
    boot_s = 20.0
    utc_boot = takeoff - timedelta(seconds=boot_s + 5)  # UTC at boot time 0
    offset_us = int((utc_boot - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)
    airtime = rng.randint(60, 120)
    cruise = rng.uniform(6.0, 12.0)
    out = [b"ULog\x01\x12\x35\x01" + struct.pack("<Q", int(boot_s * 1e6))]
    for name, fields in _FORMATS.items():
        out.append(_message("F", f"{name}:{fields}".encode()))
    out += [_info("sys_name", "PX4"), _info("ver_hw", "SAMPLE_FMU"), _info("sys_uuid", serial)]
    for msg_id, name in enumerate(_FORMATS):
        out.append(_message("A", struct.pack("<BH", 0, msg_id) + name.encode()))

    def data(name: str, *values: object) -> None:
        msg_id = list(_FORMATS).index(name)
        out.append(_message("D", struct.pack("<H", msg_id) + struct.pack(_PACK[name], *values)))

    start, land = boot_s + 5, boot_s + 5 + airtime
    t = boot_s
    while t <= land + 5:
        us = int(t * 1e6)
        armed = boot_s <= t <= land + 3
        data("vehicle_status", us, 2 if armed else 1, 4 if start <= t <= land else 0)
        data("vehicle_land_detected", us, not start <= t <= land, False)
        flown = min(max(t - start, 0.0), airtime)
        altitude = min(flown, airtime - flown, 40.0 / 3.0) * 3.0  # 3 m/s climb to 40 m, descend
        speed = cruise if 15 < flown < airtime - 15 else 0.0
        north = cruise * max(0.0, min(flown, airtime - 15) - 15)
        data(
            "vehicle_gps_position",
            us,
            us + offset_us,
            lat + north / 111_320,
            lon,
            450.0 + altitude,
            speed,
            3,
        )
        t += 0.5
    return b"".join(out)


# ---------------------------------------------------------------------------------------------


def binary_files(spec: SampleSpec) -> list[tuple[str, bytes]]:
    """(path relative to the landing dir, bytes): GPMF recordings in ``gopro/``, ULogs in ``px4/``."""
    files = []
    for day_no in range(min(spec.days, 2)):
        day = spec.start_date + timedelta(days=day_no)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        for n in range(2):
            seed = spec.seed * 1000 + day_no * 10 + n
            start = noon + timedelta(minutes=37 * n)
            payload = gpmf_recording(start, 46.52 + n / 100, 6.63, seconds=20, seed=seed)
            files.append((f"gopro/{day.isoformat()}/GX0{day_no}{n:03d}.gpmf", payload))
            log = ulog_flight(f"DRN-{n + 1:03d}", start + timedelta(hours=1), 46.5, 6.6, seed)
            files.append((f"px4/{day.isoformat()}/log_{day_no}_{n}.ulg", log))
    return files

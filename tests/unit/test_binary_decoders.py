"""GPMF and ULog decoders and their independent record counts, on the shared real files.

Expected values come from each dataset's EXPECTATIONS.md (computed with gopro-telemetry and
pyulog by whoever copied the data, independently of this code).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.formats.gpmf import GpmfError, decode_gpmf
from ingest.formats.record_count import count_gpmf, count_ulog
from ingest.formats.ulog import UlogError, decode_ulog
from ingest.read_binary import decode_file
from tests.conftest import REALDATA

GPMF = REALDATA / "gopro-gpmf" / "samples"
ULOG = REALDATA / "px4-ulog" / "test"
pytestmark = pytest.mark.realdata(GPMF, ULOG)


def read(path: Path) -> bytes:
    return path.read_bytes()


def streams(samples: list[dict[str, object]]) -> Counter[tuple[object, object, object]]:
    return Counter((s["device_id"], s["device_name"], s["stream"]) for s in samples)


def test_karma_mp4_devices_streams_and_sample_counts() -> None:
    samples = list(decode_gpmf(read(GPMF / "karma.mp4")))
    found = streams(samples)
    assert {(d, n) for d, n, _ in found} == {(1, "Camera"), (16835857, "GoPro Karma v1.0")}
    camera = {s: n for (d, _, s), n in found.items() if d == 1}
    assert camera == {"ACCL": 2397, "GYRO": 4795, "ISOG": 361, "SHUT": 361}
    karma = {s for (d, _, s) in found if d == 16835857}
    assert karma == set(
        [
            "FWVS",
            "KBAT",
            "GPRI",
            "ATTD",
            "GLPI",
            "VFRH",
            "SYST",
            "BPOS",
            "ATTR",
            "SIMU",
            "ESCS",
            "SCPR",
            "LNED",
            "CYTS",
            "CSEN",
        ]
    )
    assert max(s["payload"] for s in samples) == 12  # 13 payloads
    assert {s["recording_started_at"] for s in samples} == {"2017-04-17T19:27:57Z"}


def test_karma_first_gps_fix_and_system_time() -> None:
    samples = list(decode_gpmf(read(GPMF / "karma.mp4")))
    gpri = next(s for s in samples if s["stream"] == "GPRI")
    assert gpri["gpri"]["0"] == pytest.approx(145.911705)  # drone time since boot, s
    assert gpri["gpri"]["1"] == pytest.approx(33.125368)
    assert gpri["gpri"]["2"] == pytest.approx(-117.3310641)
    syst = next(s for s in samples if s["stream"] == "SYST")
    assert (syst["syst"]["0"], syst["syst"]["1"]) == (pytest.approx(146.544283), 1492457278)


@pytest.mark.parametrize(
    ("name", "device", "expected"),
    [
        ("hero5.raw", "Camera", {"ACCL", "GYRO", "GPS5", "ISOG", "SHUT"}),
        # FACE is listed too: hero6.raw has faces in 12 of its 15 frames
        (
            "hero6.raw",
            "Hero6 Black",
            {"ACCL", "GYRO", "GPS5", "FACE", "FCNM", "ISOE", "SHUT", "WBAL", "WRGB"},
        ),
        ("Fusion.raw", "Fusion", {"ACCL", "GYRO", "MAGN", "GPS5", "ISOG", "SHUT"}),
    ],
)
def test_raw_payload_streams_per_camera(name: str, device: str, expected: set[str]) -> None:
    found = streams(list(decode_gpmf(read(GPMF / name))))
    assert {n for _, n, _ in found} == {device}
    assert {s for _, _, s in found} == expected


def test_hero6_ble_second_device_and_gps_scaled_with_units() -> None:
    samples = list(decode_gpmf(read(GPMF / "hero6+ble.raw")))
    assert {(s["device_id"], s["device_name"]) for s in samples if s["stream"] == "acc1"} == {
        (16778241, "SENSORB6")
    }
    gps = next(s for s in samples if s["stream"] == "GPS5")
    assert gps["units"] == "deg,deg,m,m/s,m/s"
    assert gps["gps5"] == {
        "latitude": 33.1267334,
        "longitude": -117.3274448,
        "altitude": -16.823,
        "speed_2d": 0.0,
        "speed_3d": 0.0,
    }
    accl = next(s for s in samples if s["stream"] == "ACCL")
    assert accl["units"] == "m/s²" and accl["accl"]["2"] == pytest.approx(10.2751, abs=1e-4)  # ~g


@pytest.mark.parametrize(
    "name", ["karma.mp4", "karma.raw", "hero5.raw", "hero6.raw", "hero6+ble.raw", "Fusion.raw"]
)
def test_gpmf_count_is_the_samples_decoded(name: str) -> None:
    data = read(GPMF / name)
    assert count_gpmf(data) == len(list(decode_gpmf(data)))


@pytest.mark.parametrize("cut", [100, 2_000_000])
def test_truncated_mp4_is_one_bad_record_with_a_reason(cut: int) -> None:
    data = read(GPMF / "karma.mp4")[:cut]
    with pytest.raises(GpmfError, match="truncated"):
        list(decode_gpmf(data))
    records = list(decode_file(data, "gpmf", []))
    assert len(records) == 1 and records[0][4] is not None and "truncated" in records[0][4]
    assert json.loads(records[0][3])["file_bytes"] == cut
    assert count_gpmf(data) == 1


def test_ulog_small_log_header_clock_and_flight() -> None:
    records = list(decode_ulog(read(ULOG / "sample_log_small.ulg")))
    log = records[0].data
    assert records[0].topic is None
    assert log["info"]["ver_hw"] == "CUBEPILOT_CUBEORANGE" and log["info"]["time_ref_utc"] == 0
    assert log["datasets"] == 70  # (topic, multi_id) pairs, as ulog2csv writes them
    assert log["data_messages"] == len(records) - 1
    # GPS time_utc_usec - timestamp lies in 1618986638128697..1618986638146706 (18 ms jitter)
    assert 1618986638128697 <= log["utc_offset_us"] <= 1618986638146706
    assert [m["message"] for m in log["logged_messages"]] == [
        "[commander] Takeoff detected",
        "[commander] Landing detected",
        "[commander] Disarmed by landing",
    ]
    landed = [(r.data["timestamp"], r.data["landed"]) for r in records if r.topic == "vehicle_land_detected"]
    changes = [(t, v) for (t, v), (_, before) in zip(landed[1:], landed, strict=False) if v != before]
    assert changes == [(22673775, 0), (23822439, 1)]  # takeoff 22.673775 s, landing 23.822439 s
    takeoff = next(
        r for r in records if r.topic == "vehicle_land_detected" and r.data["timestamp"] == 22673775
    )
    assert takeoff.data["timestamp_utc_us"] // 1000 == 1618986660815  # 2021-04-21T06:31:00.815Z
    arming = [(r.data["timestamp"], r.data["arming_state"]) for r in records if r.topic == "vehicle_status"]
    armed = [(t, a) for (t, a), (_, b) in zip(arming[1:], arming, strict=False) if a != b]
    assert arming[0] == (20220673, 2) and armed == [(25829736, 1)]  # armed 20.220673 s .. 25.829736 s


def test_ulog_sitl_log_is_unix_time_and_fields_drift() -> None:
    records = list(decode_ulog(read(ULOG / "sample_px4_events.ulg")))
    assert records[0].data["info"]["ver_hw"] == "PX4_SITL"
    assert records[0].data["utc_offset_us"] == 0
    landed = [(r.data["timestamp"], r.data["landed"]) for r in records if r.topic == "vehicle_land_detected"]
    changes = [(t, v) for (t, v), (_, before) in zip(landed[1:], landed, strict=False) if v != before]
    assert changes == [(1710773367086000, 0), (1710773378478000, 1)]  # one flight of 11.392 s
    gps = next(r.data for r in records if r.topic == "vehicle_gps_position")
    assert "latitude_deg" in gps and "lat" not in gps  # renamed in newer firmware


@pytest.mark.parametrize("name", ["sample_log_small.ulg", "sample_px4_events.ulg"])
def test_ulog_count_is_log_plus_messages(name: str) -> None:
    data = read(ULOG / name)
    assert count_ulog(data) == len(list(decode_ulog(data)))
    topics = ["vehicle_status", "vehicle_gps_position"]
    assert count_ulog(data, frozenset(topics)) == len(list(decode_ulog(data, topics)))


def test_truncated_or_foreign_ulog_is_one_bad_record() -> None:
    data = read(ULOG / "sample_log_small.ulg")
    with pytest.raises(UlogError, match="truncated"):
        list(decode_ulog(data[: len(data) // 2]))
    assert count_ulog(data[: len(data) // 2]) == 1
    records = list(decode_file(b"not a log at all", "ulog", []))
    assert len(records) == 1 and records[0][4] and "not a readable ULog file" in records[0][4]
    assert count_ulog(b"not a log at all") == 1

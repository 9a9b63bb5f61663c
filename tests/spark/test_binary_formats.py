"""GoPro GPMF and PX4 ULog sources end to end on the shared real files: tables, columns, values
(from EXPECTATIONS.md), a truncated file quarantined with its reason while the others land, and
every file reconciled with the independent count."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ingest.formats.record_count import count_gpmf, count_ulog
from tests.conftest import REALDATA
from tests.spark.helpers import columns, ingest

GPMF = REALDATA / "gopro-gpmf" / "samples"
ULOG = REALDATA / "px4-ulog" / "test"
pytestmark = [pytest.mark.spark, pytest.mark.realdata(GPMF, ULOG)]
TOPICS = ["vehicle_gps_position", "vehicle_land_detected", "vehicle_status"]


def land(landing: Path, source: str, files: dict[str, bytes]) -> Path:
    day = landing / source / "2026-01-05"
    day.mkdir(parents=True)
    for name, data in files.items():
        (day / name).write_bytes(data)
    return landing / source


def per_file(report: Any) -> dict[str, tuple[int, int, int]]:
    return {
        Path(f.file).name: (f.rows_read, f.rows_written, f.rows_quarantined) for f in report.sources[0].files
    }


def test_gpmf_mp4_and_raw_land_a_truncated_file_is_quarantined(spark: Any, landing: Path) -> None:
    karma = (GPMF / "karma.mp4").read_bytes()
    path = land(
        landing,
        "gpmf",
        {
            "karma.mp4": karma,
            "hero6.raw": (GPMF / "hero6.raw").read_bytes(),
            "cut.mp4": karma[:2_000_000],
        },
    )
    report = ingest(spark, path, "raw.gopro_samples", "gpmf")
    assert per_file(report) == {
        "karma.mp4": (8488, 8488, 0),
        "hero6.raw": (577, 577, 0),
        "cut.mp4": (1, 0, 1),
    }
    assert count_gpmf(karma) == 8488  # the independent count agrees with the rows
    cols = columns(spark, "raw.gopro_samples")
    for name, kind in {
        "device_id": "bigint",
        "device_name": "string",
        "stream": "string",
        "units": "string",
        "sample_time_s": "double",
        "gps5_latitude": "double",  # hero6's GPS5 stream: a new stream, new columns
        "gpri_1": "double",  # Karma's GPRI stream
        "accl_0": "double",
    }.items():
        assert cols[name] == kind
    counts = {
        (r.device_name, r.stream): r.n
        for r in spark.sql(
            "select device_name, stream, count(*) as n from raw.gopro_samples"
            " where _source_file like '%karma.mp4' group by 1, 2"
        ).collect()
    }
    assert counts[("Camera", "ACCL")] == 2397 and counts[("Camera", "GYRO")] == 4795
    assert counts[("Camera", "ISOG")] == 361 and counts[("Camera", "SHUT")] == 361
    first_fix = spark.sql(
        "select gpri_0, gpri_1, gpri_2 from raw.gopro_samples where stream = 'GPRI'"
        " order by payload, sample limit 1"
    ).first()
    assert first_fix is not None
    assert (first_fix.gpri_0, first_fix.gpri_1, first_fix.gpri_2) == (145.911705, 33.125368, -117.3310641)
    gps = spark.sql(
        "select units, gps5_latitude, gps5_altitude from raw.gopro_samples where stream = 'GPS5'"
        " order by sample limit 1"
    ).first()
    assert gps is not None and gps.units == "deg,deg,m,m/s,m/s"
    quarantined = spark.sql(
        "select file_uri, line, reason from ingest_meta.quarantine where table_name = 'raw.gopro_samples'"
    ).collect()
    assert [(Path(q.file_uri).name, q.line) for q in quarantined] == [("cut.mp4", 1)]
    assert quarantined[0].reason.startswith("gpmf: MP4: box 'mdat'") and "truncated" in quarantined[0].reason


def test_ulog_one_child_table_per_topic_schema_drift_adds_columns(spark: Any, landing: Path) -> None:
    small = (ULOG / "sample_log_small.ulg").read_bytes()
    path = land(
        landing,
        "ulog",
        {
            "small.ulg": small,
            "sitl.ulg": (ULOG / "sample_px4_events.ulg").read_bytes(),
            "cut.ulg": small[: len(small) // 2],
        },
    )
    report = ingest(
        spark, path, "raw.px4_logs", "ulog", ulog={"topics": TOPICS}, partition={"column": "started_at"}
    )
    files = per_file(report)
    topics = frozenset(TOPICS)
    assert files["small.ulg"] == (count_ulog(small, topics), count_ulog(small, topics), 0)
    assert files["cut.ulg"] == (1, 0, 1)
    assert set(report.sources[0].tables_created) == {"raw.px4_logs", *(f"raw.px4_logs__{t}" for t in TOPICS)}

    logs = {
        Path(r._source_file).name: r
        for r in spark.sql(
            "select _source_file, info_ver_hw, utc_offset_us, started_at, event_date from raw.px4_logs"
        ).collect()
    }
    assert set(logs) == {"small.ulg", "sitl.ulg"}
    assert logs["small.ulg"].info_ver_hw == "CUBEPILOT_CUBEORANGE"
    assert 1618986638128697 <= logs["small.ulg"].utc_offset_us <= 1618986638146706
    assert str(logs["small.ulg"].event_date) == "2021-04-21"  # partitioned by the log's UTC start
    assert logs["sitl.ulg"].info_ver_hw == "PX4_SITL" and logs["sitl.ulg"].utc_offset_us == 0

    # old firmware's lat/lon (1e-7 deg ints) and new latitude_deg (double): both kept as columns
    gps = columns(spark, "raw.px4_logs__vehicle_gps_position")
    assert gps["lat"] == "bigint" and gps["latitude_deg"] == "double" and gps["_position"] == "bigint"
    landed = spark.sql(
        "select _source_file, timestamp, timestamp_utc_us, landed, event_date"
        " from raw.px4_logs__vehicle_land_detected order by _source_file, _position"
    ).collect()
    changes = [
        (Path(r._source_file).name, r.timestamp, r.landed)
        for r, before in zip(landed[1:], landed, strict=False)
        if r._source_file == before._source_file and r.landed != before.landed
    ]
    assert changes == [
        ("sitl.ulg", 1710773367086000, 0),
        ("sitl.ulg", 1710773378478000, 1),
        ("small.ulg", 22673775, 0),
        ("small.ulg", 23822439, 1),
    ]
    takeoff = next(r for r in landed if r.timestamp == 22673775)
    assert takeoff.timestamp_utc_us // 1000 == 1618986660815 and str(takeoff.event_date) == "2021-04-21"
    quarantined = spark.sql(
        "select file_uri, reason from ingest_meta.quarantine where source = 'px4_logs'"
    ).collect()
    assert [Path(q.file_uri).name for q in quarantined] == ["cut.ulg"]
    assert quarantined[0].reason.startswith("ulog: truncated: the message at byte")


def test_a_binary_rerun_adds_nothing(spark: Any, landing: Path) -> None:
    path = land(landing, "gpmf2", {"hero5.raw": (GPMF / "hero5.raw").read_bytes()})
    first = ingest(spark, path, "raw.gopro_rerun", "gpmf")
    assert per_file(first) == {"hero5.raw": (664, 664, 0)}
    shutil.copy(GPMF / "Fusion.raw", path / "2026-01-05" / "fusion.raw")
    second = ingest(spark, path, "raw.gopro_rerun", "gpmf")
    assert per_file(second) == {"fusion.raw": (3603, 3603, 0)}
    assert "magn_0" in columns(spark, "raw.gopro_rerun")  # Fusion's magnetometer: new columns
    assert spark.table("raw.gopro_rerun").count() == 664 + 3603

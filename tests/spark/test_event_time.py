"""The partition date from the event time (``partition.column`` and ``partition.format``): each
format's times land on their UTC date, a value that is not a time takes the fallback date, and the
run reports how many did, with one of them. Expected dates come from Python (Decimal, timedelta,
strptime) or are written out, never from the code under test; real Rasa events close the file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import functions as F

from ingest.event_time import event_date
from tests.conftest import REALDATA
from tests.spark.helpers import ingest, rows

pytestmark = pytest.mark.spark

LANDING_DAY = date(2026, 3, 1)
RUN_DAY = date(2026, 3, 2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_UNIT = {
    "epoch_s": Decimal(10**6),
    "epoch_ms": Decimal(10**3),
    "epoch_us": Decimal(1),
    "epoch_ns": Decimal("0.001"),
}

# Values as Spark writes a column's value as text: integers, fractions, a double's exponent
# form, signs, spaces, and values that are no time under an epoch format.
EPOCH_TEXTS = [
    "1767225600",
    "1767225599.999999",
    "-1",
    "1.76722560025E9",
    " 1767312000 ",
    "+1767312000",
    "1767225599999",
    "1767225599999999",
    "1767225599999999.99999999",  # microseconds: a hair before midnight stays before it
    "1767225599999999999",  # as a double this would round up into the next day
    "1e22",  # past the year 9999 in every unit
    "1e-999999999",  # an exponent no time has (and that would cost seconds to scale)
    "9" * 10_000,
    "20260102",
    "2026-01-02",
    "abc",
    "",
    "   ",  # blank: as if missing, not reported
    None,
]
# ISO 8601 and what Spark reads as a date beside it, each with its UTC date (written out: Spark's
# reader, not Python's, decides what a time is under ``auto``; None: no time).
AUTO_DATES: dict[str | None, date | None] = {
    "2026-01-02T23:30:00-05:00": date(2026, 1, 3),
    "2026-01-02T10:00:00.123456Z": date(2026, 1, 2),
    "2026-01-02 10:00:00": date(2026, 1, 2),
    "2026-01-02": date(2026, 1, 2),
    "2026-1-2": date(2026, 1, 2),
    "2026": date(2026, 1, 1),
    "1234567": None,  # Spark's date of the year 1234567: past 9999, no time (and no overflow)
    "294248": None,
    "12026-01-01": None,
    "20260102": None,
    "1767225600": None,
    "02/01/2026": None,
    "": None,
    None: None,
}


def _epoch_date(text: str, fmt: str) -> date | None:
    """The UTC date ``text`` writes as a count of ``fmt``'s unit since 1970, exactly (Decimal);
    None when it is no number or no date Spark can hold (years 1 to 9999)."""
    try:
        if len(text) > 64 or abs(Decimal(text.strip()).as_tuple().exponent) > 64:  # type: ignore[arg-type]
            return None  # the documented bounds: 64 characters, exponents of up to 64
        micros = int((Decimal(text.strip()) * MICROS_PER_UNIT[fmt]).to_integral_value(rounding="ROUND_FLOOR"))
        return (EPOCH + timedelta(microseconds=micros)).date()
    except (ArithmeticError, OverflowError, ValueError):
        return None


@pytest.mark.parametrize("fmt", ["auto", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"])
def test_each_format_dates_its_times_and_the_rest_take_the_fallback(spark: Any, fmt: str) -> None:
    texts = list(AUTO_DATES) if fmt == "auto" else EPOCH_TEXTS
    frame = spark.createDataFrame(
        [(f"/landing/ev/{LANDING_DAY}/a.jsonl", text) for text in texts], "_source_file string, v string"
    )
    by_landing = event_date({("ts",): F.col("v")}, ("ts",), fmt, "landing_date", RUN_DAY)
    by_run = event_date({("ts",): F.col("v")}, ("ts",), fmt, "ingest_date", RUN_DAY)
    got = frame.select(
        "v", by_landing.date.alias("d"), by_landing.unread.alias("unread"), by_run.date.alias("d_run")
    ).collect()
    for row, text in zip(got, texts, strict=True):
        read = None if text is None else (AUTO_DATES[text] if fmt == "auto" else _epoch_date(text, fmt))
        assert (row["d"], row["d_run"]) == (read or LANDING_DAY, read or RUN_DAY), (fmt, text)
        blank = text is None or not text.strip()
        assert row["unread"] == (text if not blank and read is None else None), (fmt, text)
    assert any(row["unread"] is None and row["v"] for row in got)  # some values are times
    assert any(row["unread"] is not None for row in got)  # and some are not


def test_a_run_partitions_by_the_epoch_times_and_reports_the_values_that_are_none(
    spark: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "landing" / "ev" / str(LANDING_DAY)
    folder.mkdir(parents=True)
    lines = [
        '{"id": 1, "ts": 1767225600000, "tags": ["a", "b"]}',
        '{"id": 2, "ts": 1767312000123, "tags": ["c"]}',
        '{"id": 3, "ts": -86400000, "tags": []}',
        # A double rounds this up to midnight; the written digits are a hair before it.
        '{"id": 4, "ts": 1767225599999.99999999, "tags": ["d"]}',
        '{"id": 5, "ts": "2026-01-05T10:00:00Z", "tags": ["e"]}',  # ISO text: not a time in epoch_ms
        '{"id": 6, "tags": ["f"]}',  # no event time at all: the fallback, and nothing to report
        '{"id": 7, "ts": "not yet", "tags": ["g"]}',
        '{"id": 8, "ts": "", "tags": []}',  # blank: as if missing
    ]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n")
    report = ingest(
        spark,
        folder.parent,
        "evtime.by_ms",
        partition={"column": "ts", "format": "epoch_ms"},
        arrays={"explode": ["tags"]},
    )
    records = [json.loads(line, parse_float=Decimal) for line in lines]  # numbers as written

    def expected(record: dict[str, Any]) -> date:
        ts = record.get("ts")
        if isinstance(ts, (int, Decimal)):  # JSON numbers: milliseconds since 1970, UTC
            micros = int((Decimal(ts) * 1000).to_integral_value(rounding="ROUND_FLOOR"))
            return (EPOCH + timedelta(microseconds=micros)).date()
        return LANDING_DAY

    landed = rows(spark, "evtime.by_ms")
    dates = {row["id"]: row["event_date"] for row in landed}
    assert dates == {r["id"]: expected(r) for r in records}
    assert (dates[3], dates[4]) == (date(1969, 12, 31), date(2025, 12, 31))
    parents = {row["_source_line"]: row["event_date"] for row in landed}
    children = rows(spark, "evtime.by_ms__tags")
    assert len(children) == sum(len(r["tags"]) for r in records)
    assert all(child["event_date"] == parents[child["_source_line"]] for child in children)

    unread = report.sources[0].event_times_unread
    texts = sorted(r["ts"] for r in records if isinstance(r.get("ts"), str) and r["ts"].strip())
    assert unread is not None
    assert (unread.column, unread.format, unread.fallback) == ("ts", "epoch_ms", "landing_date")
    assert (unread.rows, unread.example, unread.suggested_format) == (len(texts), texts[0], None)


def test_epoch_seconds_under_the_default_format_are_reported_with_the_format_they_look_like(
    spark: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "landing" / "sec" / str(LANDING_DAY)
    folder.mkdir(parents=True)
    seconds = [1767225600, 1767312000, 1767398400]
    (folder / "a.jsonl").write_text(
        "".join(json.dumps({"id": n, "ts": s}) + "\n" for n, s in enumerate(seconds))
    )
    report = ingest(spark, folder.parent, "evtime.by_default", partition={"column": "ts"})
    assert {row["event_date"] for row in rows(spark, "evtime.by_default")} == {LANDING_DAY}
    unread = report.sources[0].event_times_unread
    assert unread is not None
    assert (unread.rows, unread.example, unread.suggested_format) == (
        len(seconds),
        str(min(seconds)),
        "epoch_s",
    )

    # Set as the report says, the same times land on their own dates.
    later = folder.parent / "2026-03-05"
    later.mkdir()
    (later / "b.jsonl").write_text(
        "".join(json.dumps({"id": 10 + n, "ts": s}) + "\n" for n, s in enumerate(seconds))
    )
    again = ingest(spark, folder.parent, "evtime.by_default", partition={"column": "ts", "format": "epoch_s"})
    assert again.sources[0].event_times_unread is None
    landed = {row["id"]: row["event_date"] for row in rows(spark, "evtime.by_default") if row["id"] >= 10}
    assert landed == {10 + n: datetime.fromtimestamp(s, UTC).date() for n, s in enumerate(seconds)}


# java.time patterns and the Python strptime format that reads the same texts (the oracle).
PATTERNS = {
    "dd/MM/yyyy": "%d/%m/%Y",
    "yyyyMMdd": "%Y%m%d",
    "dd/MM/yyyy HH:mm": "%d/%m/%Y %H:%M",
    "yyyy-MM-dd'T'HH:mm:ssXXX": "%Y-%m-%dT%H:%M:%S%z",
    "dd MMM yyyy": "%d %b %Y",
}
PATTERN_TEXTS = [
    "02/01/2026",
    "31/12/2025",
    "31/02/2026",  # no such day: no time (a lenient reader would make it 2026-02-28)
    "20260102",
    "02/01/2026 23:30",
    "2026-01-02T23:30:00-05:00",
    "2026-01-02T10:00:00+14:00",
    "02 Jan 2026",
    "02 JAN 2026",  # names in any case
    "31/12/9999",  # the first and last days of the years 1 to 9999, and a year typo
    "01/01/0001",
    "02/01/3026",
    "2026-01-02",
    "02/01/2026 and more",
    "",
    None,
]


def _pattern_date(text: str, strptime_format: str) -> date | None:
    try:
        moment = datetime.strptime(text.strip(), strptime_format)
    except ValueError:
        return None
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_a_java_time_pattern_dates_the_times_it_fits(spark: Any, pattern: str) -> None:
    frame = spark.createDataFrame(
        [(f"/landing/ev/{LANDING_DAY}/a.jsonl", text) for text in PATTERN_TEXTS],
        "_source_file string, v string",
    )
    dated = event_date({("ts",): F.col("v")}, ("ts",), pattern, "landing_date", RUN_DAY)
    got = frame.select(dated.date.alias("d"), dated.unread.alias("unread")).collect()
    for row, text in zip(got, PATTERN_TEXTS, strict=True):
        read = None if text is None else _pattern_date(text, PATTERNS[pattern])
        assert row["d"] == (read or LANDING_DAY), (pattern, text)
        assert row["unread"] == (text if text and read is None else None), (pattern, text)
    assert sum(row["unread"] is None for row in got) > 2  # each pattern fits some of them


def test_a_pattern_java_time_refuses_fails_its_source_with_exit_2_and_the_others_land(
    spark: Any, tmp_path: Path
) -> None:
    from ingest import pipeline
    from ingest.config import IngestConfig

    for name in ("bad_pattern", "good_pattern"):
        folder = tmp_path / name / str(LANDING_DAY)
        folder.mkdir(parents=True)
        (folder / "a.jsonl").write_text('{"id": 1, "day": "02/01/2026"}\n')
    sources = IngestConfig(
        sources=[
            {"name": "bad_pattern", "path": str(tmp_path / "bad_pattern"), "table": "evtime.bad_pattern",
             "format": "json", "partition": {"column": "day", "format": "dd/MM/yyyy bb"}},
            {"name": "good_pattern", "path": str(tmp_path / "good_pattern"), "table": "evtime.good_pattern",
             "format": "json", "partition": {"column": "day", "format": "dd/MM/yyyy"}},
        ]
    ).sources  # fmt: skip
    report = pipeline.run(spark, sources, command="test")
    bad, good = report.sources
    assert (bad.status, bad.exit_code, good.status, report.exit_code) == ("failed", 2, "ingested", 2)
    assert (
        bad.error is not None
        and "partition.format 'dd/MM/yyyy bb' cannot date a record: Unknown pattern letter: b" in bad.error
    )
    assert [row["event_date"] for row in rows(spark, "evtime.good_pattern")] == [date(2026, 1, 2)]
    assert not spark.catalog.tableExists("evtime.bad_pattern")


@pytest.mark.parametrize("pattern", ["dd/mm/yyyy", "HH:mm", "YYYY-MM-dd", "yyyy-MM", "ms"])
def test_a_pattern_that_cannot_write_and_read_back_a_whole_date_is_a_config_error(
    spark: Any, pattern: str
) -> None:
    """Valid java.time, but no date comes of it (``mm`` is minutes, ``YYYY`` the week-based year):
    every record would take the fallback date. Refused before the source reads anything."""
    from ingest.errors import ConfigError
    from ingest.jvm_functions import check_time_pattern

    with pytest.raises(ConfigError) as refused:
        check_time_pattern(spark, pattern, "orders")
    error = refused.value
    assert error.exit_code == 2 and error.where == "source orders"
    assert f"partition.format {pattern!r} cannot date a record" in error.what
    assert "does not read back as that day" in error.what
    check_time_pattern(spark, "dd/MM/yyyy", "orders")  # one that can: no error


# Real Rasa chatbot events (dlt's normalizer cases, ../shared/realdata/dlt-cases/SOURCE.txt): JSON
# documents whose "timestamp" is epoch seconds with seven fraction digits, more than a double holds.
RASA_EVENTS = REALDATA / "dlt-cases" / "tests" / "normalize" / "cases"


@pytest.mark.realdata(RASA_EVENTS)
def test_real_rasa_events_are_reported_under_auto_and_dated_by_their_own_time_as_epoch_s(
    spark: Any, tmp_path: Path
) -> None:
    files = sorted(RASA_EVENTS.glob("event.event.*.json")) + sorted(RASA_EVENTS.glob("rasa_*.json"))
    landing = tmp_path / "rasa" / str(LANDING_DAY)
    landing.mkdir(parents=True)
    stamps: list[Decimal] = []
    for path in files:
        (landing / path.name).symlink_to(path)
        document = json.loads(path.read_text(), parse_float=Decimal)  # the digits as written
        stamps += [event["timestamp"] for event in (document if isinstance(document, list) else [document])]
    assert len(files) >= 6 and len(stamps) >= len(files)

    by_default = ingest(spark, landing.parent, "evtime.rasa_auto", partition={"column": "timestamp"})
    unread = by_default.sources[0].event_times_unread
    assert unread is not None and unread.rows == len(stamps) and unread.suggested_format == "epoch_s"
    assert Decimal(unread.example) in stamps
    assert {row["event_date"] for row in rows(spark, "evtime.rasa_auto")} == {LANDING_DAY}

    as_seconds = ingest(
        spark, landing.parent, "evtime.rasa_epoch", partition={"column": "timestamp", "format": "epoch_s"}
    )
    assert as_seconds.sources[0].event_times_unread is None
    expected = sorted((EPOCH + timedelta(seconds=int(stamp))).date() for stamp in stamps)
    assert sorted(row["event_date"] for row in rows(spark, "evtime.rasa_epoch")) == expected
    assert len(set(expected)) > 3  # events from several days, 2015 to 2021

"""The epoch format a partition value that is not a time looks like (a hint the run prints, by
the time the number would be in each unit), and the run summary that prints it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ingest.event_time import suggested_format

RUN_DAY = date(2026, 12, 7)
MOMENTS = [
    datetime(1995, 3, 1, 12, 0, tzinfo=UTC),
    datetime(2026, 1, 2, 10, 30, tzinfo=UTC),
    datetime(2027, 6, 1, tzinfo=UTC),  # a device clock ahead of the run, within a year
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(
    ("fmt", "per_second"),
    [("epoch_s", 1), ("epoch_ms", 10**3), ("epoch_us", 10**6), ("epoch_ns", 10**9)],
)
def test_a_time_written_in_each_unit_suggests_that_unit(moment: datetime, fmt: str, per_second: int) -> None:
    count = int(moment.timestamp()) * per_second
    assert suggested_format(str(count), RUN_DAY) == fmt
    assert suggested_format(f"{count}.25", RUN_DAY) == fmt  # a fraction of the unit
    assert suggested_format(f"{count:.6e}", RUN_DAY) == fmt  # as a double's text writes it


@pytest.mark.parametrize(
    "value",
    [
        "20260102",  # a date written as digits: 1970 in seconds
        "202601021030",  # a date and time as digits: 1976 in milliseconds
        "2026010210",  # ... 2034 in seconds: years past the run
        "2026",
        "-1767225600",  # before 1990 in every unit
        "0",
        "1e400",
        "02/01/2026",
        "",
        "NaN",
    ],
)
def test_other_values_suggest_nothing(value: str) -> None:
    assert suggested_format(value, RUN_DAY) is None


def test_the_run_summary_says_how_many_took_the_fallback_and_what_to_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ingest.cli import _print_report
    from ingest.pipeline import EventTimesUnread, FileReport, RunReport, SourceReport

    source = SourceReport("devices", "raw.devices", status="ingested", files=[FileReport("/l/a.jsonl", 3, 3)])
    source.event_times_unread = EventTimesUnread(
        "meta.ts", "auto", "landing_date", 3, "1767225600000", "epoch_ms"
    )
    _print_report(RunReport("20260102T103000Z-abcdef", False, [source]))
    printed = " ".join(capsys.readouterr().err.split())
    assert (
        "warning: raw.devices: 3 record(s) have a meta.ts that is not a time under partition.format auto "
        "(e.g. '1767225600000'), so their event_date is their landing date. They look like epoch_ms: set "
        "partition.format: epoch_ms, then re-partition them: ingest rollback --table raw.devices "
        "--run 20260102T103000Z-abcdef, and run again."
    ) in printed


def test_a_value_like_no_epoch_time_asks_to_fix_the_format_or_the_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ingest.cli import _print_report
    from ingest.pipeline import EventTimesUnread, FileReport, RunReport, SourceReport

    source = SourceReport("devices", "raw.devices", status="ingested", files=[FileReport("/l/a.jsonl", 1, 1)])
    source.event_times_unread = EventTimesUnread("ts", "epoch_ms", "ingest_date", 1, "yesterday", None)
    _print_report(RunReport("r1", False, [source]))
    printed = " ".join(capsys.readouterr().err.split())
    assert (
        "so their event_date is their ingest date. Fix partition.format (or the data), then re-partition"
        in printed
    )
    assert "look like" not in printed


def test_a_stream_sums_its_micro_batches_and_says_so_once_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ingest.cli import _print_batch, _print_stream_report
    from ingest.pipeline import EventTimesUnread
    from ingest.stream import BatchReport, SourceTotals, StreamReport

    totals = SourceTotals("devices", "raw.devices", "kafka")
    for batch_id, rows in enumerate([2, 0, 5]):
        unread = (
            EventTimesUnread("ts", "auto", "ingest_date", rows, f"17672256{batch_id}", None) if rows else None
        )
        batch = BatchReport(
            "devices", batch_id, f"stream-x-{batch_id}", 10, 10, 0, [], 1.0, None, False, unread
        )
        _print_batch(batch)
        totals.add(batch)
    assert totals.event_times_unread is not None
    assert (totals.event_times_unread.rows, totals.event_times_unread.example) == (7, "176722560")
    _print_stream_report(StreamReport("stream-run", [totals]))
    captured = capsys.readouterr()
    batches = captured.err.splitlines()
    assert "2 with an event time that is not a time (fallback date)" in batches[0]
    assert "not a time" not in batches[1]
    printed = " ".join(captured.err.split())
    assert "raw.devices: 7 record(s) have a ts that is not a time under partition.format auto" in printed
    assert printed.endswith("Fix partition.format (or the data).")

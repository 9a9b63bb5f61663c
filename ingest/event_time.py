"""A record's partition date (``event_date``): the date of its event time, else a fallback date.

The event time is the value at the source's ``partition.column``, read as ``partition.format``
says:

- ``auto`` (the default): what Spark reads as a timestamp or a date (ISO 8601 in its forms:
  ``2026-01-02T10:00:00.123Z``, ``2026-01-02 10:00:00+02:00``, ``2026-01-02``);
- ``epoch_s``, ``epoch_ms``, ``epoch_us``, ``epoch_ns``: a number of seconds (milli-, micro-,
  nanoseconds) since 1970-01-01 UTC, written as a JSON number or as text, a fraction allowed,
  read exactly (``jvm_functions.epoch_micros``);
- anything else is a java.time pattern (``dd/MM/yyyy HH:mm``, ``yyyyMMdd``), read strictly, names
  in English in any case: a time without an offset or zone is UTC, a date alone its midnight
  (``jvm_functions.pattern_micros``, ``EventTime.java``). A pattern that cannot write and read
  back a whole date fails the source (exit 2) before it reads (``check_time_pattern``).

A number is never guessed to be an epoch time under ``auto``: ``20260102`` (a date written as a
number) is as likely as seconds, and a guess would put such records in 1970. Instead, a record
whose event time is there but is not a time under the format takes the fallback date, and the run
reports how many did, with one of their values and the epoch unit it looks like
(``suggested_format``), so that the user can set it. Only dates in the years 1 to 9999 are
times: Spark reads ``1234567`` as the year 1234567.

Dates are UTC (the session time zone is UTC): ``2026-01-02T23:30:00-05:00`` is on 2026-01-03.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from pyspark.sql import Column
from pyspark.sql import functions as F

from ingest.jvm_functions import epoch_micros, pattern_micros
from ingest.naming import Path

# The formats with a name; any other ``partition.format`` is a java.time pattern.
TimeFormat = Literal["auto", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"]
NAMED_FORMATS: tuple[TimeFormat, ...] = ("auto", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")
Fallback = Literal["landing_date", "ingest_date"]

# Each epoch format's unit, as the power of ten of microseconds it is (seconds: 10^6 us).
EPOCH_DIGITS: dict[TimeFormat, int] = {"epoch_s": 6, "epoch_ms": 3, "epoch_us": 0, "epoch_ns": -3}
# A yyyy-mm-dd folder in a landing file's path: the landing date.
LANDING_DATE = r"/(\d{4}-\d{2}-\d{2})/[^/]*$"
# A number as JSON or text writes it (one way to match each text: no backtracking).
NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?\s*$"
# The times a suggested epoch unit must give: from 1990 to a year past the run.
_PLAUSIBLE_FROM = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EventDate:
    """A record's partition date, and its event time's text where that was there but not a
    time under the format (``unread``; NULL otherwise), which the run counts and reports."""

    date: Column
    unread: Column


def is_pattern(time_format: str) -> bool:
    """Is ``time_format`` a java.time pattern (not one of ``NAMED_FORMATS``)?"""
    return time_format not in NAMED_FORMATS


def event_day(text: Column, time_format: str) -> Column:
    """The date (UTC) of the time ``text`` writes under ``time_format``; NULL when it is none."""
    if time_format == "auto":
        # Dates only: a timestamp cast of Spark's year-1234567 date would overflow and fail the job.
        day = F.coalesce(F.to_date(F.to_timestamp(text)), F.to_date(text))
        return F.when(F.year(day).between(1, 9999), day)
    if time_format in EPOCH_DIGITS:
        micros = epoch_micros(text, EPOCH_DIGITS[time_format])  # type: ignore[index]
    else:
        micros = pattern_micros(text, time_format)
    return F.to_date(F.timestamp_micros(micros))


def event_date(
    values: dict[Path, Column],
    column: Path | None,
    time_format: str,
    fallback: Fallback,
    run_date: date,
    written: Column | None = None,
) -> EventDate:
    """The partition date of each record of a source's batch (``values``: its parsed values by
    key path; ``column``: the partition column's path, None for none; ``written``: the value's
    text as written where Spark's parse of it lost digits, else NULL)."""
    landing = F.to_date(F.nullif(F.regexp_extract("_source_file", LANDING_DATE, 1), F.lit("")))
    fallback_date = landing if fallback == "landing_date" else F.lit(None).cast("date")
    fallback_date = F.coalesce(fallback_date, F.lit(run_date))
    if column is None or column not in values:
        return EventDate(fallback_date, F.lit(None).cast("string"))
    text = values[column].cast("string")
    if written is not None:
        text = F.coalesce(written, text)
    day = event_day(text, time_format)
    given = text.isNotNull() & (F.trim(text) != "")  # blank: no event time, as if missing
    return EventDate(F.coalesce(day, fallback_date), F.when(given & day.isNull(), text))


def suggested_format(value: str, run_date: date) -> TimeFormat | None:
    """The epoch format under which the number ``value`` is a time from 1990 to a year after
    ``run_date``, if one is: a hint for the user (the units are 1,000 apart, so at most one
    fits), never applied by itself. None for anything else: ``202601021030`` (a date and time
    written as digits) is no such time in any unit."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    last = datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC) + timedelta(days=366)
    for time_format, digits in EPOCH_DIGITS.items():
        micros = number.scaleb(digits)
        if micros.adjusted() > 18:  # 10^19 us is past the year 9999: no timedelta holds it
            continue
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        except OverflowError:  # before the year 1
            continue
        if _PLAUSIBLE_FROM <= moment <= last:
            return time_format
    return None

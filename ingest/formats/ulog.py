"""Decode PX4 ULog flight logs into one log record and one record per logged message (no Spark).

The parser is pyulog (PX4's own, BSD-3, pinned in ``constraints.txt``): it reads every ULog
message type, nested and array fields (as ``q[0]``, ``esc[0].rpm``), appended data and sync
recovery. ``decode_ulog(data, topics)`` yields ``UlogRecord``s:

- first, the log (``topic`` None): ``info`` (every scalar ``I`` info message: ``sys_name``,
  ``ver_hw``, ``ver_sw``, ...), ``start_timestamp_us``/``last_timestamp_us``, ``duration_s``,
  ``data_messages``, ``topics``, ``datasets`` (topic, instance pairs), ``dropouts`` and
  ``dropout_ms``, ``logged_messages`` (the text log: timestamp, level, message),
  ``utc_offset_us``/``utc_offset_source`` and ``started_at``/``ended_at`` (UTC);
- then every data message of every topic (or of ``topics`` when given), in topic order, each
  with ``multi_id``, the topic's fields as pyulog names them, and ``timestamp_utc_us``.

Clocks: ULog ``timestamp`` is microseconds since boot on real hardware and unix-epoch
microseconds in SITL; it is kept as it is. The UTC offset is the median of
``vehicle_gps_position.time_utc_usec - timestamp`` over samples with a UTC time (``gps``);
without GPS, timestamps already past 2001 are taken as unix time (``epoch``, offset 0); else
there is no UTC time (``utc_offset_us`` and ``timestamp_utc_us`` absent).

A file pyulog cannot open, or that it flags as corrupt, or that ends inside a message (a
truncated log: pyulog stops there silently) raises ``UlogError``; ``ingest.read_binary``
quarantines it whole.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from pyulog import ULog

EPOCH_THRESHOLD_US = 1_000_000_000_000_000  # 2001-09-09 in unix microseconds
GPS_TOPIC = "vehicle_gps_position"


class UlogError(ValueError):
    """The bytes are not a complete, readable ULog file; the message says why."""


@dataclass(frozen=True)
class UlogRecord:
    topic: str | None  # None: the log record; else the topic the message belongs to
    position: int | None  # the message's index among its topic's messages in this file
    data: dict[str, Any]


class _CutDetector(io.BytesIO):
    """A byte stream that notices a short read (a message cut by the end of the file)."""

    cut_at: int | None = None

    def read(self, size: int | None = -1, /) -> bytes:
        at = self.tell()
        chunk = super().read(size)
        if size is not None and size > 0 and 0 < len(chunk) < size and self.cut_at is None:
            self.cut_at = at
        return chunk


def _column(values: Any) -> list[Any]:
    """Python values of a numpy column; 32-bit floats at their shortest decimal."""
    if values.dtype == np.float32:
        return [float(text) for text in values.astype(str)]
    return list(values.tolist())


def _iso(us: float) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat().replace("+00:00", "Z")


def utc_offset(log: ULog) -> tuple[int | None, str | None]:
    """(microseconds to add to ``timestamp`` for unix time, how it was found)."""
    offsets = []
    for dataset in log.data_list:
        if dataset.name == GPS_TOPIC and "time_utc_usec" in dataset.data:
            utc, stamp = dataset.data["time_utc_usec"], dataset.data["timestamp"]
            offsets += [int(u) - int(t) for u, t in zip(utc, stamp, strict=True) if u > 0]
    if offsets:
        return int(statistics.median(offsets)), "gps"
    if log.start_timestamp >= EPOCH_THRESHOLD_US:
        return 0, "epoch"
    return None, None


def open_ulog(data: bytes, topics: list[str] | None = None) -> ULog:
    stream = _CutDetector(data)
    try:
        log = ULog(stream, topics or None, disable_str_exceptions=True)
    except Exception as exc:  # pyulog raises its own, struct and index errors on bad headers
        raise UlogError(f"not a readable ULog file: {exc}") from None
    if stream.cut_at is not None:
        raise UlogError(
            f"truncated: the message at byte {stream.cut_at} is cut by the end of the file ({len(data)} bytes)"
        )
    if log.file_corruption:
        raise UlogError("corrupt: pyulog found invalid messages in the file")
    return log


def decode_ulog(data: bytes, topics: list[str] | None = None) -> Iterator[UlogRecord]:
    log = open_ulog(data, topics)
    offset, source = utc_offset(log)
    datasets = sorted(log.data_list, key=lambda d: (d.name, d.multi_id))
    messages = sum(len(d.data["timestamp"]) for d in datasets)
    head: dict[str, Any] = {
        "ulog_version": log._file_version,  # noqa: SLF001 - pyulog has no public accessor
        "info": {k: v for k, v in sorted(log.msg_info_dict.items()) if isinstance(v, int | float | str)},
        "start_timestamp_us": log.start_timestamp,
        "last_timestamp_us": log.last_timestamp,
        "duration_s": (log.last_timestamp - log.start_timestamp) / 1e6,
        "data_messages": messages,
        "topics": len({d.name for d in datasets}),
        "datasets": len(datasets),
        "dropouts": len(log.dropouts),
        "dropout_ms": sum(d.duration for d in log.dropouts),
        "logged_messages": [
            {"timestamp_us": m.timestamp, "level": m.log_level_str(), "message": m.message}
            for m in log.logged_messages
        ],
    }
    if offset is not None:
        head.update(
            utc_offset_us=offset,
            utc_offset_source=source,
            started_at=_iso(log.start_timestamp + offset),
            ended_at=_iso(log.last_timestamp + offset),
        )
    yield UlogRecord(None, None, head)
    for name in sorted({d.name for d in datasets}):
        position = 0
        for dataset in (d for d in datasets if d.name == name):
            columns = {field: _column(values) for field, values in dataset.data.items()}
            count = len(columns["timestamp"])
            for row in range(count):
                record: dict[str, Any] = {"multi_id": dataset.multi_id}
                record.update((field, values[row]) for field, values in columns.items())
                if offset is not None:
                    record["timestamp_utc_us"] = record["timestamp"] + offset
                yield UlogRecord(name, position, record)
                position += 1

"""Decode GoPro GPMF telemetry (an MP4's ``gpmd`` track, or a raw GPMF payload) into samples.

Pure Python, no Spark: ``decode_gpmf(data)`` returns one plain ``dict`` per sensor sample, which
``ingest.read_binary`` turns into JSON records inside Spark tasks.

Why a small reader of our own and not a package: on PyPI, ``gpmf`` (0.1, 2020) and
``gopro2gpx`` (0.1, 2020) are single, unmaintained releases that shell out to an ``ffmpeg``
binary to extract the track; ``gopro-overlay`` is a video-rendering application (ffmpeg again,
many dependencies); ``py-gpmf-parser`` (0.1.1) binds GoPro's C parser but opens file *paths*
(Spark hands us bytes), extracts only the streams it is asked for by name (a new stream would
be dropped instead of becoming a new column), and is a young one-person binding. The format
itself is small and published (github.com/gopro/gpmf-parser, README "KLV Design"):

- KLV: a 4-character key, a 1-byte type, a 1-byte structure size, a 2-byte big-endian repeat
  count, then ``size * repeat`` bytes of big-endian data padded to 32 bits; type 0 nests KLVs.
- ``DEVC`` (device) holds ``DVID`` (id), ``DVNM`` (name) and one ``STRM`` per sensor stream; a
  stream holds sticky metadata (``STNM`` name, ``SIUN``/``UNIT`` units, ``SCAL`` divisors,
  ``TYPE`` for complex structures, ``TSMP``, ``STMP``, ``GPSF``/``GPSU``/``GPSP``, ...) and,
  last, the data KLV (``ACCL``, ``GYRO``, ``GPS5``, ...): ``repeat`` samples of
  ``size / sizeof(type)`` elements.
- In an MP4, each sample of the track whose sample entry is ``gpmd`` is one payload (about 1 s);
  its time range comes from the track's ``stts`` and timescale. A raw file is one payload
  without timing.

A sample: ``device_id``, ``device_name``, ``stream`` (the fourcc), ``stream_name``, ``units``
(one per element, comma-separated), ``payload`` and ``sample`` (0-based), and, from an MP4,
``payload_start_s``/``payload_end_s``, ``sample_time_s`` (spread evenly over the payload, as
gpmf-parser's basic timing does) and ``recording_started_at`` (the MP4 creation time, which
cameras write in local time without a zone: treat it as approximate). The values, divided by
``SCAL``, are under the lower-cased stream key: ``gps5.latitude``, ``accl.0``; GPS5/GPS9
elements are named as in the spec, any other stream's by position, so a new stream or a longer
sample becomes new columns. Simple per-stream metadata (``gpsf``, ``gpsu``, ``tmpc``,
``stmp``, ``tsmp``...) is kept beside them.

A file that is not MP4 or GPMF, or whose boxes or KLVs run past their container (a truncated or
corrupt file), raises ``GpmfError``; ``ingest.read_binary`` quarantines that file whole.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
# type char -> (struct code, size); all big-endian
_SIMPLE = {
    "b": ("b", 1),
    "B": ("B", 1),
    "s": ("h", 2),
    "S": ("H", 2),
    "l": ("i", 4),
    "L": ("I", 4),
    "j": ("q", 8),
    "J": ("Q", 8),
    "f": ("f", 4),
    "d": ("d", 8),
    "q": ("i", 4),  # Q15.16 fixed point
    "Q": ("q", 8),  # Q31.32 fixed point
}
_FIXED = {"q": 1 << 16, "Q": 1 << 32}
_TEXT = {"c": 1, "F": 4, "U": 16, "G": 16}
# metadata of a stream that is consumed, not kept as a field
_CONSUMED = {"STNM", "SIUN", "UNIT", "SCAL", "TYPE", "EMPT", "TICK", "TOCK"}
# keys that are never a stream's data: a stream ending in one of these has no samples
STREAM_METADATA = frozenset(_CONSUMED | {"TSMP", "STMP", "TIMO", "ORIN", "ORIO", "MTRX"})
ELEMENT_NAMES = {
    "GPS5": ("latitude", "longitude", "altitude", "speed_2d", "speed_3d"),
    "GPS9": (
        "latitude",
        "longitude",
        "altitude",
        "speed_2d",
        "speed_3d",
        "days_since_2000",
        "seconds_since_midnight",
        "dop",
        "fix",
    ),
}


class GpmfError(ValueError):
    """The bytes are not a readable MP4 with GPMF or raw GPMF; the message says where."""


@dataclass(frozen=True)
class Klv:
    key: str
    type: str  # "\0" for nested
    size: int
    repeat: int
    data: bytes


def iter_klv(buffer: bytes, where: str = "payload") -> Iterator[Klv]:
    """The KLVs of one level; raises ``GpmfError`` when one runs past the buffer."""
    at = 0
    while at < len(buffer):
        if len(buffer) - at < 8:
            raise GpmfError(f"{where}: {len(buffer) - at} stray bytes at offset {at} (truncated KLV header)")
        key_bytes, type_byte, size, repeat = struct.unpack_from(">4sBBH", buffer, at)
        try:
            key = key_bytes.decode("ascii")
        except UnicodeDecodeError:
            raise GpmfError(f"{where}: key {key_bytes!r} at offset {at} is not a fourcc") from None
        if not key.isprintable():
            raise GpmfError(f"{where}: key {key_bytes!r} at offset {at} is not a fourcc")
        length = size * repeat
        end = at + 8 + length
        if end > len(buffer):
            raise GpmfError(
                f"{where}: {key} at offset {at} holds {length} bytes but only {len(buffer) - at - 8} "
                "remain (truncated or corrupt)"
            )
        yield Klv(key, chr(type_byte), size, repeat, buffer[at + 8 : end])
        at = end + (-length % 4)


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1")


def _float32(value: float) -> float:
    """A 32-bit float at its shortest decimal (0.1, not 0.10000000149011612)."""
    return float(str(np.float32(value)))


def _element_codes(klv: Klv, complex_type: str | None) -> list[str]:
    """Type chars of one sample's elements."""
    if klv.type == "?":
        if not complex_type:
            raise GpmfError(f"{klv.key}: complex type without a TYPE definition")
        codes: list[str] = []
        text, i = complex_type, 0
        while i < len(text):
            char, i = text[i], i + 1
            count = 1
            if i < len(text) and text[i] == "[":
                close = text.index("]", i)
                count, i = int(text[i + 1 : close]), close + 1
            codes += [char] * count
        return codes
    if klv.type in _TEXT:
        return [klv.type]
    if klv.type not in _SIMPLE:
        return []
    return [klv.type] * (klv.size // _SIMPLE[klv.type][1])


def _values(klv: Klv, complex_type: str | None) -> list[list[Any]]:
    """``repeat`` samples, each a list of elements (unscaled)."""
    codes = _element_codes(klv, complex_type)
    if not codes:  # an unknown type: keep the bytes, not lose the sample
        return [[klv.data[i * klv.size : (i + 1) * klv.size].hex()] for i in range(klv.repeat)]
    if klv.type in _TEXT:
        return [[_text(klv.data[i * klv.size : (i + 1) * klv.size])] for i in range(klv.repeat)]
    samples = []
    for index in range(klv.repeat):
        at = index * klv.size
        sample: list[Any] = []
        for code in codes:
            if code in _TEXT:
                width = _TEXT[code] if code != "c" else 1
                sample.append(_text(klv.data[at : at + width]))
                at += width
                continue
            fmt, width = _SIMPLE.get(code, ("B", 1))
            (value,) = struct.unpack_from(">" + fmt, klv.data, at)
            at += width
            if code in _FIXED:
                value = value / _FIXED[code]
            elif code == "f":
                value = _float32(value)
            sample.append(value)
        samples.append(sample)
    return samples


def _scalars(klv: Klv) -> list[Any]:
    return [v for sample in _values(klv, None) for v in sample]


def _meta_value(klv: Klv) -> Any:
    values = _scalars(klv)
    if klv.type in _TEXT:
        return (
            "".join(str(v) for v in values) if klv.type == "c" else values[0] if len(values) == 1 else values
        )
    return values[0] if len(values) == 1 else values


def _units(klv: Klv) -> list[str]:
    return [_text(klv.data[i * klv.size : (i + 1) * klv.size]) for i in range(klv.repeat)]


def decode_stream(stream: bytes, device: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The samples of one ``STRM`` (without payload timing)."""
    klvs = list(iter_klv(stream, "STRM"))
    if not klvs or klvs[-1].key in STREAM_METADATA:
        return  # a stream with metadata only ("3A STATS")
    data_key = klvs[-1].key  # the data KLV comes last; it may repeat (FACE: one KLV per frame)
    meta: dict[str, Any] = {}
    units: list[str] = []
    scale: list[Any] = []
    complex_type: str | None = None
    name = None
    for klv in klvs:
        if klv.key == data_key:
            continue
        if klv.key == "STNM":
            name = _text(klv.data)
        elif klv.key in ("SIUN", "UNIT"):
            units = _units(klv)
        elif klv.key == "SCAL":
            scale = _scalars(klv)
        elif klv.key == "TYPE":
            complex_type = _text(klv.data)
        elif klv.key not in _CONSUMED and klv.type not in ("\0", "?"):
            meta[klv.key.lower()] = _meta_value(klv)
    samples = [s for klv in klvs if klv.key == data_key for s in _values(klv, complex_type)]
    names = ELEMENT_NAMES.get(data_key)
    for index, sample in enumerate(samples):
        values: dict[str, Any] = {}
        for position, value in enumerate(sample):
            divisor = scale[position] if len(scale) > position else scale[0] if len(scale) == 1 else 1
            if isinstance(value, int | float) and divisor not in (0, 1):
                value = value / divisor
            key = names[position] if names and position < len(names) else str(position)
            values[key] = value
        yield {
            **device,
            "stream": data_key,
            "stream_name": name,
            "units": ",".join(units) if units else None,
            "sample": index,
            **meta,
            data_key.lower(): values,
        }


def decode_payload(payload: bytes, where: str = "payload") -> Iterator[dict[str, Any]]:
    """The samples of every stream of every device in one payload."""
    for devc in iter_klv(payload, where):
        if devc.key != "DEVC" or devc.type != "\0":
            raise GpmfError(f"{where}: top-level KLV {devc.key!r} is not a DEVC container")
        device: dict[str, Any] = {"device_id": None, "device_name": None}
        for klv in iter_klv(devc.data, f"{where} DEVC"):
            if klv.key == "DVID":
                device["device_id"] = _scalars(klv)[0]
            elif klv.key == "DVNM":
                device["device_name"] = _text(klv.data)
            elif klv.key == "STRM":
                yield from decode_stream(klv.data, device)


# ---------------------------------------------------------------------------------------------
# MP4: the payloads of the gpmd track


@dataclass(frozen=True)
class Payload:
    data: bytes
    start_s: float | None = None
    end_s: float | None = None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(type, body start, body end) of the boxes in ``data[start:end]``."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if at + 16 > end:
                raise GpmfError(f"MP4: box header at byte {at} is cut")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise GpmfError(
                f"MP4: box {kind.decode('latin-1')!r} at byte {at} declares {size} bytes, "
                f"only {end - at} remain (truncated or corrupt)"
            )
        yield kind.decode("latin-1"), at + header, at + size
        at += size


def _child(data: bytes, start: int, end: int, kind: str) -> tuple[int, int] | None:
    for found, body, stop in _boxes(data, start, end):
        if found == kind:
            return body, stop
    return None


def _table(data: bytes, box: tuple[int, int] | None, fields: int, fmt: str = "I") -> list[tuple[int, ...]]:
    """Entries of a full box with ``entry_count`` then ``fields`` values per entry."""
    if box is None:
        return []
    body = box[0]
    (count,) = struct.unpack_from(">I", data, body + 4)
    width = struct.calcsize(">" + fmt)
    need = body + 8 + count * fields * width
    if need > box[1]:
        raise GpmfError("MP4: sample table is cut (truncated or corrupt)")
    flat = struct.unpack_from(">" + fmt * (count * fields), data, body + 8)
    return [flat[i : i + fields] for i in range(0, len(flat), fields)]


def mp4_payloads(data: bytes) -> tuple[list[Payload], str | None]:
    """The gpmd track's payloads with their time range, and the movie's creation time (UTC text)."""
    moov = _child(data, 0, len(data), "moov")
    if moov is None:
        raise GpmfError("MP4: no moov box (truncated before the movie header, or not an MP4)")
    created = None
    mvhd = _child(data, *moov, "mvhd")
    if mvhd:
        version = data[mvhd[0]]
        seconds = struct.unpack_from(">Q" if version == 1 else ">I", data, mvhd[0] + 4)[0]
        if seconds:
            created = (MP4_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for kind, body, end in _boxes(data, *moov):
        if kind != "trak":
            continue
        mdia = _child(data, body, end, "mdia")
        minf = mdia and _child(data, *mdia, "minf")
        stbl = minf and _child(data, *minf, "stbl")
        stsd = stbl and _child(data, *stbl, "stsd")
        if not (mdia and stbl and stsd) or data[stsd[0] + 12 : stsd[0] + 16] != b"gpmd":
            continue
        mdhd = _child(data, *mdia, "mdhd")
        timescale = 0
        if mdhd:
            version = data[mdhd[0]]
            timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if version == 1 else 12))[0]
        sizes_box = _child(data, *stbl, "stsz")
        if sizes_box is None:
            raise GpmfError("MP4: gpmd track has no stsz box")
        fixed, count = struct.unpack_from(">II", data, sizes_box[0] + 4)
        sizes = [fixed] * count if fixed else list(struct.unpack_from(f">{count}I", data, sizes_box[0] + 12))
        co64 = _child(data, *stbl, "co64")
        chunks = [
            e[0]
            for e in (_table(data, co64, 1, "Q") if co64 else _table(data, _child(data, *stbl, "stco"), 1))
        ]
        runs = _table(data, _child(data, *stbl, "stsc"), 3)
        durations = [d for n, d in _table(data, _child(data, *stbl, "stts"), 2) for _ in range(n)]
        offsets: list[int] = []
        for index, chunk_offset in enumerate(chunks, start=1):
            per_chunk = next((r[1] for r in reversed(runs) if r[0] <= index), 1)
            at = chunk_offset
            for _ in range(per_chunk):
                if len(offsets) == len(sizes):
                    break
                offsets.append(at)
                at += sizes[len(offsets) - 1]
        payloads, clock = [], 0
        for index, (offset, size) in enumerate(zip(offsets, sizes, strict=False)):
            if offset + size > len(data):
                raise GpmfError(
                    f"MP4: GPMF payload {index} at byte {offset} + {size} is past the end of the file "
                    f"({len(data)} bytes): truncated"
                )
            duration = durations[index] if index < len(durations) else 0
            start = clock / timescale if timescale else None
            clock += duration
            payloads.append(
                Payload(data[offset : offset + size], start, clock / timescale if timescale else None)
            )
        return payloads, created
    raise GpmfError("MP4: no GPMF (gpmd) track")


def decode_gpmf(data: bytes) -> Iterator[dict[str, Any]]:
    """Every sample of an MP4 with a GPMF track, or of a raw GPMF payload."""
    if data[:4] == b"DEVC":
        payloads, created = [Payload(data)], None
    elif data[4:8] == b"ftyp":
        payloads, created = mp4_payloads(data)
    else:
        raise GpmfError(f"not an MP4 (no ftyp box) nor raw GPMF (no DEVC): starts with {data[:8]!r}")
    for number, payload in enumerate(payloads):
        samples = list(decode_payload(payload.data, f"payload {number}"))
        counts: dict[tuple[Any, str], int] = {}
        for sample in samples:
            key = (sample["device_id"], sample["stream"])
            counts[key] = counts.get(key, 0) + 1
        for sample in samples:
            timing: dict[str, Any] = {"payload": number}
            if payload.start_s is not None and payload.end_s is not None:
                n = counts[(sample["device_id"], sample["stream"])]
                span = payload.end_s - payload.start_s
                timing.update(
                    payload_start_s=payload.start_s,
                    payload_end_s=payload.end_s,
                    sample_time_s=payload.start_s + span * sample["sample"] / n,
                )
            if created:
                timing["recording_started_at"] = created
            yield {**timing, **sample}

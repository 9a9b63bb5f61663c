"""A request body -> the events and dead letters it holds. Pure: bytes in, plain data out.

Contract: every non-blank line of the (decompressed) body becomes exactly one message: an event
when it is a JSON object (its value the line's exact bytes, without the line break), else a dead
letter with its 1-based line number and the reason. Blank lines are skipped, as the batch reader
skips them; a UTF-8 byte order mark at the start of the body is not content. So for every body,
``accepted + dead-lettered = non-blank lines``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

BOM = b"\xef\xbb\xbf"


class BodyTooLarge(Exception):
    """The body (or what it decompresses to) is larger than allowed."""


class BadGzip(Exception):
    """The body says it is gzip and is not (or ends early)."""


@dataclass(frozen=True)
class Event:
    line: int
    value: bytes
    key: bytes | None


@dataclass(frozen=True)
class DeadLetter:
    line: int
    value: bytes
    reason: str


def gunzip(body: bytes, limit: int) -> bytes:
    """Decompress a gzip body (several members too), refusing output larger than ``limit``."""
    out = bytearray()
    data = body
    try:
        while data:
            decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            out += decoder.decompress(data, limit + 1 - len(out))
            if len(out) > limit or decoder.unconsumed_tail:
                raise BodyTooLarge(f"the body decompresses to more than {limit} bytes")
            if not decoder.eof:
                raise BadGzip("the gzip body ends before its end marker (truncated)")
            data = decoder.unused_data
    except zlib.error as error:
        raise BadGzip(f"the body is not valid gzip: {error}") from None
    return bytes(out)


def _describe(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _key(event: dict[str, Any], key_fields: tuple[str, ...]) -> bytes | None:
    """The first key field present with a scalar value (dotted paths reach into objects)."""
    for field in key_fields:
        value: Any = event
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            # A key may hold half a surrogate pair ("\\ud83d": an emoji cut in two by the client):
            # UTF-8 has no such character, but the key only partitions, so its bytes need not be
            # text, only the same for the same device.
            return value.encode("utf-8", "surrogatepass")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value).encode()
    return None


def split_body(body: bytes, key_fields: tuple[str, ...]) -> tuple[list[Event], list[DeadLetter]]:
    """The events and dead letters of a JSON-lines body (already decompressed)."""
    if body.startswith(BOM):
        body = body[len(BOM) :]
    events: list[Event] = []
    dead: list[DeadLetter] = []
    for number, raw in enumerate(body.split(b"\n"), start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            dead.append(DeadLetter(number, line, f"not UTF-8 text: byte {error.start + 1} is invalid"))
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            dead.append(DeadLetter(number, line, f"not valid JSON: {error.msg} (column {error.colno})"))
            continue
        if not isinstance(value, dict):
            dead.append(DeadLetter(number, line, f"not a JSON object: {_describe(value)}"))
            continue
        events.append(Event(number, line, _key(value, key_fields)))
    return events, dead

"""Count the records of landing files from their raw bytes, independently of the readers.

A self-check can only fail if it does not share the code it checks: this module uses none of
``ingest.read_json``/``ingest.read_csv``, not Spark (whose Jackson parser the readers use), not
Python's ``csv``. Python's ``json`` decodes the elements of array documents only. It streams each
file (1 MiB chunks, gzip decompressed on the fly for ``.gz``), so memory is constant whatever the
file size (an array document: its largest element; a malformed one may be read whole). The pipeline compares the counts with what it wrote and
quarantined (``ingest.reconcile``).

What counts as a record (the README's "Formats"):
- JSON lines: every line that is not blank; except a file holding one object that does not
  close on its first line and has nothing but whitespace after it (a pretty-printed object,
  valid JSON or not: brackets outside strings decide), which is 1;
- a JSON array document (first non-blank character ``[``): the elements of the top-level array
  when it is valid JSON with only whitespace after it and every element is an object; any
  other array document is 1 (the reader quarantines the file whole), unless its first array
  closes on the first non-blank line (brackets outside strings): then it is JSON lines;
- a UTF-8 byte order mark at the start of a file is not content (a file of only a BOM is empty);
  a JSON file that starts with a UTF-16 or UTF-32 one cannot be read (JSON is UTF-8): the
  pipeline quarantines it whole, as it does a CSV file that is not text in ``csv.encoding``;
- CSV: records by the CSV grammar (a record ends at LF or CRLF, or at CR in a file whose first
  MiB has CR and no LF; a newline inside quotes is inside the record; a quote opens a
  quoted value only as its field's first character, as in Spark's CSV parser, so ``5"`` and
  `` "a"`` after a space are plain values), empty lines
  skipped; every record but the header is one (every record under ``csv.header: none``; the
  pipeline counts the header back in for a file whose header guess found it to be data),
  wherever the reader guesses the header to be
  (rows before it, title or blank, are quarantined by the reader); a file in which no record
  fills a cell has no header and no records.
- GPMF (``ingest.formats.gpmf`` decodes): the sensor samples, i.e. the ``repeat`` counts of each
  stream's data KLVs (the key of a stream's last KLV), summed over the payloads, found by
  walking KLV headers only (no value is unpacked or scaled); in an MP4, the payloads are located
  by a box walk of its own (``stsz``/``stco``/``stsc`` of the ``gpmd`` track);
- ULog (``ingest.formats.ulog`` decodes with pyulog): 1 for the log, plus the data (``D``)
  messages whose ``A`` subscription names a selected topic, by walking the 3-byte message
  headers from byte 16;
- a binary file whose walk runs past its end, or meets a header that cannot be, is 1 record
  (the reader quarantines it whole).

Why plain Python on the driver and not a Spark job: ``binaryFiles`` hands each file to a Python
worker as one ``bytes`` object (not constant memory), and line-based Spark reads cannot follow
CSV quotes across lines without re-implementing the reader's own splitting. Streaming costs one
more sequential read of the new files; ``count_records`` reads several files at once.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any, Literal, NamedTuple

from ingest.errors import InputError

CHUNK = 1 << 20
Opener = Callable[[str], IO[bytes]]


@dataclass(frozen=True)
class CsvGrammar:
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    encoding: str = "UTF-8"
    header: bool = True  # False: ``csv.header: none``, every record is data
    comment: str | None = None  # a line starting with it where a record would start is no record


class RawOpener:
    """Binary streams of local paths and ``s3a://`` / ``s3://`` objects (not decompressed), with
    one S3 client for every object it opens. Making a client costs more than a small object's GET
    (counting 2,000 objects of W2 on the local platform took 18.1 s with a client per object;
    bench/RESULTS.md, session 41), and boto3's clients are thread-safe. ``client``: that one
    instead of the platform's (``landing_s3.s3_client``, made at the first object)."""

    def __init__(self, client: Any = None) -> None:
        self._client: Any = client
        self._lock = threading.Lock()

    def __call__(self, uri: str) -> IO[bytes]:
        return self._get(uri)

    def prefix(self, uri: str, length: int) -> IO[bytes]:
        """The file's first ``length`` bytes or fewer (an object: one ranged GET, so the
        connection is not dropped by a body closed half read; a local file: the whole stream)."""
        return self._get(uri, f"bytes=0-{length - 1}")

    def _get(self, uri: str, byte_range: str | None = None) -> IO[bytes]:
        if not is_object(uri):
            return open(uri, "rb")
        with self._lock:
            if self._client is None:
                from ingest.landing_s3 import s3_client

                self._client = s3_client()
        bucket, _, key = uri.split("://", 1)[1].partition("/")
        ranged = {"Range": byte_range} if byte_range else {}
        try:
            body: IO[bytes] = self._client.get_object(Bucket=bucket, Key=key, **ranged)["Body"]
        except self._client.exceptions.NoSuchKey:
            raise FileNotFoundError(f"no such object: {uri}") from None  # as open() says of a file
        except self._client.exceptions.ClientError as error:
            unsatisfiable = error.response.get("Error", {}).get("Code") in ("InvalidRange", "416")
            if byte_range and unsatisfiable:  # an empty object (S3 answers 416), or a server that
                return self._get(uri)  # refuses ranges past the end: the object whole instead
            raise
        return body  # botocore's StreamingBody: read(n) streams


def is_object(uri: str) -> bool:
    """An object store's URI (``s3a://``, ``s3://``), not a local path."""
    return uri.startswith(("s3a://", "s3://"))


# An object this small is fetched whole by whichever of its two readers opens it first (the CSV
# header guess, the record count); the other gets the same bytes (``SharedFetches``).
SMALL_OBJECT = CHUNK
SHARED_BUDGET = 128 << 20


class SharedFetches:
    """One GET per small object for two readers of the same landing files: the CSV header guess
    (``head``) and the independent record count (``__call__``, an ``Opener``).

    A GET costs about 1.2 ms of botocore's CPU whatever the object's size (bench/RESULTS.md,
    session 41), so each reader spent about 30 s on 20,000 small CSV objects (session 49). Here an
    object of at most ``SMALL_OBJECT`` bytes (by its size at discovery) is read whole, to its end,
    by the first reader to open it, and its bytes kept (at most ``SHARED_BUDGET`` bytes in all)
    until the other opens it; a reader that comes while the other is still fetching waits for
    that GET. Over the budget, each reader fetches for itself. The count still parses its own
    copy with its own code, so it stays independent of the reader's parsing; what the two share
    is the bytes on the wire, checked against the object's length as each reader's own GET
    would be. A larger object's head is a ranged GET of ``head_bytes`` (a gzip's is streamed, as
    its head is cut after gunzipping); local files are opened as they are.
    """

    def __init__(self, sizes: dict[str, int], head_bytes: int, raw: RawOpener | None = None) -> None:
        self._sizes = sizes
        self._head_bytes = head_bytes
        self._raw = raw or RawOpener()
        self._lock = threading.Lock()
        self._kept: dict[str, bytes] = {}
        self._kept_bytes = 0
        self._fetching: dict[str, threading.Event] = {}
        self._fetched: set[str] = set()

    def __call__(self, uri: str) -> IO[bytes]:
        shared = self._shared(uri)
        return self._raw(uri) if shared is None else shared

    def head(self, uri: str) -> IO[bytes]:
        shared = self._shared(uri)
        if shared is not None:
            return shared
        return self._raw(uri) if compressed(uri) else self._raw.prefix(uri, self._head_bytes)

    def _shared(self, uri: str) -> IO[bytes] | None:
        """The object's bytes, fetched once for both readers. None: a local file or a large
        object; the kept bytes over the budget; already fetched and not kept (given to the
        other reader, or the GET failed); grown past ``SMALL_OBJECT`` since discovery. The
        caller then fetches it itself."""
        size = self._sizes.get(uri, SMALL_OBJECT + 1)
        if not is_object(uri) or size > SMALL_OBJECT:
            return None
        while True:
            with self._lock:
                kept = self._kept.pop(uri, None)
                if kept is not None:
                    self._kept_bytes -= len(kept)
                    return io.BytesIO(kept)
                pending = self._fetching.get(uri)
                if pending is None:
                    if uri in self._fetched or self._kept_bytes + size > SHARED_BUDGET:
                        return None
                    self._fetched.add(uri)
                    self._kept_bytes += size  # reserved while it is fetched
                    done = self._fetching[uri] = threading.Event()
                    break
            pending.wait()  # the other reader is fetching it: its bytes, or None if not kept
        data: bytes | None = None
        try:
            data = _read_small(self._raw(uri))
        finally:
            with self._lock:
                self._kept_bytes -= size
                if data is not None and len(data) <= SMALL_OBJECT:
                    self._kept[uri] = data
                    self._kept_bytes += len(data)
                del self._fetching[uri]
                done.set()
        if len(data) > SMALL_OBJECT:  # replaced by a larger object since discovery: streamed instead
            return None
        return io.BytesIO(data)


def _read_small(body: IO[bytes]) -> bytes:
    """``body`` to its end, or its first ``SMALL_OBJECT + 1`` bytes if it is longer. Read until
    an empty chunk: there botocore checks the bytes against the object's length and raises if a
    connection cut the body short (a single ``read(n)`` would return the part silently)."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= SMALL_OBJECT:
            chunk = body.read(SMALL_OBJECT + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        body.close()
    return b"".join(chunks)


def compressed(uri: str) -> bool:
    """Is the file gzip (decompressed while counted)? Only such a file can end early by itself, as
    a truncated gzip stream; a plain file ends where its bytes do."""
    return uri.endswith(".gz")


# Compressions a landing file's name may announce that ingest does not read. Spark's reader picks
# a codec by the name: zstd failed the whole source (pyspark's Hadoop has no native zstd), bzip2
# was decompressed by Spark but not by this count (the source failed to reconcile), and xz, ZIP
# or 7-Zip were read as text (garbage rows and quarantine). Such a file is quarantined whole,
# before Spark's read, saying what to do.
_UNREAD_COMPRESSIONS = {
    ".bz2": "bzip2",
    ".zst": "zstd",
    ".xz": "xz",
    ".lzma": "LZMA",
    ".lz4": "LZ4",
    ".snappy": "Snappy",
    ".deflate": "deflate",
    ".br": "Brotli",
    ".zip": "a ZIP archive",
    ".7z": "a 7-Zip archive",
    ".tgz": "a gzipped tar archive",
    ".tar.gz": "a gzipped tar archive",
    ".tar": "a tar archive",
}


def unread_compression(uri: str) -> str | None:
    """Why a JSON or CSV landing file cannot be read as its name says it is compressed (``None``:
    plain, or gzip named ``.gz``)."""
    name = uri.rsplit("/", 1)[-1]
    written = name[name.rfind(".") :] if "." in name else ""
    if name.lower().endswith(".tar.gz"):  # gzip, but of an archive: Spark would read its tar bytes
        written = name[-len(".tar.gz") :]
    suffix = written.lower()
    if suffix == ".gz" and written != ".gz":  # .GZ: Spark's reader decompresses .gz only
        return (
            f"gzip named {written}, which Spark's reader does not decompress: "
            "land it under a new name ending in .gz"
        )
    kind = _UNREAD_COMPRESSIONS.get(suffix)
    if kind is None:
        return None
    return (
        f"compressed as {kind} ({written}), which ingest does not read (it reads gzip, .gz): "
        "decompress it, or gzip it, and land it under a new name"
    )


def unnameable_key(uri: str) -> str | None:
    """Why Spark cannot read an S3 object by its key (``None``: it can, or the file is local).

    S3 keys are plain strings, but Hadoop's ``Path``, through which Spark's reader names every
    file, normalizes them as URI paths: ``a//b.jsonl`` becomes ``a/b.jsonl`` (another object,
    or none), and ``.`` or ``..`` segments are resolved. SeaweedFS folds ``//`` when the object
    is written; AWS S3 keeps such keys distinct."""
    scheme, _, rest = uri.partition("://")
    if scheme not in ("s3", "s3a") or "/" not in rest:
        return None
    segments = rest.split("/", 1)[1].split("/")
    if not any(segment in ("", ".", "..") for segment in segments):
        return None
    return (
        "an S3 key with an empty, '.' or '..' path segment, which Spark's reader (Hadoop's Path) "
        "turns into another key: copy the object to a key without one, and remove this one"
    )


def counted_before_read(uri: str) -> bool:
    """Is the file counted before Spark's read, so that the read can leave it out: gzip (which
    may be cut short), files ``unread_compression`` refuses, and keys Spark cannot name."""
    return compressed(uri) or unread_compression(uri) is not None or unnameable_key(uri) is not None


def decompressed(uri: str, raw: IO[bytes]) -> IO[bytes] | gzip.GzipFile:
    """``raw`` gunzipped as it is read if the file is gzip (``compressed``), else ``raw`` itself."""
    return gzip.GzipFile(fileobj=raw) if compressed(uri) else raw


# What reading a landing file's bytes raises when the file is at fault (cut short, corrupt gzip,
# an I/O error): the caller names the file instead of failing with a traceback.
READ_ERRORS = (EOFError, OSError, gzip.BadGzipFile, zlib.error)


def open_raw(uri: str) -> IO[bytes]:
    """One file's binary stream (see ``RawOpener``; several files: share one opener)."""
    return RawOpener()(uri)


def open_landing(opener: Opener, uri: str) -> IO[bytes]:
    """``opener(uri)``; a file that cannot be opened (gone since it was listed: the run leaves it
    waiting, see ``pipeline._count_and_read``) is an ``InputError`` naming it."""
    try:
        return opener(uri)
    except OSError as exc:
        raise InputError(
            f"cannot open landing file: {exc}",
            where=uri,
            hint="the file was moved or deleted after it was listed",
        ) from None


def _chunks(uri: str, opener: Opener, strip_bom: bool = False) -> Iterator[bytes]:
    """The file's bytes in chunks, gunzipped; ``strip_bom``: without a UTF-8 byte order mark."""
    raw = open_landing(opener, uri)
    stream = decompressed(uri, raw)
    try:
        head = b""
        while strip_bom and len(head) < len(_BOM) and (more := stream.read(CHUNK)):
            head += more  # a chunk may be shorter than the mark
        if head.removeprefix(_BOM):
            yield head.removeprefix(_BOM)
        while chunk := stream.read(CHUNK):
            yield chunk
    except READ_ERRORS as exc:
        raise InputError(
            f"cannot read the file to the end: {exc}", where=uri, hint="the file is truncated or corrupt"
        ) from None
    finally:
        stream.close()
        raw.close()


# ---------------------------------------------------------------------------------------------
# JSON

_WHITESPACE = b" \t\r\n\x0b\x0c"  # what Java's regex \s (the reader's blank test) matches
_JSON_WHITESPACE = " \t\n\r"  # what the JSON grammar allows between tokens
_BOM = b"\xef\xbb\xbf"


class _JsonShape:
    """Bracket depth and string state over a byte stream, until the file's shape is known.
    Brackets outside strings decide, not the JSON grammar, as in the reader
    (``dap_first_value_ends``, ``dap_text_after_first_value``): a file is one document when its
    first value, an object or array, does not close on its first line (a newline anywhere in it,
    escaped or not, ends that line)."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False
        self.top_values = 0  # top-level values started (each byte outside brackets counts)
        self.line_ended = False  # a newline after the first value started
        self.first: int | None = None  # first non-blank byte

    @property
    def first_line_closes(self) -> bool:
        """The first value is an object or array that closed on its first line."""
        return self.first in (0x5B, 0x7B) and self.depth == 0 and self.top_values >= 1 and not self.line_ended

    @property
    def one_object(self) -> bool:
        """An object over several lines with nothing after it: one record, valid JSON or not."""
        return self.first == 0x7B and self.line_ended and self.depth == 0 and self.top_values == 1

    @property
    def settled(self) -> bool:
        """Nothing more to learn from the bytes: the first value closed on its first line (JSON
        lines, or one value alone on that line), or an array went on past its first line (an
        array document, valid or not: ``_count_json_array`` counts it). An object that goes on
        is followed to the end, for what comes after it."""
        return self.first_line_closes or (self.first == 0x5B and self.line_ended)

    def feed(self, chunk: bytes) -> None:
        for byte in chunk:
            if byte == 0x0A and self.first is not None:
                self.line_ended = True
                if self.settled:
                    return
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif byte == 0x5C:  # backslash
                    self.escaped = True
                elif byte == 0x22:
                    self.in_string = False
                continue
            if byte in _WHITESPACE:
                continue
            if self.first is None:
                self.first = byte
            if self.depth == 0:
                self.top_values += 1
            if byte == 0x22:
                self.in_string = True
            elif byte in b"[{":
                self.depth += 1
            elif byte in b"]}":
                self.depth -= 1
                if self.settled:
                    return


def count_json(uri: str, opener: Opener = open_raw) -> int:
    shape = _JsonShape()
    lines = 0
    pending_blank = True  # the current line has only whitespace so far
    first = True
    for chunk in _chunks(uri, opener, strip_bom=True):
        if first and (bom := unicode_bom(chunk)):
            # Read as UTF-8, its every line would be quarantined as garbage, its values lost to
            # U+FFFD: the file is quarantined whole, with what to do.
            raise InputError(
                f"not UTF-8 text: it starts with the {bom} byte order mark (JSON must be UTF-8); "
                f"convert it (iconv -f {bom} -t UTF-8) and land it under a new name",
                where=uri,
            )
        first = False
        if not shape.settled:
            shape.feed(chunk)
        # non-blank lines: count line ends whose line had content, chunk boundaries carried over
        parts = chunk.split(b"\n")
        for index, part in enumerate(parts):
            if part.strip(_WHITESPACE):
                pending_blank = False
            if index < len(parts) - 1:
                lines += 0 if pending_blank else 1
                pending_blank = True
    lines += 0 if pending_blank else 1
    if shape.first == 0x5B:
        # An array that closes on the first line, with more lines below it (``[1, 2]`` above
        # objects), starts JSON lines, that line one bad record among them: no array document
        # has text after its closing bracket. Else the elements of a valid array document of
        # objects, or 1: the whole text is one bad record (1 is also the lines of an array alone
        # on its line).
        if shape.first_line_closes and lines > 1:
            return lines
        elements = _count_json_array(uri, opener)
        return 1 if elements is None else elements
    return 1 if shape.one_object else lines


def _count_json_array(uri: str, opener: Opener) -> int | None:
    """The elements of an array document that is valid JSON and holds only objects; else None.

    The reader quarantines any other array document whole, as one record, unless its first line
    is a whole value by itself (then it reads the text as JSON lines). Elements are decoded
    one at a time with Python's ``json`` (the readers use Spark's Jackson parser), from a buffer
    that grows only as far as the element being decoded needs.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    raw_decode = json.JSONDecoder().raw_decode
    chunks = _chunks(uri, opener, strip_bom=True)
    text, at, at_end = "", 0, False

    def more(at_least: int) -> bool:
        """Drop what is decoded, append at least ``at_least`` characters; False at the end."""
        nonlocal text, at, at_end
        text, at = text[at:], 0
        added = 0
        while added < at_least and not at_end:
            chunk = next(chunks, None)
            at_end = chunk is None
            piece = decoder.decode(chunk or b"", final=at_end)
            text += piece
            added += len(piece)
        return added > 0

    def skip_blank(allowed: str) -> str:
        """The next character after ``allowed`` whitespace, "" at the end of the file."""
        nonlocal at
        while True:
            while at < len(text) and text[at] in allowed:
                at += 1
            if at < len(text):
                return text[at]
            if not more(CHUNK):
                return ""

    if skip_blank(_WHITESPACE.decode()) != "[":
        return None
    at += 1
    elements = 0
    while True:
        if skip_blank(_JSON_WHITESPACE) == "]" and elements == 0:
            at += 1
            break
        want = CHUNK
        while True:  # decode one element, reading on while it may continue past the buffer
            try:
                value, end = raw_decode(text, at)
                cut = end == len(text)  # a number may go on in the next chunk
            except json.JSONDecodeError as exc:
                value, end = None, -1
                # ran out of text: at the end, in a \uXXXX escape, or inside a string
                cut = exc.pos >= len(text) - 6 or exc.msg.startswith("Unterminated string")
            except RecursionError:  # nested deeper than Jackson's limit (1,000) too: not a record
                value, end, cut = None, -1, False
            if cut and not at_end:
                more(want)
                want *= 2  # amortised: a huge element is not re-parsed once per chunk
                continue
            break
        if end == -1 or not isinstance(value, dict):
            return None
        elements += 1
        at = end
        separator = skip_blank(_JSON_WHITESPACE)
        at += 1
        if separator == "]":
            break
        if separator != ",":
            return None
    return elements if skip_blank(_JSON_WHITESPACE) == "" else None


# ---------------------------------------------------------------------------------------------
# CSV


class _CsvScanner:
    """Records by the CSV grammar over decoded text; cells are tracked until a record fills one.

    A quote then the escape, inside a quoted value, with an escape other than the quote
    (``csv.escape: "\\"``): the quote does not close the value, as in Spark's CSV parser
    (univocity). The quote is a character, the escape escapes the one after it, and the value
    goes on: ``"a"\\;b``<LF>``c;d`` is one value to the end of the file. A valid file never holds
    it (a closing quote is followed by the delimiter or a line end).
    """

    def __init__(self, grammar: CsvGrammar) -> None:
        self.g = grammar
        self.in_quotes = False
        self.escaped = False
        self.after_quote = False  # just saw a quote inside quotes (maybe a doubled quote)
        self.records = 0  # non-empty records
        self.current_chars = 0  # characters in the current record (0: an empty line so far)
        self.cell_filled = False
        self.filled_cells = 0
        # a record with a filled cell seen: the file has a header (the reader's guess of which
        # one does not change the count), and from here only quotes and line ends matter
        self.has_header = False
        self._specials: re.Pattern[str] | None = None
        # The field it is in (outside quotes): is it empty so far (a quote opens a quoted value
        # only there), carried over a chunk boundary; and whether a quote just closed at the end
        # of the previous chunk (a doubled quote may straddle the boundary).
        self.field_empty = True
        self.closed_at_end = False
        self.in_comment = False  # in a comment line (``csv.comment``), to its line end
        # nothing since the last line end outside quotes, not even a CR: only there does the
        # comment character start a comment (Spark's reader reads one character at a record's
        # start; a line starting "\r#" is a record)
        self.line_start = True

    def _end_record(self) -> None:
        self.line_start = True
        if self.current_chars:
            self.records += 1
            self.has_header = self.has_header or bool(self.filled_cells or self.cell_filled)
        self.current_chars = 0
        self.cell_filled = False
        self.filled_cells = 0
        self.field_empty = True

    def feed(self, text: str) -> None:
        if self.has_header and not self.after_quote:
            self._feed_fast(text)
            return
        quote, escape, delimiter, comment = self.g.quote, self.g.escape, self.g.delimiter, self.g.comment
        for index, char in enumerate(text):
            if self.in_comment:
                self.in_comment = char != "\n"
                continue
            if self.has_header and not self.after_quote and not self.escaped:
                self._feed_fast(text[index:])
                return
            if char == comment and self.line_start:
                self.in_comment = True  # where a record would start: a comment line, no record
                continue
            self.line_start = False
            if self.in_quotes:
                self.current_chars += 1
                if self.escaped:
                    self.escaped = False
                    self.cell_filled = self.cell_filled or not char.isspace()
                elif self.after_quote:
                    self.after_quote = False
                    if char == quote == escape:  # a doubled quote: still inside, and the cell holds a quote
                        self.cell_filled = True
                        continue
                    if char == escape:  # a quote then the escape (see the class docstring)
                        self.cell_filled = self.escaped = True
                        continue
                    self.in_quotes = False
                    self._outside(char, delimiter, quote)
                elif char == quote:
                    self.after_quote = True
                elif char == escape:
                    self.escaped = True
                elif not char.isspace():
                    self.cell_filled = True
                continue
            self._outside(char, delimiter, quote)

    def _feed_fast(self, text: str) -> None:
        """Jump from one quote, escape or line end to the next (a doubled quote toggles twice)."""
        if self._specials is None:
            chars = {self.g.quote, "\n"} | ({self.g.escape} if self.g.escape != self.g.quote else set())
            self._specials = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
        start = 0
        if self.escaped:  # the escaped character was the last of the previous chunk
            self.escaped = False
            start = 1
            self.current_chars += 1
        if self.in_comment or (self.g.comment and self.line_start):
            start = self._after_comments(text, start)
            if start < 0:
                return  # the chunk ends inside a comment line
        skip_at = -1  # the position of a character escaped inside quotes
        closed_at = 0 if self.closed_at_end else -1  # just after the last closing quote
        quote_then_escape = self.g.quote + self.g.escape if self.g.escape != self.g.quote else ""
        if self.closed_at_end and quote_then_escape and text.startswith(self.g.escape, start):
            self.in_quotes = True  # the quote ending the last chunk did not close (class docstring)
        for match in self._specials.finditer(text, start):
            position, char = match.start(), match.group()
            if position == skip_at or position < start:  # escaped, or in a comment line skipped
                continue
            if char == "\n" and not self.in_quotes:
                if self.current_chars or text[start:position].strip("\r"):
                    self.records += 1
                self.current_chars = 0
                start = position + 1
                self.field_empty = True
                if self.g.comment:
                    start = self._after_comments(text, start)
                    if start < 0:
                        self.closed_at_end = False
                        return
            elif char == self.g.quote:
                if self.in_quotes:
                    if not (quote_then_escape and text.startswith(self.g.escape, position + 1)):
                        self.in_quotes, closed_at = False, position + 1
                elif (position == closed_at and self.g.escape == self.g.quote) or self._starts_field(
                    text, position
                ):
                    # a field's opening quote, or the second of a doubled one (the escape is the
                    # quote; with another escape, "" is a closed quote and then a plain one)
                    self.in_quotes = True
                self.current_chars += 1
            elif char == self.g.escape and self.in_quotes:
                skip_at = position + 1
                self.escaped = skip_at == len(text)  # the escaped character is in the next chunk
        if text[start:].strip("\r"):
            self.current_chars += 1
        self.closed_at_end = closed_at == len(text)
        self.line_start = start == len(text) and (start > 0 or self.line_start) and not self.in_quotes
        if not self.in_quotes:
            boundary = max(text.rfind(self.g.delimiter), text.rfind("\n"))
            rest_empty = boundary + 1 == len(text)
            self.field_empty = rest_empty if boundary >= 0 else self.field_empty and rest_empty

    def _after_comments(self, text: str, start: int) -> int:
        """Where the next record may start in ``text``, from ``start`` (a record's start, or
        inside a comment line carried over from the last chunk), past the comment lines there;
        -1 if the chunk ends inside one (``in_comment`` then carries it over)."""
        if self.in_comment:
            end = text.find("\n", start)
            if end < 0:
                return -1
            start, self.in_comment = end + 1, False
        while self.g.comment and text.startswith(self.g.comment, start):
            end = text.find("\n", start)
            if end < 0:
                self.in_comment = True
                return -1
            start = end + 1
        return start

    def _starts_field(self, text: str, position: int) -> bool:
        """Is the quote at ``position`` (outside quotes) the first character of its field? Only
        there does a quote open a quoted field; inside an unquoted value (``5"``, ``x"y``, or
        `` "a"`` after a space) it is a plain character, for Spark's CSV parser and the CSV
        grammar alike."""
        boundary = max(text.rfind(self.g.delimiter, 0, position), text.rfind("\n", 0, position))
        return position == boundary + 1 if boundary >= 0 else self.field_empty and position == 0

    def _outside(self, char: str, delimiter: str, quote: str) -> None:
        if char == "\n":
            self._end_record()
            return
        field_empty, self.field_empty = self.field_empty, char == delimiter
        if char == "\r":
            return  # CRLF ends a record at the LF
        self.current_chars += 1
        if char == delimiter:
            self.filled_cells += 1 if self.cell_filled else 0
            self.cell_filled = False
        elif char == quote and field_empty:
            self.in_quotes = True  # only as a field's first character (see _starts_field)
        elif not char.isspace():
            self.cell_filled = True

    def finish(self) -> None:
        if self.in_quotes and self.after_quote:
            self.in_quotes = False
        self._end_record()

    def data_records(self) -> int:
        """Every record but the header (every record, for files without one); none in a file
        whose records fill no cell."""
        if not self.has_header:
            return 0
        return self.records - 1 if self.g.header else self.records


# Characters that plain text does not hold: C0 and C1 controls but tab, LF, VT, FF and CR, and
# U+FFFD (bytes the encoding could not decode).
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_SAMPLE_CHARS = 4096
_MAGIC = {b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)", b"%PDF": "a PDF document"}


def binary_content(head: bytes, text: str, encoding: str = "UTF-8") -> str | None:
    """Why a CSV file's first chunk is not text (``None`` if it is): more than a tenth of its
    first 4,096 characters are controls or undecodable bytes. A text CSV has next to none (one
    NUL in a value is not enough); random bytes decoded as ISO-8859-1 have about a quarter.
    Under UTF-8, a chunk whose odd characters are all undecodable bytes, no control among them,
    is text in a legacy encoding: its reason says so, and names windows-1252 when the chunk reads
    as that with few letters outside ASCII (Spark's own ``cars_iso-8859-1.csv``, separated by 'þ',
    15 in 134), not Cyrillic, Greek or CJK text that merely decodes without error."""
    sample = text[:_SAMPLE_CHARS]
    odd = _NOT_TEXT.findall(sample)
    if not sample or 10 * len(odd) <= len(sample):
        return None
    if codecs.lookup(encoding).name == "utf-8" and set(odd) == {"\ufffd"}:
        what = (
            "windows-1252 (or ISO-8859-1) text; set csv.encoding: windows-1252"
            if _western(head[: 4 * _SAMPLE_CHARS])
            else "text in another encoding (windows-1251 Cyrillic, windows-1253 Greek, GBK, Big5, "
            "Shift_JIS, EUC-KR ...): set csv.encoding to the one it is in"
        )
        return (
            f"not {encoding} text: {len(odd)} of its first {len(sample)} characters are bytes "
            f"{encoding} cannot decode; it looks like {what} for this source (every file of it), "
            "then `ingest rollback` this run and run it again"
        )
    kind = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), "binary data")
    return (
        f"not CSV text: {kind}; {len(odd)} of its first {len(sample)} characters are control characters "
        "or bytes the encoding cannot decode"
    )


def _western(head: bytes) -> bool:
    """Do these bytes read as windows-1252 text whose letters are mostly ASCII (a Western
    European language: accents here and there), not as a run of accented letters?"""
    try:
        legacy = head.decode("windows-1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90 and 0x9D are not windows-1252
        return False
    letters = [c for c in legacy if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii())
    return not _NOT_TEXT.search(legacy) and (not letters or 10 * foreign < 3 * len(letters))


def foreign_bom(head: bytes, encoding: str) -> str | None:
    """Why a CSV file whose first bytes are a UTF-16 or UTF-32 byte order mark (Excel's "Unicode
    Text", PowerShell's files) is not text in ``encoding`` (``None``: no such mark, or
    ``encoding`` reads it: the family, UTF-16, or the very one, UTF-16LE)."""
    bom = unicode_bom(head)
    if bom is None or codecs.lookup(encoding).name in {bom[:6].lower(), f"{bom[:6]}-{bom[6:]}".lower()}:
        return None
    return (
        f"not {encoding} text: it starts with the {bom} byte order mark; set csv.encoding: {bom[:6]} "
        "for this source (every file of it), then `ingest rollback` this run and run it again"
    )


# Byte order marks of the Unicode encodings other than UTF-8, longest first (UTF-32LE's begins
# with UTF-16LE's).
_UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)


def unicode_bom(head: bytes) -> str | None:
    """The encoding whose byte order mark ``head`` starts with, if UTF-16 or UTF-32."""
    return next((name for bom, name in _UNICODE_BOMS if head.startswith(bom)), None)


def count_csv(uri: str, grammar: CsvGrammar, opener: Opener = open_raw) -> int:
    decoder = codecs.getincrementaldecoder(grammar.encoding)(errors="replace")
    scanner = _CsvScanner(grammar)
    first, cr_ends = True, False
    try:
        for chunk in _chunks(uri, opener):
            if first and (why := foreign_bom(chunk, grammar.encoding)):
                raise InputError(why, where=uri)
            text = decoder.decode(chunk)
            if first:
                if why := binary_content(chunk, text, grammar.encoding):
                    raise InputError(why, where=uri, hint="move it out of the CSV source's landing path")
                text, first = text.removeprefix("\ufeff"), False  # one mark, as Spark's reader skips
                cr_ends = "\n" not in text and "\r" in text  # CR line ends only (old Mac exports)
            scanner.feed(text.replace("\r", "\n") if cr_ends else text)
        scanner.feed(decoder.decode(b"", final=True))
    except UnicodeError as exc:  # Python's UTF-16 and UTF-32 decoders need a byte order mark
        raise InputError(f"not {grammar.encoding} text: {exc}", where=uri) from None
    scanner.finish()
    return scanner.data_records()


# ---------------------------------------------------------------------------------------------
# Binary device logs: header walks that unpack no value (the decoders are in ingest.formats)


class _Broken(Exception):
    """The walk met something a well-formed file cannot hold: the file is one record."""


def _whole(uri: str, opener: Opener) -> bytes:
    return b"".join(_chunks(uri, opener))


def _klv_headers(buf: bytes) -> list[tuple[bytes, int, int, int, int]]:
    """(key, type, size, repeat, body offset) of one level of KLVs; raises ``_Broken``."""
    found, at = [], 0
    while at < len(buf):
        if at + 8 > len(buf):
            raise _Broken
        key, kind, size, repeat = (
            buf[at : at + 4],
            buf[at + 4],
            buf[at + 5],
            int.from_bytes(buf[at + 6 : at + 8]),
        )
        if not all(0x20 <= c < 0x7F for c in key) or at + 8 + size * repeat > len(buf):
            raise _Broken
        found.append((key, kind, size, repeat, at + 8))
        at += 8 + (size * repeat + 3) // 4 * 4
    return found


_GPMF_METADATA = {
    b"STNM", b"SIUN", b"UNIT", b"SCAL", b"TYPE", b"EMPT", b"TICK", b"TOCK",
    b"TSMP", b"STMP", b"TIMO", b"ORIN", b"ORIO", b"MTRX",
}  # fmt: skip


def _gpmf_samples(payload: bytes) -> int:
    samples = 0
    for key, kind, size, repeat, body in _klv_headers(payload):
        if key != b"DEVC" or kind != 0:
            raise _Broken
        device = payload[body : body + size * repeat]
        for s_key, s_kind, s_size, s_repeat, s_body in _klv_headers(device):
            if s_key != b"STRM" or s_kind != 0:
                continue
            stream = _klv_headers(device[s_body : s_body + s_size * s_repeat])
            if stream and stream[-1][0] not in _GPMF_METADATA:
                samples += sum(k[3] for k in stream if k[0] == stream[-1][0])
    return samples


def _mp4_gpmd_payloads(data: bytes) -> list[bytes]:
    """The gpmd track's samples, by the sample tables (``_Broken`` when a box or sample is cut)."""

    def boxes(start: int, end: int) -> dict[bytes, list[tuple[int, int]]]:
        found: dict[bytes, list[tuple[int, int]]] = {}
        at = start
        while at + 8 <= end:
            size, kind, head = int.from_bytes(data[at : at + 4]), data[at + 4 : at + 8], 8
            if size == 1:
                size, head = int.from_bytes(data[at + 8 : at + 16]), 16
            elif size == 0:
                size = end - at
            if size < head or at + size > end:
                raise _Broken
            found.setdefault(kind, []).append((at + head, at + size))
            at += size
        return found

    def entries(box: tuple[int, int], width: int, per_entry: int = 1) -> list[int]:
        """A full box's ``entry_count`` entries of ``per_entry`` values each, flat."""
        start, end = box
        values = [int.from_bytes(data[i : i + width]) for i in range(start + 8, end - width + 1, width)]
        wanted = int.from_bytes(data[start + 4 : start + 8]) * per_entry
        if len(values) < wanted:
            raise _Broken
        return values[:wanted]

    top = boxes(0, len(data))
    if b"moov" not in top:
        raise _Broken
    for trak in boxes(*top[b"moov"][0]).get(b"trak", []):
        try:
            stbl = boxes(*boxes(*boxes(*boxes(*trak)[b"mdia"][0])[b"minf"][0])[b"stbl"][0])
        except KeyError:
            continue
        stsd = stbl.get(b"stsd", [(0, 0)])[0]
        if data[stsd[0] + 12 : stsd[0] + 16] != b"gpmd":
            continue
        stsz = stbl[b"stsz"][0]
        fixed, count = (
            int.from_bytes(data[stsz[0] + 4 : stsz[0] + 8]),
            int.from_bytes(data[stsz[0] + 8 : stsz[0] + 12]),
        )
        sizes = [fixed] * count if fixed else entries((stsz[0] + 4, stsz[1]), 4)[:count]
        chunks = entries(stbl[b"co64"][0], 8) if b"co64" in stbl else entries(stbl[b"stco"][0], 4)
        stsc = entries(stbl[b"stsc"][0], 4, per_entry=3)
        runs = [stsc[i : i + 3] for i in range(0, len(stsc) // 3 * 3, 3)]
        payloads: list[bytes] = []
        for number, offset in enumerate(chunks, start=1):
            per_chunk = [r[1] for r in runs if r[0] <= number][-1]
            for _ in range(per_chunk):
                if len(payloads) < len(sizes):
                    size = sizes[len(payloads)]
                    if offset + size > len(data):
                        raise _Broken
                    payloads.append(data[offset : offset + size])
                    offset += size
        return payloads
    raise _Broken


def count_gpmf(data: bytes) -> int:
    """Sensor samples of an MP4's gpmd track or a raw GPMF payload; 1 for a broken file."""
    try:
        if data[:4] == b"DEVC":
            return _gpmf_samples(data)
        if data[4:8] == b"ftyp":
            return sum(_gpmf_samples(p) for p in _mp4_gpmd_payloads(data))
        raise _Broken
    except (_Broken, IndexError, KeyError):
        return 1


def count_ulog(data: bytes, topics: frozenset[str] = frozenset()) -> int:
    """1 (the log) + data messages of the selected topics; 1 for a broken file."""
    if data[:7] != b"ULog\x01\x12\x35" or len(data) < 16:
        return 1
    names: dict[int, str] = {}
    messages, at = 0, 16
    while at < len(data):
        if at + 3 > len(data):
            return 1
        size, kind = int.from_bytes(data[at : at + 2], "little"), data[at + 2]
        body = at + 3
        if body + size > len(data) or kind == 0 or size == 0:
            return 1  # cut by the end of the file, or not a message header
        if kind == ord("A"):  # multi_id u8, msg_id u16, name
            names[int.from_bytes(data[body + 1 : body + 3], "little")] = data[body + 3 : body + size].decode(
                "latin-1"
            )
        elif kind == ord("D"):
            name = names.get(int.from_bytes(data[body : body + 2], "little"))
            messages += name is not None and (not topics or name in topics)
        at = body + size
    return 1 + messages


# ---------------------------------------------------------------------------------------------


class InputCount(NamedTuple):
    records: dict[str, int]  # file -> records counted from its bytes
    unreadable: dict[str, str]  # file -> why it cannot be read to the end (a truncated gzip)


def count_input(
    uris: list[str],
    file_format: Literal["json", "csv", "gpmf", "ulog"],
    csv: CsvGrammar | None = None,
    *,
    ulog_topics: frozenset[str] = frozenset(),
    opener: Opener | None = None,
    workers: int = 4,
) -> InputCount:
    """Records per file, counted from the raw bytes, several files at once.

    A file that cannot be read to the end is reported in ``unreadable`` instead of failing the
    others: the pipeline quarantines it whole and lands the rest of the batch.
    ``ulog_topics``: count only these topics' messages (empty: all).
    """
    grammar = csv or CsvGrammar()
    opener = opener or RawOpener()  # one for all the files: one S3 client

    def count(uri: str) -> int:
        if why := unnameable_key(uri) or (file_format in ("json", "csv") and unread_compression(uri)):
            raise InputError(why, where=uri)
        if file_format == "gpmf":
            return count_gpmf(_whole(uri, opener))
        if file_format == "ulog":
            return count_ulog(_whole(uri, opener), ulog_topics)
        return count_json(uri, opener) if file_format == "json" else count_csv(uri, grammar, opener)

    def one(uri: str) -> int | str:
        try:
            return count(uri)
        except InputError as error:
            return error.what

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(uris)))) as pool:
        results = dict(zip(uris, pool.map(one, uris), strict=True))
    return InputCount(
        {uri: n for uri, n in results.items() if isinstance(n, int)},
        {uri: why for uri, why in results.items() if isinstance(why, str)},
    )


def count_records(
    uris: list[str],
    file_format: Literal["json", "csv", "gpmf", "ulog"],
    csv: CsvGrammar | None = None,
    *,
    ulog_topics: frozenset[str] = frozenset(),
    opener: Opener | None = None,
    workers: int = 4,
) -> dict[str, int]:
    """``{file_uri: records}`` for every file, counted from its raw bytes.

    Raises ``InputError`` naming the first file that cannot be read to the end.
    ``ulog_topics``: count only these topics' messages (empty: all).
    """
    counted = count_input(uris, file_format, csv, ulog_topics=ulog_topics, opener=opener, workers=workers)
    if counted.unreadable:
        uri, why = next(iter(sorted(counted.unreadable.items())))
        raise InputError(why, where=uri, hint="the file is truncated or corrupt")
    return counted.records

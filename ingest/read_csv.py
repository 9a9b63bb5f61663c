"""Read CSV landing files whose headers differ between files, keeping file and record number.

Spark's CSV reader applies one header to all files, so each file's own header is sniffed (from
its first 64 KiB), and the files are read with an explicit all-text schema, one read per header
width and line ends; the reads' records are one union, each record an array of its fields,
numbered, classified and named (from its file's header's positions) once: a source of 30
headers costs about what one of 2 costs, not 30 reads with their own windows. Rows with the wrong number of
fields are kept whole in ``_raw`` and marked bad. A preamble before the header (title rows, blank
rows) is detected and quarantined; empty lines are skipped everywhere, but a row of empty fields
(``,,``) is a record: it lands (NULLs), or is quarantined with a reason after the data. Each file's
line ends are sniffed from its head (``LineEnds``) and its separator given to Spark, so a CRLF
inside a quoted field is kept byte for byte; a file mixing CRLF and LF line ends is split at every
LF, and a file with CR line ends only (old Mac exports) at every CR. The head is decoded with
``csv.encoding`` like the rest.

``_source_line`` is the 1-based record number in the file, counting non-empty records (the header
is record ``n``, the first data row ``n + 1``); it equals the line number unless the file has empty
lines or a quoted field spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.config import CsvOptions
from ingest.errors import InputError
from ingest.formats.record_count import (
    READ_ERRORS,
    Opener,
    SharedFetches,
    decompressed,
    is_object,
    open_landing,
)
from ingest.local_rows import local_frame
from ingest.read_json import source_file_column
from ingest.read_paths import BY_NAME, LandingDirectories
from ingest.transform import CSV_PREFIX

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
_SNIFF_RECORDS = 50
_BARE_CR = re.compile(r"\r(?!\n)")
# Private-use characters: those a head does not hold stand in for a bare CR, and for an escape
# outside quotes, while Python's csv reads it.
_STAND_INS = [chr(c) for c in range(0xE000, 0xE100)]


_NOT_ALNUM = re.compile("[^A-Za-z0-9]")
_NUMBER_CELL = re.compile(r"-?[0-9][0-9,.]*")
_FIELDS = "_fields"  # a record's fields, one array (the reader's own names are "_c0", "_c1", ...)


class LineEnds(Enum):
    """How a file's records end (outside quotes), sniffed from its head."""

    LF = "lf"
    CRLF = "crlf"
    # Both: split at every LF, and the CR of a CRLF is cut from the record's last field. Spark
    # splits at one separator; told CRLF, it would run two LF-ended records together.
    MIXED = "mixed"
    CR = "cr"  # no LF at all, records end at a bare CR: Excel's "CSV (Macintosh)"

    @property
    def separator(self) -> str:
        """The ``lineSep`` Spark's reader is given."""
        return {"lf": "\n", "crlf": "\r\n", "mixed": "\n", "cr": "\r"}[self.value]


@dataclass(frozen=True)
class CsvHeader:
    names: tuple[str, ...]  # original header texts, made unique ("a", "a#2"); column_<n> without one
    header_record: int  # 1-based record number of the header; 0: none (``none``, or ``auto`` found none)
    line_ends: LineEnds = LineEnds.LF
    # header_fingerprint of its cells; not compared: tests name headers by their names, and
    # files are grouped by (header, fingerprint)
    fingerprint: str = field(default="", compare=False)
    # without a header (``auto`` found the data to start below title rows): the record the data
    # starts at; the records above it are quarantined, as those above a header are
    data_from: int | None = None

    @property
    def rows_from(self) -> int:
        """The first record that is not quarantined as a row above the header or the data."""
        return self.data_from if self.data_from is not None else self.header_record


def sniff_line_ends(
    head: str, quote: str = '"', escape: str = '"', delimiter: str = ",", comment: str | None = None
) -> LineEnds:
    """The line ends outside quotes in a file's head (plain Python): CRLF only, LF only, both, or
    CR (no LF anywhere in the head: the independent count decides the same way). A quote opens a
    quoted value only as its field's first character, as Spark's CSV parser reads: after a space
    it is a plain character, so a line break after it is outside quotes, and a file of CRLF
    records that holds one is read split at LF. The reconciliation with the independent count
    catches a file whose head misleads this guess.

    Spark's reader is given the file's separator explicitly: left to detect it, it turns a CRLF
    inside a quoted field into LF; told the separator, it keeps the field byte for byte.
    """
    if "\n" not in head:
        return LineEnds.CR if "\r" in head else LineEnds.LF
    crlf = lf = False
    for outside in _outside_quotes(head, quote, escape, delimiter, comment):
        crlf = crlf or "\r\n" in outside
        lf = lf or "\n" in outside.replace("\r\n", "")
    if crlf and lf:
        return LineEnds.MIXED
    if crlf:
        return LineEnds.CRLF
    return LineEnds.LF


def _outside_quotes(
    text: str, quote: str, escape: str, delimiter: str, comment: str | None = None
) -> Iterator[str]:
    """The pieces of ``text`` outside quoted values (``_outside_spans``)."""
    for start, end in _outside_spans(text, quote, escape, delimiter, comment):
        yield text[start:end]


def _outside_spans(
    text: str, quote: str, escape: str, delimiter: str, comment: str | None = None
) -> Iterator[tuple[int, int]]:
    """Where the pieces of ``text`` outside quoted values start and end. A quote opens one only as its field's first
    character (at the start, after a delimiter or a line end), and not in a comment line
    (``csv.comment`` first on a line outside quotes: its quotes are text); inside one, a doubled
    quote (when the escape is the quote), an escaped character or a quote followed by the escape
    does not close it. One step per quote, not per character: a head is up to 64 KiB."""
    inside = re.compile("[" + re.escape(quote + escape) + "]")
    start = search_from = 0
    while (opening := text.find(quote, search_from)) >= 0:
        line = _comment_line(text, search_from, comment) if comment else -1
        if 0 <= line < opening:  # the next quote is in (or after) a comment line: skip the line
            end = text.find("\n", line)
            if end < 0:
                break
            search_from = end  # the line end: a comment line right after it is found from here
            continue
        if opening > 0 and text[opening - 1] not in (delimiter, "\n"):
            search_from = opening + 1  # a plain character inside an unquoted value
            continue
        yield start, opening
        position = opening + 1
        while True:
            closing = inside.search(text, position)
            if closing is None:
                return  # the text ends inside quotes
            position = closing.end()
            if closing.group() != quote:
                position += 1  # an escaped character
            elif escape == quote and text.startswith(quote, position):
                position += 1  # a doubled quote
            elif not text.startswith(escape, position):
                break
            # else a quote then the escape (another character than the quote): it does not close
            # the value, in Spark's parser; the escape is the next match
        start = search_from = position
    yield start, len(text)


def _comment_line(text: str, start: int, comment: str) -> int:
    """Where the first line at or after ``start`` that begins with ``comment`` begins (-1: none).
    ``start`` is outside quotes, so every line end from there on ends a record."""
    if start == 0 and text.startswith(comment):
        return 0
    found = text.find("\n" + comment, start)
    return found + 1 if found >= 0 else -1


def sniff_header(head: str, options: CsvOptions) -> CsvHeader | None:
    """Find the header among the first records of a file (plain Python, unit-tested).

    ``header: auto`` guesses past title rows. The usual width is the most common field count of
    the first 50 records that fill a cell (a tie: the one seen first), the fullest the most cells
    a record of that width fills. The header is the first record of the usual width that fills
    more than half as many cells as the fullest, or of another width that fills as many: so a
    2-cell title above a 3-column header is not the header, nor is a row with unquoted commas in
    its value, and a header without the data rows' trailing comma is. Then a header that is
    mostly numbers loses to an earlier record filling more than half as many cells with fewer
    numbers: in ``a,b,c`` above rows of four values, ``a,b,c`` is the header (every row then has
    the wrong number of fields, and is quarantined whole); so is ``,value`` above rows of two
    numbers, as pandas writes a one-column frame (above a guess of numbers only, filling half as
    many cells is enough). Records before the header are quarantined, not dropped, so a wrong
    guess is visible. A guess shaped like the data below it (``_shaped_like_data``: values over
    values of their kind) is data: the file has no header, its columns are named as under
    ``none``, and the records above the data (``_data_start``) are quarantined as title rows.
    ``first_line`` takes the first non-empty record. ``none``: no record is
    the header, the columns are ``column_1`` ... ``column_<n>`` for the usual width ``n`` (rows of
    another width are quarantined). ``None`` for a file with no records or only empty fields.
    """
    # Spark's reader skips a byte order mark: so must the sniff, or a quote right after it (the
    # first header cell of an Excel "CSV UTF-8" file) is a plain character here.
    head = head.removeprefix("\ufeff")
    line_ends = sniff_line_ends(head, options.quote, options.escape, options.delimiter, options.comment)
    free = (c for c in _STAND_INS if c not in head)
    stood_in = 0  # bare CRs replaced by the stand-in
    stand_in = next(free, "") if line_ends is not LineEnds.CR and _BARE_CR.search(head) else ""
    # Spark's parser escapes only inside quoted values; outside them the escape is a character,
    # where Python's csv would escape the next one (``\;`` would join two fields)
    escape_stand_in = next(free, "") if options.escape != options.quote and options.escape in head else ""
    if escape_stand_in:
        head = _escapes_outside_quotes_replaced(head, options, line_ends, escape_stand_in)
    if line_ends is LineEnds.CR:  # its lines end at CR: newline="" splits there too (csv's advice)
        lines = io.StringIO(head, newline="")
    elif stand_in:  # a bare CR is a character to Spark's reader; Python's csv would stop at it
        text, stood_in = _BARE_CR.subn(stand_in, head)
        lines = io.StringIO(text, newline="\n")
    else:  # no bare CR, or a head holding every stand-in (none is free): csv stops at bare CRs
        lines = io.StringIO(head, newline="\n")
    source = _RecordLines(lines, options.comment)
    reader = csv.reader(
        source,
        delimiter=options.delimiter,
        quotechar=options.quote,
        # as Spark's reader: a quote inside quotes is escaped by the escape character, which is
        # the quote itself by default ("" is one quote)
        escapechar=None if options.escape == options.quote else options.escape,
        doublequote=options.escape == options.quote,
    )
    records: list[list[str]] = []  # non-empty ones: Spark's reader skips empty lines
    filled_records = 0  # the guess looks at 50 records that fill a cell, and the blank ones among them
    try:
        for row in reader:
            source.at_record_start = True
            if row:
                if stood_in:
                    row = [cell.replace(stand_in, "\r") for cell in row]
                if escape_stand_in:
                    row = [cell.replace(escape_stand_in, options.escape) for cell in row]
                records.append(row)
                filled_records += any(map(str.strip, row))
            if filled_records >= _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if options.header == "none":
        width = _usual_width(records)
        if width is None:
            return None
        return CsvHeader(tuple(f"column_{n}" for n in range(1, width + 1)), 0, line_ends)
    index = _header_index(records, options.header)
    if index is None:
        return None
    if options.header == "auto" and _shaped_like_data(records, index):
        width = _usual_width(records[index:]) or len(records[index])
        numbered = tuple(f"column_{n}" for n in range(1, width + 1))
        start = _data_start(records, index)
        return CsvHeader(numbered, 0, line_ends, data_from=start + 1 if start else None)
    cells = [cell.strip().lstrip("\ufeff") for cell in records[index]]
    taken = set(cells)
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell or f"column_{position}"
        if name in names:  # a repeated header: "name", "name#2", ... never one that exists
            counter = 2
            while f"{name}#{counter}" in taken or f"{name}#{counter}" in names:
                counter += 1
            name = f"{name}#{counter}"
        names.append(name)
    return CsvHeader(tuple(names), index + 1, line_ends, header_fingerprint(records[index]))


class _RecordLines:
    """The lines of a head for Python's csv reader, without the comment lines (``csv.comment``)
    where a record would start, as Spark's reader and the count skip them: the reader's loop sets
    ``at_record_start`` after each record (a line it asks for then starts the next one)."""

    def __init__(self, lines: Iterable[str], comment: str | None) -> None:
        self.lines = iter(lines)
        self.comment = comment
        self.at_record_start = True

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        while self.comment and self.at_record_start and line.startswith(self.comment):
            line = next(self.lines)
        self.at_record_start = False
        return line


def _escapes_outside_quotes_replaced(
    head: str, options: CsvOptions, line_ends: LineEnds, stand_in: str
) -> str:
    """``head`` with every escape outside quoted values replaced by ``stand_in``."""
    # a CR ends a record in a file of CR line ends: a quote after it opens a value
    records = head.replace("\r", "\n") if line_ends is LineEnds.CR else head
    pieces, end = [], 0
    for start, stop in _outside_spans(
        records, options.quote, options.escape, options.delimiter, options.comment
    ):
        pieces += [head[end:start], head[start:stop].replace(options.escape, stand_in)]
        end = stop
    return "".join(pieces) + head[end:]


def header_fingerprint(cells: list[str]) -> str:
    """The ASCII letters and digits of a header's cells, in order: what the reader checks the
    record it drops as the header against (``_rows``), the same whatever the whitespace,
    byte order mark or line end around them."""
    return _NOT_ALNUM.sub("", "".join(cells))


def _filled(records: list[list[str]]) -> list[int]:
    """Cells with text, per record."""
    return [sum(map(bool, map(str.strip, row))) for row in records]


def _usual_width(records: list[list[str]]) -> int | None:
    """The most common field count of the records that fill a cell (a tie: the first seen, as
    Counter keeps that order); blank rows do not vote. ``None``: no record fills a cell."""
    widths = Counter(len(row) for row, n in zip(records, _filled(records), strict=True) if n)
    return max(widths, key=widths.__getitem__) if widths else None


def _header_index(records: list[list[str]], rule: str) -> int | None:
    """The index of the header among a file's first non-empty records (see ``sniff_header``)."""
    filled = _filled(records)
    usual = _usual_width(records)
    if usual is None:
        return None
    if rule == "first_line":
        return 0

    def numbers(row: list[str]) -> int:
        return sum(1 for cell in row if _NUMBER_CELL.fullmatch(cell.strip()))

    fullest = max(n for row, n in zip(records, filled, strict=True) if len(row) == usual)
    # found: the fullest record of the usual width qualifies
    found = next(
        index
        for index, row in enumerate(records)
        if filled[index] >= fullest or (len(row) == usual and 2 * filled[index] > fullest)
    )
    # Half is enough above a guess of numbers only: pandas writes a one-column frame's header as
    # ",value" (its index has no name). Not above "region,2023,2024,total", which a 2-cell title
    # would otherwise beat.
    only_numbers = numbers(records[found]) == filled[found]
    earlier = next(
        (i for i in range(found) if 2 * filled[i] > fullest or (only_numbers and 2 * filled[i] == fullest)),
        None,
    )
    if earlier is not None and numbers(records[earlier]) < numbers(records[found]):
        return earlier
    return found


def cell_kind(cell: str) -> str | None:
    """What a CSV cell's text is shaped like: ``number``, ``date``, ``time``, ``datetime`` or
    ``month`` (``2023-01``); ``None`` for anything else (words, symbols, empty)."""
    text = cell.strip()
    return next((kind for kind, shape in _CELL_KINDS if shape.fullmatch(text)), None)


# ASCII digits ([0-9], not \d): Python's \d takes any script's digits, the Java regex of the
# note rule (``_VALUE_PATTERN``) only ASCII ones.
_DATE = r"(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4})"
_TIME = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
_CELL_KINDS = (
    (
        "number",  # 1,234.5 / 1.234,5 / 2,5 (a decimal comma, in a ';' file) / 12% / $5 / 5 €
        re.compile(
            r"[$€£¥]?\s?[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?"
            r"|[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?\s?[%$€£¥]?"
        ),
    ),
    ("datetime", re.compile(rf"{_DATE}[ T]{_TIME}(?:Z|[-+][0-9]{{2}}:?[0-9]{{2}})?")),
    ("date", re.compile(_DATE)),
    ("time", re.compile(_TIME)),
    ("month", re.compile(r"[0-9]{4}-[0-9]{1,2}")),
    ("address", re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]+)?")),  # IPv4, a port
)


# ``cell_kind``'s shapes as one Java regex: a cell that matches is a value, not a note's text
_VALUE_PATTERN = "^(?:" + "|".join(shape.pattern for _kind, shape in _CELL_KINDS) + ")$"


def _shaped_like_data(records: list[list[str]], index: int) -> bool:
    """Is the record the guess took for the header a data row, so the file has no header?
    Only when every cell it fills is a value of the kind (``cell_kind``: a number, a date, a
    time) most cells below it in its column are, in the records of its width: Spark's
    ``comments.csv`` (``1,2,3,4,5.01,2015-08-20 15:57:00`` over rows like it) is data. A header
    is a header when a cell is a word or a symbol (``#``), or a value of another kind than its
    column (``2023-01`` over numbers), when no row below has a value to compare, and when its
    numbers are column numbers (``0,1,2`` or ``1,2,3``, as pandas or csvkit name columns without
    a header) or three or more years in a row (``2020,2021,2022``). Plain Python."""
    cells = [cell.strip() for cell in records[index]]
    filled = [cell for cell in cells if cell]
    if not filled or any(cell_kind(cell) is None for cell in filled) or _column_numbers(filled):
        return False
    below = [row for row in records[index + 1 :] if len(row) == len(cells)]
    compared = 0
    for position, cell in enumerate(cells):
        column = [value for row in below if (value := row[position].strip())]
        if not cell or not column:  # nothing here, or nothing below to compare with
            continue
        same = sum(1 for value in column if cell_kind(value) == cell_kind(cell))
        if 2 * same <= len(column):
            return False
        compared += 1
    return compared > 0


def _column_numbers(cells: list[str]) -> bool:
    """``0,1,2...`` or ``1,2,3...`` (column numbers), or three or more years in a row."""
    if not all(re.fullmatch(r"[0-9]+", cell) for cell in cells):
        return False
    numbers = [int(cell) for cell in cells]
    if numbers in (list(range(len(numbers))), list(range(1, len(numbers) + 1))):
        return True
    years = len(numbers) >= 3 and all(1800 <= n <= 2200 for n in numbers)
    return years and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _data_start(records: list[list[str]], index: int) -> int:
    """The record a header-less file's data starts at, counting back from the guess ``index``
    over records of its width whose filled cells are all values (``1,,`` above ``2,5,6`` is data;
    a title row, a word in it, is not)."""
    start = index
    while (
        start > 0
        and len(records[start - 1]) == len(records[index])
        and all(cell_kind(cell) for cell in records[start - 1] if cell.strip())
        and any(cell.strip() for cell in records[start - 1])
    ):
        start -= 1
    return start


# Heads of s3a:// objects are fetched on this many threads (a GET's latency overlaps), this many
# at a time: each is sniffed and let go before the next ones are read (the heads of 64 KiB; a
# small object whole, kept for the count by ``SharedFetches``).
HEAD_THREADS = 8
HEADS_IN_FLIGHT = 64


def read_heads(uris: list[str], encoding: str = "UTF-8", opener: Opener | None = None) -> Iterator[str]:
    """The first ``HEAD_BYTES`` of each file (gunzipped if ``.gz``), decoded with the source's
    ``csv.encoding`` (undecodable bytes become U+FFFD); in ``uris``' order, one at a time.

    Local paths and s3a:// (or s3://) objects, opened by ``opener``: the pipeline's
    ``SharedFetches.head``, which fetches a small object once for this and the record count;
    by default an object's head is a ranged GET. Through Hadoop's FileSystem over py4j a head
    cost 6 ms (about 30 round trips), a minute for 10,000 small files; a batch per call in the
    JVM still 0.15-0.3 ms, as py4j moves bytes slowly; here 0.01 ms (bench/RESULTS.md, session 49).
    """
    opener = opener or SharedFetches({}, HEAD_BYTES).head  # sizes unknown: nothing kept

    def head(uri: str) -> str:
        return _read_head(opener, uri).decode(encoding, errors="replace")

    if not any(map(is_object, uris)):
        yield from map(head, uris)
        return
    with ThreadPoolExecutor(max_workers=HEAD_THREADS, thread_name_prefix="csv-head") as pool:
        for start in range(0, len(uris), HEADS_IN_FLIGHT):
            yield from pool.map(head, uris[start : start + HEADS_IN_FLIGHT])


def _read_head(opener: Opener, uri: str) -> bytes:
    raw = open_landing(opener, uri)
    try:
        return decompressed(uri, raw).read(HEAD_BYTES)
    except READ_ERRORS as exc:
        raise InputError(
            f"cannot read landing file: {exc}", where=uri, hint="the file is truncated or corrupt"
        ) from None
    finally:
        raw.close()


# Delimiters a CSV file may be written with instead of csv.delimiter (European Excel writes ';').
_OTHER_DELIMITERS = (";", "\t", "|")
_DELIMITER_SAMPLE = 20  # records of the head that must all split alike


def other_delimiter(head: str, options: CsvOptions) -> str | None:
    """The delimiter a file seems written with instead of ``csv.delimiter`` (plain Python,
    unit-tested): the header and the first records all split into two or more fields by it, and
    either all into the same number and by ``csv.delimiter`` into fewer, or not all alike; or the
    header into more fields than by ``csv.delimiter`` (a ragged file: ``cars.tsv``, whose rows
    leave out trailing empty fields). So a ';' file reads as one column under ','; with decimal
    commas (``12,50``, why European Excel writes ';') its rows split into two and its header into
    one. ``None``: no such delimiter."""

    def widths(delimiter: str) -> list[int]:
        """The field counts of the head's first records that fill a cell (parsed no further)."""
        text = _RecordLines(io.StringIO(head.removeprefix("\ufeff"), newline=""), options.comment)
        rows = csv.reader(text, delimiter=delimiter, quotechar=options.quote)

        def each() -> Iterator[list[str]]:
            for row in rows:
                text.at_record_start = True  # the next line starts a record
                yield row

        try:
            sample = list(
                islice((len(row) for row in each() if any(map(str.strip, row))), _DELIMITER_SAMPLE + 1)
            )
        except csv.Error:
            return []
        if len(sample) <= _DELIMITER_SAMPLE and not head.endswith(("\n", "\r")):
            sample = sample[:-1]  # the head's last record, which the head may cut short
        return sample[:_DELIMITER_SAMPLE]

    # Only a delimiter the head holds can split it: most files are parsed here not at all.
    candidates = [c for c in _OTHER_DELIMITERS if c != options.delimiter and c in head]
    configured: list[int] | None = None
    for candidate in candidates:
        split = widths(candidate)
        if len(split) < 2 or min(split) < 2:
            continue
        configured = widths(options.delimiter) if configured is None else configured
        if not configured or configured[0] < split[0]:  # the header: more fields by the candidate
            return candidate
        if len(set(split)) == 1 and (len(set(configured)) > 1 or max(configured) < split[0]):
            return candidate
    return None


def _grouped(by_file: dict[str, str]) -> dict[str, list[str]]:
    """value -> the files that have it, in file order."""
    groups: dict[str, list[str]] = defaultdict(list)
    for file, value in by_file.items():
        groups[value].append(file)
    return groups


class CsvRecords(NamedTuple):
    rows: DataFrame | None  # None: no file has a record
    empty: list[str]  # files without a record (nothing, or a header alone)
    names: list[str]  # every column name seen, in file order
    # files whose first record the header guess (``csv.header: auto``) took for data: every
    # record is one, as under ``none`` (the independent count counts their header back in)
    headerless: list[str]


def read_csv_records(
    spark: SparkSession,
    uris: list[str],
    options: CsvOptions,
    directories: LandingDirectories = BY_NAME,
    heads: Opener | None = None,
) -> CsvRecords:
    """Read all files (see ``CsvRecords``).

    Rows carry ``_source_file``, ``_source_line``, one text column per header name (original
    header text as the column name), ``_raw`` (the record text for bad rows) and
    ``_bad_reason``. ``directories``: those the files fill, listed instead of naming their files
    (``ingest.read_paths``). ``heads``: opens a file for its head (``read_heads``).
    """
    groups: dict[tuple[CsvHeader, str], list[str]] = defaultdict(list)
    empty: list[str] = []
    misread: dict[str, str] = {}  # file -> the delimiter it seems written with
    headerless: list[str] = []
    for uri, head in zip(uris, read_heads(uris, options.encoding, heads), strict=True):
        header = sniff_header(head, options)
        if header is None:
            empty.append(uri)
        else:
            groups[(header, header.fingerprint)].append(uri)
            if delimiter := other_delimiter(head, options):
                misread[uri] = delimiter
            if header.header_record == 0 and options.header == "auto":
                headerless.append(uri)
    if headerless:
        log.warning(
            "%d CSV file(s) have no header: the record the header guess took is a value of the "
            "kind below it in every column (a number over numbers, a date over dates), e.g. %s: "
            "every record is a row, in columns column_1, column_2, ...; if the file's first line "
            "is its header, set csv.header: first_line",
            len(headerless),
            headerless[0],
        )
    for delimiter, files in _grouped(misread).items():
        log.warning(
            "%d CSV file(s) seem separated by %r, not %r, e.g. %s: if so, set csv.delimiter: %r "
            "for the source; to read them again, `ingest rollback` the run that took them (its "
            "rows go, and the columns it added) and run again",
            len(files),
            delimiter,
            options.delimiter,
            files[0],
            delimiter,
        )
    if not groups:
        return CsvRecords(None, empty, [], [])
    keys = sorted(groups, key=lambda key: groups[key][0])
    headers = [header for header, _ in keys]
    all_names: list[str] = []
    for header in headers:
        all_names.extend(n for n in header.names if n not in all_names)
    # One read per width and line ends: Spark's reader needs both, not the names
    reads: dict[tuple[int, LineEnds], list[str]] = defaultdict(list)
    header_of: dict[str, int] = {}
    for number, (key, header) in enumerate(zip(keys, headers, strict=True)):
        reads[(len(header.names), header.line_ends)].extend(groups[key])
        header_of.update(dict.fromkeys(groups[key], number))
    records = [
        _read_files(spark, width, line_ends, files, options, directories)
        for (width, line_ends), files in reads.items()
    ]
    combined = records[0]
    for frame in records[1:]:
        combined = combined.unionByName(frame)  # the same columns
    rows = _rows(spark, combined, headers, header_of, all_names, options)
    return CsvRecords(rows, empty, all_names, headerless)


def _read_files(
    spark: SparkSession,
    width: int,
    line_ends: LineEnds,
    files: list[str],
    options: CsvOptions,
    directories: LandingDirectories,
) -> DataFrame:
    """The records of ``files`` (their headers ``width`` fields wide, their records ending in
    ``line_ends``), each one array of its fields: Spark's reader marks a record of another width
    bad (``_corrupt_record``, its text). Only this read is per width and line ends: the reads'
    records are one union, numbered, classified and named once (``_rows``), not once per header."""
    positional = [f"_c{i}" for i in range(width)]
    schema = T.StructType(
        [T.StructField(name, T.StringType()) for name in positional]
        + [T.StructField("_corrupt_record", T.StringType())]
    )
    reader = (
        spark.read.schema(schema)
        .option("header", "false")
        .option("multiLine", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .option("sep", options.delimiter)
        .option("quote", options.quote)
        .option("escape", options.escape)
        .option("encoding", options.encoding)
        .option("lineSep", line_ends.separator)
        .option("nullValue", "\u0000never\u0000")  # null tokens are applied later, per config
    )
    if options.comment is not None:
        reader = reader.option("comment", options.comment)
    # A record's fields are one array from here on: an expression over all of them is built once
    # (each Column costs Py4J round trips, seconds over a file hundreds of columns wide, and a
    # sum of one term per field nests as deep as the file is wide, which overflows the stack of
    # Spark's analyzer).
    frame = directories.read(reader.csv, files).frame.select(
        F.array(*[F.col(p) for p in positional]).alias(_FIELDS),
        "_corrupt_record",
        source_file_column().alias("_source_file"),
        F.monotonically_increasing_id().alias("_order"),
    )
    if line_ends is LineEnds.MIXED:
        frame = _without_crlf_cr(frame)
    return frame


_HEADER = "_header"  # the number of a file's header in ``_rows``' list


def _header_layout(spark: SparkSession, headers: list[CsvHeader], names: list[str]) -> DataFrame:
    """One row per header, by its number: the record it is, its fingerprint, its width, and where
    each of ``names`` is among its fields (0-based; NULL: not in this header), as ``_p<k>``."""
    schema = T.StructType(
        [
            T.StructField(_HEADER, T.IntegerType()),
            T.StructField("_header_record", T.IntegerType()),
            T.StructField("_rows_from", T.IntegerType()),
            T.StructField("_fingerprint", T.StringType()),
            T.StructField("_width", T.IntegerType()),
            *[T.StructField(f"_p{k}", T.IntegerType()) for k in range(len(names))],
        ]
    )
    rows = []
    for number, header in enumerate(headers):
        position = {name: index for index, name in enumerate(header.names)}
        rows.append(
            (
                number,
                header.header_record,
                header.rows_from,
                header.fingerprint,
                len(header.names),
                *map(position.get, names),
            )
        )
    return local_frame(spark, rows, schema)


def _rows(
    spark: SparkSession,
    records: DataFrame,
    headers: list[CsvHeader],
    header_of: dict[str, int],
    names: list[str],
    options: CsvOptions,
) -> DataFrame:
    """The records of every file (``_read_files``) numbered within their file, the header record
    dropped, the bad and the notes marked, and their fields named (``names``) by the file's
    header: ``headers[header_of[file]]``."""
    # Within a file the reader returns records in order (multiLine files are not split).
    record_number = F.row_number().over(Window.partitionBy("_source_file").orderBy("_order"))
    frame = records.withColumn("_source_line", record_number.cast("int"))
    if len(headers) == 1:  # what each file's header is, as constants; or joined, by its number
        header = headers[0]
        frame = frame.withColumns(
            {
                "_header_record": F.lit(header.header_record),
                "_rows_from": F.lit(header.rows_from),
                "_fingerprint": F.lit(header.fingerprint),
                "_width": F.lit(len(header.names)),
            }
        )
        positions: list[Column | int] = list(range(len(names)))
    else:  # by file, its header's number; by number, the header (each a broadcast join)
        files = T.StructType(
            [T.StructField("_source_file", T.StringType()), T.StructField(_HEADER, T.IntegerType())]
        )
        frame = frame.join(F.broadcast(local_frame(spark, list(header_of.items()), files)), "_source_file")
        frame = frame.join(F.broadcast(_header_layout(spark, headers, names)), _HEADER)
        positions = [F.col(f"_p{k}") for k in range(len(names))]
    header_record, width = F.col("_header_record"), F.col("_width")
    fields = F.col(_FIELDS)
    # The header is dropped only if it is the record the sniff took for it: should Spark number
    # the records otherwise, the record at that number is a row like any other, and the file's
    # rows then outnumber its independent count (every record but one), which fails the source.
    is_header = (F.col("_source_line") == header_record) & (
        F.regexp_replace(F.array_join(fields, ""), _NOT_ALNUM.pattern, "") == F.col("_fingerprint")
    )
    frame = frame.where(~is_header)
    filled = F.size(F.filter(fields, lambda cell: F.trim(cell) != ""))
    # Records before the header (title rows, blank rows: the header guess skipped them) go to
    # quarantine with their text, never nowhere: a wrong guess shows there.
    before = F.col("_source_line") < F.col("_rows_from")
    # A row whose fields are all empty (",,") is a record: it lands as a row of NULLs, or, after
    # the data, is quarantined as a note below. Only lines with no characters are not records.
    # Notes after the data (a footnote, a source line, as a spreadsheet exports them: text in
    # the first cell, the row's other cells empty), and empty rows there: rows after the last row
    # with at least two filled fields. They go to quarantine, not into the table. Not a row that
    # is data with NULLs: one filling another cell than the first, a value in the first (a key,
    # number, date or time whose other fields are empty: ``cell_kind``), or any row of a table 2
    # fields wide (`bob,` is as likely a name without an age as a note).
    dense = (filled >= F.least(F.lit(2), width)) & F.col("_corrupt_record").isNull() & ~before
    last_dense = F.max(F.when(dense, F.col("_source_line"))).over(Window.partitionBy("_source_file"))
    first_cell = F.trim(fields[0])
    note_shaped = (filled == 0) | (
        (filled == 1) & (first_cell != "") & (width >= 3) & ~first_cell.rlike(_VALUE_PATTERN)
    )
    is_note = note_shaped & F.col("_corrupt_record").isNull() & (F.col("_source_line") > last_dense)
    nulls = list(options.null_values)
    nulled = F.transform(fields, lambda value: F.when(~value.isin(nulls), value))
    invalid = F.array_join(fields, "").contains("\ufffd")
    reason = (
        F.when(
            before & (filled == 0) & (header_record > 0),
            F.lit("empty row before the header (every field empty)"),
        )
        .when(before & (filled == 0), F.lit("empty row before the data (every field empty)"))
        .when(
            before & (header_record > 0),
            F.format_string(
                "row before the header (taken to be record %d): a title row? "
                "If it is the header, set csv.header: first_line",
                header_record,
            ),
        )
        .when(
            before,
            F.format_string(
                "row before the data (taken to start at record %d; the file has no header): a title "
                "row? If it is data, set csv.header: none",
                F.col("_rows_from"),
            ),
        )
        .when(
            F.col("_corrupt_record").isNotNull(),
            F.when(
                header_record == 0, F.format_string("wrong number of fields (the file's rows have %d)", width)
            ).otherwise(F.format_string("wrong number of fields (the header has %d)", width)),
        )
        .when(
            invalid,
            F.lit(_invalid_bytes_reason(options.encoding)),
        )
        .when(is_note & (filled == 0), F.lit("empty row after the data (every field empty)"))
        .when(is_note, F.lit("note row after the data (only its first field filled)"))
    )
    raw = F.coalesce(
        F.col("_corrupt_record"),
        F.when(is_note | invalid | before, _record_text(fields, options)),
    )
    cells = frame.select(
        "_source_file",
        "_source_line",
        nulled.alias(_FIELDS),
        raw.alias("_raw"),
        reason.alias("_bad_reason"),
        *[p for p in positions if isinstance(p, Column)],
    )
    return cells.select(
        "_source_file",
        "_source_line",
        *[F.col(_FIELDS)[p].alias(CSV_PREFIX + name) for p, name in zip(positions, names, strict=True)],
        "_raw",
        "_bad_reason",
    )


def _invalid_bytes_reason(encoding: str) -> str:
    """The reason of a row with bytes ``encoding`` cannot decode: under UTF-8 (most files), the
    likely cause is a file in a legacy Western encoding, which ``csv.encoding`` names."""
    reason = f"invalid bytes for the file encoding ({encoding})"
    if codecs.lookup(encoding).name != "utf-8":
        return reason
    return reason + ": a file in another encoding (windows-1252, ISO-8859-1) needs csv.encoding"


def _record_text(fields: Column, options: CsvOptions) -> Column:
    """A parsed record (an array of its fields) written back as one CSV record (the raw text of a
    quarantined row that parsed): fields joined by the delimiter, an empty field for a missing
    one, and a field that holds the delimiter, the quote, the escape or a line break quoted, its
    quotes escaped."""
    quote, escape = options.quote, options.escape
    special = "[" + re.escape(options.delimiter + quote + escape) + "\r\n]"

    def escaped(value: Column) -> Column:
        if escape != quote:
            value = F.replace(value, F.lit(escape), F.lit(escape * 2))
        return F.replace(value, F.lit(quote), F.lit(escape + quote))

    def field(value: Column) -> Column:
        return (
            F.when(value.isNull(), F.lit(""))
            .when(value.rlike(special), F.concat(F.lit(quote), escaped(value), F.lit(quote)))
            .otherwise(value)
        )

    return F.array_join(F.transform(fields, field), options.delimiter)


def _without_cr(value: Column) -> Column:
    return F.when(value.endswith("\r"), value.substr(F.lit(1), F.length(value) - 1)).otherwise(value)


def _without_crlf_cr(frame: DataFrame) -> DataFrame:
    """A file with mixed line ends, read split at LF: the CR of each CRLF is cut from the end of
    the record's last field (its last non-NULL one: a short row has fewer) and of a bad record's
    text; a line of only CRLF is an empty line, skipped as Spark skips an empty LF line.

    A quoted value that itself ends in CR at the end of its record loses that CR here (the only
    value this mode cannot tell from a line end; a file with one kind of line end keeps it)."""
    fields = F.col(_FIELDS)
    # the 0-based position of the last non-NULL field (NULL: none), once per row, not a test per
    # field of "are all later fields NULL", which grows with the square of the width
    last = F.array_max(F.transform(fields, lambda value, index: F.when(value.isNotNull(), index)))
    cut = F.transform(fields, lambda value, index: F.when(index == last, _without_cr(value)).otherwise(value))
    # Spark reads a CR-only line as a short record: bad, its text empty or the CR
    blank_line = (
        F.element_at(fields, 1).eqNullSafe("\r")  # NULL for an empty field: not a blank line, a record
        & F.coalesce(F.col("_corrupt_record"), F.lit("")).isin("", "\r")
        & (F.coalesce(last, F.lit(0)) == 0)  # every later field NULL
    )
    return frame.where(~blank_line).withColumns(
        {_FIELDS: cut, "_corrupt_record": _without_cr(F.col("_corrupt_record"))}
    )

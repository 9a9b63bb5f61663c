"""Read JSON landing files into one record per row, keeping the source file and line.

A file that Spark would read in one task anyway (no larger than a split, and at most
``WHOLE_FILE_BYTES``, or ``WHOLE_GZIP_BYTES`` gzipped) is read whole (``wholetext``, one row per
file) and split into its lines in the same task: ``_source_line`` is the line's position in the
file. Larger files are read as lines (Spark's text source, ``lineSep`` LF), so such a file is a
stream: it may be larger than memory or than a Java string (2 GB), and it is split across tasks.
There ``_source_line`` comes from ``monotonically_increasing_id`` (consecutive within a task's
split) and one small aggregate per split (rows, first id), which gives each split its first
line. Either way, blank lines are skipped but counted.

Files whose first non-blank line shows a whole-file document are read whole whatever their size:
- a JSON array document (``[{...}, {...}]``, REST exports): one record per element; the line is the
  1-based element index;
- a pretty-printed JSON object (an object that does not close on its first line, with nothing
  after it): one record, line 1, valid JSON or not.
Brackets outside strings decide the shape, not the JSON grammar, as the independent record
count (``ingest.formats.record_count``) decides it. A byte order mark at the start of a file is
not part of its text. An array document that is not valid JSON, has text after its closing
bracket, or holds anything but objects (``null``, a string, a number) becomes one bad record
holding the whole text, so it is quarantined whole instead of lost or split into records it
does not hold: a string element's quotes are gone once Spark splits the array, so a string
could not be told from an object. But a file whose first
line holds a whole array by itself (its brackets balance on that line) is JSON lines: its
other lines are records of their own, and that line is one bad record. A large file of that
shape is read as lines too, not whole.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.empty_values import add_empty_values, empty_value_paths
from ingest.flatten import flatten_schema, text_parse_schema, text_paths
from ingest.jvm_functions import (
    first_value_ends,
    lost_values,
    may_hold_empty,
    may_lose_values,
    text_after_first_value,
    written_elements,
)
from ingest.landing import LandingFile
from ingest.local_rows import local_frame
from ingest.naming import Path
from ingest.read_paths import BY_NAME, LandingDirectories
from ingest.schema_merge import dedupe_fields
from ingest.storage import jvm
from ingest.transform import LOST_VALUES

RECORD_COLUMNS = ("_source_file", "_source_line", "_raw")


# What ``\s`` matches in a Java regex: the whitespace JSON allows and a few more.
_WHITESPACE = " \t\n\x0b\f\r"


# A record that is an array: a whole-file array document that is not valid JSON holding only
# objects, or a line of JSON lines holding an array (Spark's reader would make each element a
# row, but rows of one line would share its _source_line, which ties exploded children to them).
_ARRAY_REASON = (
    "not a JSON object but an array: an array document must be valid JSON holding only objects, "
    "and each line of JSON lines one object "
    "(jq -c 'if type == \"array\" then .[] else . end' splits the lines holding arrays)"
)


def _edge_is_blank(text: Column, at_start: bool = True, at_end: bool = True) -> Column:
    """Does ``text`` start (or end) with whitespace? Byte comparisons, no copy of the text."""
    starts = [text.startswith(char) for char in _WHITESPACE] if at_start else []
    ends = [text.endswith(char) for char in _WHITESPACE] if at_end else []
    return reduce(operator.or_, [*starts, *ends])


def _strip(text: Column) -> Column:
    """Remove leading and trailing whitespace of any kind (``trim`` only removes spaces).

    ``text`` should be a column, not an expression: the edge checks read it twelve times. Most records
    have no whitespace at their ends, and ``btrim`` with a set of characters allocates two
    arrays as long as the text, so it only runs on those that do.
    """
    return F.when(_edge_is_blank(text), F.btrim(text, F.lit(_WHITESPACE))).otherwise(text)


def _is_blank(text: Column) -> Column:
    """Is ``text`` empty or only whitespace? (A column, read eight times.)"""
    return (text == "") | (_edge_is_blank(text, at_end=False) & (F.btrim(text, F.lit(_WHITESPACE)) == ""))


def _without_bom(text: Column) -> Column:
    """The text without a leading byte order mark (one U+FEFF)."""
    return F.when(text.startswith("\ufeff"), F.substring(text, 2, 1 << 30)).otherwise(text)


def _without_padding(text: Column) -> Column:
    """The text without its leading whitespace and byte order marks."""
    return F.regexp_replace(text, r"^[\s\x{FEFF}]+", "")


def starts_as_object(text: Column) -> Column:
    """Is the first character after any whitespace and byte order marks a ``{``? (A column.)"""
    padded = _edge_is_blank(text, at_end=False) | text.startswith("\ufeff")
    return text.startswith("{") | (padded & _without_padding(text).startswith("{"))


def source_file_column(file_uri: Column | None = None) -> Column:
    """The file a row came from, as the user wrote it: a local path or an s3a:// URI.

    ``input_file_name()`` (or ``file_uri``, its value) is a percent-encoded URI; '+' is protected
    before decoding because URL decoding would turn it into a space.
    """
    uri = F.input_file_name() if file_uri is None else file_uri
    decoded = F.url_decode(F.replace(uri, F.lit("+"), F.lit("%2B")))
    return F.regexp_replace(decoded, r"^file:(//)?", "")


@dataclass(frozen=True)
class EmptyCandidates:
    """The records that can hold ``""``, ``[]`` or ``{}`` (``may_hold_empty``): how many, how long."""

    records: int
    # Their texts' length in UTF-8 bytes, summed: at least their length in characters. A byte
    # length is stored with the text; a character count walks it (``length`` over W1's
    # 1,000,000 records cost 3 s of its read, bench/RESULTS.md, session 38).
    bytes: int


@dataclass(frozen=True)
class JsonRecords:
    """The records of JSON files, and what the job that cached them found out on the way."""

    frame: DataFrame  # ``_source_file``, ``_source_line`` (int), ``_raw`` (string); cached
    empty_candidates: EmptyCandidates
    # Records whose parse may lose something (``may_lose_values``: a number a double does not
    # hold, a repeated key, half a surrogate pair): with none, the batch is parsed without looking
    # (``parse_json_records``).
    lossy_candidates: int


# The largest file read whole (as stored): its text is one string in a task's memory, and its
# lines are a second copy. Reading small files whole saves the line path's three extra jobs (the
# lines' cache, the split plan and the head fetch) and the split rows' trip through the driver:
# building a tiny source's records 1.45 -> 0.55 s in a warm session, 125,000 events in 5,000
# files 9.0 -> 5.9 s (bench/RESULTS.md, session 34).
WHOLE_FILE_BYTES = 16 * 1024 * 1024
# A gzipped file is decompressed whole too: JSON lines compress 10 to 20 times.
WHOLE_GZIP_BYTES = 2 * 1024 * 1024


def reads_whole(file: LandingFile, split_bytes: int) -> bool:
    """Is ``file`` read whole? When it is small, and no larger than a split
    (``spark.sql.files.maxPartitionBytes``): Spark would give it to one task anyway."""
    limit = WHOLE_GZIP_BYTES if file.uri.endswith(".gz") else WHOLE_FILE_BYTES
    return file.size <= min(limit, split_bytes)


def read_json_records(
    spark: SparkSession, files: list[LandingFile], directories: LandingDirectories = BY_NAME
) -> JsonRecords:
    """One row per record: ``_source_file``, ``_source_line`` (int), ``_raw`` (string), cached
    (``MEMORY_AND_DISK``, built before it returns; the caller unpersists it).

    The files are read once. Small files are read whole (``reads_whole``); the lines of the others
    are cached for the split plan, the head fetch and the records, then dropped once the records'
    cache is built (one `count`). (Reading 5,000 small files again for each of the three cost 8 s
    a pass; W2 at a quarter size, bench/RESULTS.md.) The job that builds the records' cache also
    tells whether any record can hold an empty value, so the schema inference needs no job of its
    own to find out (``find_empty_values``). ``directories``: those the files fill, listed instead
    of naming their files (``ingest.read_paths``).
    """
    split_bytes = int(spark._jsparkSession.sessionState().conf().filesMaxPartitionBytes())
    whole = [f.uri for f in files if reads_whole(f, split_bytes)]
    read_whole = set(whole)
    streamed = [f.uri for f in files if f.uri not in read_whole]
    parts = [_read_whole_files(spark, whole, directories)] if whole else []
    lines = (
        _read_lines(spark, streamed, directories).persist(StorageLevel.MEMORY_AND_DISK) if streamed else None
    )
    try:
        if lines is not None:
            parts.append(_records(spark, lines, streamed))
        records = reduce(DataFrame.unionByName, parts).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            # Builds the records' cache (from the lines' cache, before it is dropped).
            empty_candidates, lossy_candidates = count_candidates(records)
        except Exception:
            records.unpersist()
            raise
        return JsonRecords(records, empty_candidates, lossy_candidates or 0)
    finally:
        if lines is not None:
            lines.unpersist()


def _read_lines(spark: SparkSession, uris: list[str], directories: LandingDirectories = BY_NAME) -> DataFrame:
    """The files' lines: ``_file_uri``, ``_block`` (the split's start), ``_id``, ``value``."""
    # Decoding and re-encoding a line turns bytes that are not UTF-8 into U+FFFD, which the
    # quarantine's "invalid UTF-8" reason looks for.
    decoded = directories.read(lambda paths: spark.read.text(paths, lineSep="\n"), uris).frame.select(
        F.input_file_name().alias("_file_uri"),  # decoded once per split, not per line
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
        F.encode("value", "UTF-8").cast("string").alias("value"),
    )
    return decoded.withColumn("value", _without_trailing_cr(F.col("value")))


def _without_trailing_cr(line: Column) -> Column:
    """A CRLF line without its CR (split at LF, as Spark's text source and ``split`` do)."""
    return F.when(line.endswith("\r"), line.substr(F.lit(1), F.length(line) - 1)).otherwise(line)


def _records(spark: SparkSession, lines: DataFrame, uris: list[str]) -> DataFrame:
    """The records of ``lines`` with their file lines, and those of the files read whole."""
    whole, first_lines = _plan_splits(spark, lines)
    numbered = lines.join(F.broadcast(local_frame(spark, first_lines, _FIRST_LINES)), ["_file_uri", "_block"])
    line = (F.col("_id") - F.col("_first_id") + F.col("_first_line")).cast("int")
    text = F.when(line == 1, _without_bom(F.col("value"))).otherwise(F.col("value"))
    by_line = numbered.select("_source_file", line.alias("_source_line"), text.alias("_raw"))
    by_line = by_line.where(~_is_blank(F.col("_raw")))
    wanted = set(whole)
    whole_uris = [uri for uri in uris if uri in wanted]
    return by_line.unionByName(_read_whole_files(spark, whole_uris)) if whole_uris else by_line


_FIRST_LINES = T.StructType(
    [
        T.StructField("_file_uri", T.StringType()),
        T.StructField("_block", T.LongType()),
        T.StructField("_source_file", T.StringType()),
        T.StructField("_first_id", T.LongType()),
        T.StructField("_first_line", T.LongType()),
    ]
)
_ROW_IDS = T.StructType([T.StructField("_id", T.LongType())])


def _plan_splits(
    spark: SparkSession, lines: DataFrame
) -> tuple[list[str], list[tuple[str, int, str, int, int]]]:
    """Files to read whole, and for every other file's splits: (file URI, split start, file, the
    split's first row id, the file line of that row). Two jobs, one row per split reaching the driver:
    an aggregate per split, then the split's first non-blank line, fetched by its row id, tells
    a document from JSON lines. (Taking that line in the aggregate puts text in its buffer, which
    makes Spark sort every line instead of hashing.) ``_may_be_a_document`` decides from that
    line: a large file of JSON lines under a first line that closes its value by itself
    (``[1, 2]``) is read as a stream, not whole."""
    blank = _is_blank(F.col("_text"))
    splits = (
        lines.withColumn("_text", _without_bom(F.col("value")))
        .groupBy("_file_uri", "_block")
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count(F.when(~blank, F.lit(1))).alias("filled"),
            F.min("_id").alias("first_id"),
            F.min(F.when(~blank, F.col("_id"))).alias("head_id"),
        )
        .withColumn("_source_file", source_file_column(F.col("_file_uri")))
        .collect()
    )
    head_ids = [(split["head_id"],) for split in splits if split["head_id"] is not None]
    heads: dict[int, tuple[str, bool]] = {}  # head row id: (its first character, closes its value)
    if head_ids:
        head_rows = lines.join(F.broadcast(local_frame(spark, head_ids, _ROW_IDS)), "_id")
        head = _without_padding(F.col("value"))
        for row in head_rows.select(
            "_id", head.substr(1, 1).alias("opens"), first_value_ends(head)
        ).collect():
            heads[row[0]] = (row[1], row[2])
    by_file: dict[str, list[Any]] = {}
    for split in splits:
        by_file.setdefault(split["_source_file"], []).append(split)
    whole: list[str] = []
    first_lines: list[tuple[str, int, str, int, int]] = []
    for uri, parts in by_file.items():
        parts.sort(key=lambda part: part["_block"])
        head_id = next((part["head_id"] for part in parts if part["head_id"] is not None), None)
        if head_id is not None and _may_be_a_document(*heads[head_id], sum(p["filled"] for p in parts)):
            whole.append(uri)
            continue
        line = 1
        for part in parts:
            first_lines.append((part["_file_uri"], part["_block"], uri, part["first_id"], line))
            line += part["rows"]
    return whole, first_lines


def _may_be_a_document(opens: str, closes: bool, filled_lines: int) -> bool:
    """Is a file whose first non-blank line starts with ``opens`` and closes its value on that
    line or not (``closes``) read whole, for ``_read_whole_files`` to tell a document from JSON
    lines? An object that goes on past its first line may be a pretty-printed document. An array
    is read whole unless it closes on its line with more lines below it (no document has text
    after its value); alone on the file's only line, it is read whole for its elements."""
    if opens == "{":
        return not closes
    return opens == "[" and not (closes and filled_lines > 1)


def _read_whole_files(
    spark: SparkSession, uris: list[str], directories: LandingDirectories = BY_NAME
) -> DataFrame:
    """Small files, array documents and pretty-printed objects: one row per file, split by the
    file's shape (JSON lines into lines, an array into its elements, an object is one record).

    Splitting a text turns bytes that are not UTF-8 into U+FFFD (it passes through a Java
    string), as ``_read_lines`` does, for the quarantine's "invalid UTF-8" reason."""
    files = directories.read(lambda paths: spark.read.text(paths, wholetext=True), uris).frame.select(
        source_file_column().alias("_source_file"),
        _without_bom(F.col("value")).alias("value"),
    )
    value = F.col("value")
    # Copies of a whole file's text are what this costs: the regex copies only a padded text,
    # and a one-character delimiter takes Java's split without a regex (W1's 1,000,000 records:
    # 11 s against 14-17 s with both regexes on every file).
    body = F.when(_edge_is_blank(value, at_end=False), F.regexp_replace(value, r"^\s+", "")).otherwise(value)
    first_line = F.substring_index(body, "\n", 1)
    # One object over several lines, with nothing after it, is one record, valid JSON or not:
    # brackets outside strings decide, as ingest.formats.record_count counts.
    is_document = (
        body.startswith("{")
        & ~first_value_ends(first_line)
        & first_value_ends(body)
        & ~text_after_first_value(body)
    )
    starts_array = body.startswith("[")
    # The elements of an array document of objects, as Spark's parse writes each one again (its
    # numbers through a double); and per file, before the split (the file's text is then not
    # carried into each record's row), the own text of each element whose parse may lose
    # something (a number a double does not hold, a repeated key), which that element keeps instead.
    files = files.withColumn("_elements", F.when(starts_array, _array_of_objects(body)))
    elements = F.col("_elements")
    files = files.withColumn("_written", F.when(elements.isNotNull(), written_elements(body, ())))
    # Text that starts with "[" but is no array document of objects is one bad record, unless the
    # array closes on the first line (``[1, 2]`` above JSON lines): then it is JSON lines, that
    # line one bad record among them (ingest.formats.record_count counts the same). The
    # elements are a column of their own, so they are parsed once: in the test and as the value.
    records = F.coalesce(
        elements,
        F.when(starts_array & ~first_value_ends(first_line), F.array("value")),
        F.when(is_document, F.array("value")),
        F.split("value", "\n"),
    )
    exploded = files.select("_source_file", F.posexplode(records).alias("pos", "_raw"), "_written")
    exploded = exploded.withColumn("_raw", _without_trailing_cr(F.col("_raw")))
    # Taken after the blank lines are dropped (an element is never blank): the filter reads
    # ``_raw`` many times, and Spark would copy an expression of it into each read.
    written = F.try_element_at(F.col("_written"), F.col("pos") + 1)
    return exploded.where(~_is_blank(F.col("_raw"))).select(
        "_source_file",
        (F.col("pos") + 1).cast("int").alias("_source_line"),
        F.coalesce(written, F.col("_raw")).alias("_raw"),
    )


def _array_of_objects(body: Column) -> Column:
    """The element texts of a JSON array document of objects; NULL if it is anything else.

    Spark's JSON parser stops at the end of the first value, so the array is parsed as the value
    of a wrapping object (the parser then needs a ``}`` right after it) and checked for text
    after its closing bracket; a second parse with map elements fails unless every element is
    an object.
    """
    wrapped = F.concat(F.lit('{"a":'), body, F.lit("}"))
    strict = {"allowSingleQuotes": "false"}  # as the records' parse: [{'a': 1}] is no JSON
    texts = F.from_json(wrapped, "a array<string>", strict).getField("a")
    maps = F.from_json(wrapped, "a array<map<string,string>>", strict).getField("a")
    only_objects = maps.isNotNull() & ~F.exists(maps, lambda element: element.isNull())
    return F.when(only_objects & ~text_after_first_value(body), texts)


def infer_json_schema(
    spark: SparkSession, records: DataFrame, empty_candidates: EmptyCandidates | None = None
) -> T.StructType:
    """Infer one schema for all records (one Spark job over the text).

    All-null fields are dropped, so a field that was only ever null does not fix a column as
    string; ``""``, ``[]``, ``{}`` and empty keys, which Spark's inference drops or misreads, are
    found among the records that can hold them and added back (``find_empty_values``,
    ``ingest.empty_values``). Uses ``DataFrameReader.json(Dataset[String])`` through the JVM: the Python API only
    accepts paths or RDDs, and an RDD would ship every line through a Python worker.
    ``empty_candidates``: the records that can hold an empty value, if already known
    (see ``find_empty_values``).
    """
    encoder = jvm(spark).org.apache.spark.sql.Encoders.STRING()
    strings = getattr(records.select("_raw")._jdf, "as")(encoder)
    java_session: Any = spark._jsparkSession
    reader = java_session.read().option("dropFieldIfAllNull", "true").option("allowSingleQuotes", "false")
    inferred = DataFrame(reader.json(strings), spark)
    fields = [f for f in inferred.schema.fields if f.name != "_corrupt_record"]
    return dedupe_fields(add_empty_values(T.StructType(fields), find_empty_values(records, empty_candidates)))


# Up to this many UTF-8 bytes of candidate records are scanned on the driver, in one job that
# collects them, instead of in a Python UDF job: the UDF starts a Python worker in every task and
# ships a pickled function, about 1 s a source even on a small source (the sample's seven
# sources spent 9.9 s of 91 s finding empty values; bench/RESULTS.md, session 33). 16 MiB of
# UTF-8 are at most 16 Mi characters: 64 MB as Python strings (4 bytes a character at worst),
# 32 MB as Java's.
DRIVER_SCAN_BYTES = 16 * 1024 * 1024
# What a record may grow by between the count and the scan: infer_in_landing_order wraps each
# in its landing day's object (``{"d12":...}``), and the count was taken before.
_WRAPPER_BYTES = 64


def count_empty_candidates(records: DataFrame) -> EmptyCandidates:
    """How many of ``records`` can hold an empty value, and their size in bytes: one aggregate."""
    return count_candidates(records, lossy=False)[0]


def count_candidates(records: DataFrame, *, lossy: bool = True) -> tuple[EmptyCandidates, int | None]:
    """``count_empty_candidates``, and with ``lossy`` how many records' parse may lose something
    (``may_lose_values``), in the same aggregate."""
    flagged = records.select(
        may_hold_empty(F.col("_raw")).alias("candidate"),
        F.octet_length("_raw").alias("bytes"),
        (may_lose_values(F.col("_raw")) if lossy else F.lit(False)).alias("lossy"),
    )
    (counted,) = flagged.agg(  # an aggregate without grouping: one row
        F.count_if("candidate").alias("records"),
        F.sum(F.when(F.col("candidate"), F.col("bytes"))).alias("bytes"),
        F.count_if("lossy").alias("lossy"),
    ).collect()
    return EmptyCandidates(counted["records"], counted["bytes"] or 0), counted["lossy"] if lossy else None


def find_empty_values(records: DataFrame, known: EmptyCandidates | None = None) -> list[str]:
    """Distinct ``[path, kind]`` texts of the empty values in ``records``.

    Only records whose text can hold an empty value are parsed (``may_hold_empty``, in the JVM).
    ``known``: the candidates among ``records`` (or a superset of them, allowing a few bytes
    more per record, as when each is wrapped in a day's object), if already known
    (``read_json_records`` counts them while it caches the records); else one aggregate counts
    them. No candidate: no more jobs, and no Python worker starts (a UDF starts one in every
    task, even a task with no row to send: 26 s of a 5,000-file read's 109 s went to that, with
    no candidate). Up to ``DRIVER_SCAN_BYTES``: collected and parsed on the driver. More: one
    Spark job parses them in a Python UDF.
    """
    counted = known if known is not None else count_empty_candidates(records)
    if counted.records == 0:
        return []
    candidates = records.where(may_hold_empty(F.col("_raw")))
    if counted.bytes + _WRAPPER_BYTES * counted.records <= DRIVER_SCAN_BYTES:
        texts = (row["_raw"] for row in candidates.select("_raw").collect())
        return sorted({found for text in texts for found in empty_value_paths(text)})
    scan = F.udf(empty_value_paths, T.ArrayType(T.StringType()))
    found = candidates.select(F.explode(scan("_raw")).alias("found")).distinct().collect()
    return sorted(row["found"] for row in found)


def parse_json_records(
    records: DataFrame,
    schema: T.StructType,
    max_depth: int,
    may_lose_values: bool = True,
    explode: frozenset[Path] = frozenset(),
) -> DataFrame:
    """Add ``_data`` (the parsed struct, the arrays of ``explode`` exploded; a value kept as JSON
    text parsed as its text, see ``flatten.text_parse_schema``), ``_bad_reason`` (NULL for good
    records) and, unless no record ``may_lose_values``, ``LOST_VALUES``: what the parse loses,
    from the record's text (the written texts of numbers a double does not hold, the earlier values
    of a repeated key, strings with half a surrogate pair), for objects flattened ``max_depth``
    keys deep; an object in a text column by its whole text."""
    as_written = text_parse_schema(schema, max_depth=max_depth, explode=explode)
    with_corrupt = T.StructType([*as_written.fields, T.StructField("_corrupt_record", T.StringType())])
    parsed = records.withColumn(
        "_data",
        F.from_json(
            "_raw",
            with_corrupt,
            {
                "mode": "PERMISSIVE",
                "columnNameOfCorruptRecord": "_corrupt_record",
                "allowSingleQuotes": "false",
            },
        ),
    )
    # The stripped text is a column of its own, computed once per record: Spark shares no
    # expression between the branches of a CASE WHEN.
    parsed = parsed.withColumn("_trimmed", _strip(F.col("_raw")))
    trimmed = F.col("_trimmed")
    reason = (
        F.when(F.col("_raw").contains("\ufffd"), F.lit("invalid UTF-8 bytes in the record"))
        .when(
            trimmed.startswith("["),
            F.lit(_ARRAY_REASON),
        )
        .when(~trimmed.startswith("{"), F.lit("not a JSON object"))
        .when(F.col("_data._corrupt_record").isNotNull(), F.lit("malformed JSON"))
        .when(F.col("_data").isNull(), F.lit("malformed JSON"))
        # Spark's parser stops at the end of the first value and ignores what follows
        # ('{"a":1} #', '{}}'): such a record is not what it looks like.
        .when(
            text_after_first_value(F.col("_raw")), F.lit("malformed JSON: text after the end of the object")
        )
    )
    parsed = parsed.withColumn("_bad_reason", reason).drop("_trimmed")
    if may_lose_values:
        fields, _arrays = flatten_schema(schema, max_depth=max_depth)
        parsed = parsed.withColumn(LOST_VALUES, lost_values(F.col("_raw"), max_depth, text_paths(fields)))
    return parsed

"""Read JSON landing files into one record per row, keeping the source file and line.

JSON lines (the default) are read as lines (Spark's text source, ``lineSep`` LF), so a file is a
stream: it may be larger than memory or than a Java string (2 GB), and a large file is split
across tasks. ``_source_line`` is the 1-based line in the file: the scan numbers rows with
``monotonically_increasing_id`` (consecutive within a task's split), and one small aggregate per
split (rows, first id) gives each split its first line. Blank lines are skipped but counted.

Files whose first non-blank line shows a whole-file document are read whole instead
(``wholetext``, one row per file):
- a JSON array document (``[{...}, {...}]``, REST exports): one record per element; the line is the
  1-based element index;
- a single pretty-printed JSON object: one record, line 1.
A byte order mark at the start of a file is not part of its text. An array document that is not
valid JSON, has text after its closing bracket, or holds anything but objects (``null``, a
string, a number) becomes one bad record holding the whole text, so it is quarantined whole
instead of lost or split into records it does not hold: a string element's quotes are gone once
Spark splits the array, so a string could not be told from an object.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.empty_values import MAY_HOLD_EMPTY, add_empty_values, empty_value_paths
from ingest.schema_merge import dedupe_fields
from ingest.storage import jvm

RECORD_COLUMNS = ("_source_file", "_source_line", "_raw")


def _strip(text: Column) -> Column:
    """Remove leading and trailing whitespace of any kind (``trim`` only removes spaces)."""
    return F.regexp_replace(text, r"^\s+|\s+$", "")


def source_file_column() -> Column:
    """The file a row came from, as the user wrote it: a local path or an s3a:// URI.

    ``input_file_name()`` is a percent-encoded URI; '+' is protected before decoding because
    URL decoding would turn it into a space.
    """
    decoded = F.url_decode(F.replace(F.input_file_name(), F.lit("+"), F.lit("%2B")))
    return F.regexp_replace(decoded, r"^file:(//)?", "")


def read_json_records(spark: SparkSession, uris: list[str]) -> DataFrame:
    """One row per record: ``_source_file``, ``_source_line`` (int), ``_raw`` (string)."""
    lines = (
        spark.read.option("lineSep", "\n")
        .text(uris)
        .select(
            source_file_column().alias("_source_file"),
            F.col("_metadata.file_block_start").alias("_block"),
            F.monotonically_increasing_id().alias("_id"),
            F.regexp_replace("value", "\r$", "").alias("value"),
        )
    )
    whole, first_lines = _plan_splits(lines)
    records = lines.join(
        F.broadcast(spark.createDataFrame(first_lines, _FIRST_LINES)), ["_source_file", "_block"]
    )
    line = (F.col("_id") - F.col("_first_id") + F.col("_first_line")).cast("int")
    text = F.when(line == 1, F.regexp_replace("value", r"^\x{FEFF}", "")).otherwise(F.col("value"))
    by_line = records.select("_source_file", line.alias("_source_line"), text.alias("_raw"))
    by_line = by_line.where(_strip(F.col("_raw")) != "")
    wanted = set(whole)
    whole_uris = [uri for uri in uris if uri in wanted]
    return by_line.unionByName(_read_whole_files(spark, whole_uris)) if whole_uris else by_line


_FIRST_LINES = "_source_file string, _block bigint, _first_id bigint, _first_line bigint"


def _plan_splits(lines: DataFrame) -> tuple[list[str], list[tuple[str, int, int, int]]]:
    """Files to read whole, and for every other file's splits: (file, split start, the split's
    first row id, the file line of that row). One aggregate job; one row per split reaches the
    driver."""
    blank = _strip(F.regexp_replace("value", r"^\x{FEFF}", "")) == ""
    stats = lines.groupBy("_source_file", "_block").agg(
        F.count(F.lit(1)).alias("rows"),
        F.min("_id").alias("first_id"),
        F.min_by("value", F.when(~blank, F.col("_id"))).alias("head"),
    )
    head = F.regexp_replace("head", r"^[\s\x{FEFF}]+", "")
    starts_document = head.startswith("[") | (head.startswith("{") & F.get_json_object("head", "$").isNull())
    splits = stats.select(
        "_source_file",
        "_block",
        "rows",
        "first_id",
        F.when(F.col("head").isNotNull(), starts_document).alias("doc"),
    ).collect()
    by_file: dict[str, list[Any]] = {}
    for split in splits:
        by_file.setdefault(split["_source_file"], []).append(split)
    whole: list[str] = []
    first_lines: list[tuple[str, int, int, int]] = []
    for uri, parts in by_file.items():
        parts.sort(key=lambda part: part["_block"])
        if next((part["doc"] for part in parts if part["doc"] is not None), False):
            whole.append(uri)
            continue
        line = 1
        for part in parts:
            first_lines.append((uri, part["_block"], part["first_id"], line))
            line += part["rows"]
    return whole, first_lines


def _read_whole_files(spark: SparkSession, uris: list[str]) -> DataFrame:
    """Array documents and pretty-printed objects: one row per file, split by the file's shape."""
    files = spark.read.text(uris, wholetext=True).select(
        source_file_column().alias("_source_file"),
        F.regexp_replace("value", r"^\x{FEFF}", "").alias("value"),
    )
    body = F.regexp_replace("value", r"^\s+", "")
    first_line = F.substring_index(body, "\n", 1)
    is_document = (
        body.startswith("{")
        & F.get_json_object(first_line, "$").isNull()
        & F.get_json_object("value", "$").isNotNull()
    )
    records = (
        F.when(body.startswith("["), F.coalesce(_array_of_objects(body), F.array("value")))
        .when(is_document, F.array("value"))
        .otherwise(F.split("value", r"\r?\n"))
    )
    exploded = files.select("_source_file", F.posexplode(records).alias("pos", "_raw"))
    return exploded.where(_strip(F.col("_raw")) != "").select(
        "_source_file",
        (F.col("pos") + 1).cast("int").alias("_source_line"),
        "_raw",
    )


def _array_of_objects(body: Column) -> Column:
    """The element texts of a JSON array document of objects; NULL if it is anything else.

    Spark's JSON parser stops at the end of the first value, so the array is parsed as the value
    of a wrapping object (the parser then needs a ``}`` right after it) and checked for text
    after its closing bracket; a second parse with map elements fails unless every element is
    an object.
    """
    wrapped = F.concat(F.lit('{"a":'), body, F.lit("}"))
    texts = F.from_json(wrapped, "a array<string>").getField("a")
    maps = F.from_json(wrapped, "a array<map<string,string>>").getField("a")
    only_objects = maps.isNotNull() & ~F.exists(maps, lambda element: element.isNull())
    return F.when(only_objects & ~_has_trailing_text(body, closer="]"), texts)


def infer_json_schema(spark: SparkSession, records: DataFrame) -> T.StructType:
    """Infer one schema for all records (one Spark job over the text).

    All-null fields are dropped, so a field that was only ever null does not fix a column as
    string; ``""``, ``[]``, ``{}`` and empty keys, which Spark's inference drops or misreads, are
    found by a second job over the records that can hold them and added back
    (see ``ingest.empty_values``). Uses ``DataFrameReader.json(Dataset[String])`` through the JVM: the Python API only
    accepts paths or RDDs, and an RDD would ship every line through a Python worker.
    """
    encoder = jvm(spark).org.apache.spark.sql.Encoders.STRING()
    strings = getattr(records.select("_raw")._jdf, "as")(encoder)
    java_session: Any = spark._jsparkSession
    reader = java_session.read().option("dropFieldIfAllNull", "true").option("allowSingleQuotes", "false")
    inferred = DataFrame(reader.json(strings), spark)
    fields = [f for f in inferred.schema.fields if f.name != "_corrupt_record"]
    return dedupe_fields(add_empty_values(T.StructType(fields), find_empty_values(records)))


def find_empty_values(records: DataFrame) -> list[str]:
    """Distinct ``[path, kind]`` texts of the empty values in ``records`` (one Spark job).

    Only records whose text can hold an empty value reach the Python parser.
    """
    scan = F.udf(empty_value_paths, T.ArrayType(T.StringType()))
    candidates = records.where(F.col("_raw").rlike(MAY_HOLD_EMPTY))
    found = candidates.select(F.explode(scan("_raw")).alias("found")).distinct().collect()
    return sorted(row["found"] for row in found)


# Spark's JSON parser stops at the end of the first value and ignores what follows
# ('{"a":1} #', '{}}'). With string literals blanked out, valid JSON never has anything but
# ',', '}' or ']' after a closing bracket, ends with '}', and has as many '{' as '}'.
# Escapes are removed first, then string literals: two regexes without alternation, which the
# JVM runs iteratively (an alternation inside a repetition recurses per character and overflows
# the stack on long strings).
_ESCAPE = r"\\."
_STRING_LITERAL = r'"[^"]*"'


def _has_trailing_text(raw: Column, closer: str = "}") -> Column:
    bare = _strip(F.regexp_replace(F.regexp_replace(raw, _ESCAPE, ""), _STRING_LITERAL, '""'))

    def count(char: str) -> Column:
        return F.length(bare) - F.length(F.replace(bare, F.lit(char), F.lit("")))

    return (
        bare.rlike(r"[}\]]\s*[^\s,}\]]")
        | ~bare.endswith(closer)
        | (count("{") != count("}"))
        | (count("[") != count("]"))
    )


def parse_json_records(records: DataFrame, schema: T.StructType) -> DataFrame:
    """Add ``_data`` (the parsed struct) and ``_bad_reason`` (NULL for good records)."""
    with_corrupt = T.StructType([*schema.fields, T.StructField("_corrupt_record", T.StringType())])
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
    trimmed = _strip(F.col("_raw"))
    reason = (
        F.when(F.col("_raw").contains("\ufffd"), F.lit("invalid UTF-8 bytes in the record"))
        .when(
            trimmed.startswith("["),
            F.lit(
                "not a JSON object but an array (an array document must be valid JSON holding only objects)"
            ),
        )
        .when(~trimmed.startswith("{"), F.lit("not a JSON object"))
        .when(F.col("_data._corrupt_record").isNotNull(), F.lit("malformed JSON"))
        .when(F.col("_data").isNull(), F.lit("malformed JSON"))
        .when(_has_trailing_text(F.col("_raw")), F.lit("malformed JSON: text after the end of the object"))
    )
    return parsed.withColumn("_bad_reason", reason)

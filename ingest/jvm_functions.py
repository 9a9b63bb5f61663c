"""Ingest's own SQL functions, written in Java (``ingest/java``), for checks no Spark expression
does in one pass over a record.

``make jars`` compiles them into ``<jars dir>/dap-ingest-functions.jar`` (``python -m
ingest.jvm_functions --build DIR``); ``build_spark`` puts the jar on the driver's (and on a
cluster, the executors') class path and registers the functions in the session. They read a
record's UTF-8 bytes (``CAST(text AS BINARY)``, a copy of the bytes Spark stores, not a decoded
Java string):

- ``dap_may_hold_empty``: the text contains ``""``, or ``[]`` / ``{}`` with only whitespace inside
  (``MAY_HOLD_EMPTY``). Over W1's 1,000,000 cached records: 0.4-0.5 s, where fifteen
  ``contains`` and a regex took 3.2-3.3 s.
- ``dap_text_after_first_value``: something other than whitespace follows the first JSON object
  or array (Spark's parser stops there and ignores the rest). 0.3-0.6 s, where two Jackson passes
  (and three regexes for the records they did not clear) took 6.9-7.8 s.
- ``dap_first_value_ends``: the first JSON object or array ends in the text (its brackets
  balance), for a file's first line (``ingest.read_json``).
- ``dap_number_text``: what a CSV value's text could be typed as (integer, grouped integer,
  double, boolean, decimal, exactly a double; its digits), for type inference
  (``ingest.transform.infer_text_types``), where five regexes, two extracts and three replaces
  tested every value.
- ``dap_same_number``: do two texts write the same number, E-notation or not (the round trip of
  a text into a double or decimal column, ``ingest.transform``).
- ``dap_lost_values``: what Spark's parse of a JSON record loses, from its text, by place
  (``ParseLosses``): numbers a double does not hold, as written (``3.14159265358979323846``,
  ``1e400``; Spark parses them through a double), and the earlier values of a key written twice
  in one object (Spark keeps the last); ``ingest.transform`` lands the one and rescues the other.
  One pass over the bytes finds neither in almost every record; only a record with a longer or
  larger number, or a repeated key, is parsed again.
  ``dap_may_lose_values`` is that pass alone: the job that caches a batch's records counts
  them, and a batch with none lands without the map (1,000,000 W1 records: 0.5 s of CPU).

- ``dap_epoch_micros`` and ``dap_pattern_micros``: an event time written as an epoch count
  (exactly) or in a java.time pattern, as microseconds since 1970 (``EventTime``): the partition
  date under ``partition.format`` (``ingest.event_time``).

W1's whole ``ingest run`` went from 39.1-39.2 s to 32.6-32.9 s (bench/RESULTS.md, session 39).

The same jar holds two driver-side helpers, not SQL functions: ``LocalRows`` (the driver's rows
as a local relation, ``ingest.local_rows``) and ``LocalFileSystemWithoutShell`` (Hadoop's
``file:`` file system without a ``chmod`` process per file, ``LOCAL_FILE_SYSTEM``), which is why
the embedded driver has the jar on its class path from the start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import StateError
from ingest.java_jar import build_jar, sources_digest
from ingest.settings import required_jar

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pyspark.sql import Column, SparkSession

JAR = "dap-ingest-functions.jar"
# Hadoop's ``file:`` file system without a `chmod` process per file it creates (same jar).
LOCAL_FILE_SYSTEM = "dap.ingest.LocalFileSystemWithoutShell"
SOURCES = Path(__file__).with_name("java")
# SQL name -> the UDF class that answers it (a nested class), and the SQL type it returns.
FUNCTIONS = {
    "dap_may_hold_empty": ("dap.ingest.JsonText$MayHoldEmpty", "boolean"),
    "dap_text_after_first_value": ("dap.ingest.JsonText$TextAfterFirstValue", "boolean"),
    "dap_first_value_ends": ("dap.ingest.JsonText$FirstValueEnds", "boolean"),
    "dap_number_text": ("dap.ingest.NumberText$Facts", "bigint"),
    "dap_same_number": ("dap.ingest.NumberText$SameNumber", "boolean"),
    "dap_may_lose_values": ("dap.ingest.ParseLosses$MayLose", "boolean"),
    "dap_lost_values": ("dap.ingest.ParseLosses$Lost", "map<string,string>"),
    "dap_written_elements": ("dap.ingest.ParseLosses$WrittenElements", "array<string>"),
    "dap_join_escaped_pairs": ("dap.ingest.EscapedPairs$Joined", "string"),
    "dap_epoch_micros": ("dap.ingest.EventTime$Micros", "bigint"),
    "dap_pattern_micros": ("dap.ingest.EventTime$PatternMicros", "bigint"),
}


def functions_jar(jars_dir: Path) -> Path:
    """The built jar, or a clear error saying how to build it: missing, or built from other
    sources than this checkout's (a JVM would fail on a class the old jar lacks, before Spark
    could say which)."""
    jar = required_jar(
        jars_dir,
        JAR,
        "ingest's SQL functions jar",
        "run `make jars` (compiles ingest/java with the JDK's javac)",
    )
    stamp = jar.with_name(f"{jar.name}.sha256")
    sources = sorted(SOURCES.rglob("*.java"))
    if sources and stamp.is_file() and stamp.read_text().strip() != sources_digest(sources, SOURCES):
        raise StateError(
            f"ingest's SQL functions jar was built from other sources than this checkout's: {jar}",
            where=str(SOURCES),
            hint="run `make jars` to build it again (it compiles ingest/java with the JDK's javac)",
        )
    return jar


def register(spark: SparkSession) -> None:
    """Make the functions callable in ``spark`` (their jar is on its class path)."""
    for name, (java_class, sql_type) in FUNCTIONS.items():
        spark.udf.registerJavaFunction(name, java_class, sql_type)


def may_hold_empty(text: Column) -> Column:
    """``text RLIKE MAY_HOLD_EMPTY`` (ingest.empty_values), in one pass over its bytes."""
    from pyspark.sql import functions as F

    return F.call_function("dap_may_hold_empty", text.cast("binary"))


def text_after_first_value(text: Column) -> Column:
    """Does anything but whitespace follow the end of the first JSON object or array in ``text``?
    False when ``text`` does not start with one, or it never ends (the parser reports those)."""
    from pyspark.sql import functions as F

    return F.call_function("dap_text_after_first_value", text.cast("binary"))


def first_value_ends(text: Column) -> Column:
    """Does the first JSON object or array in ``text`` end in it (its brackets balance, outside
    strings)? False when ``text`` does not start with one."""
    from pyspark.sql import functions as F

    return F.call_function("dap_first_value_ends", text.cast("binary"))


# The flag bits of ``dap_number_text`` (ingest/java/dap/ingest/NumberText.java), and where its
# digit counts sit in the answer.
INTEGER, GROUPED_INTEGER, DOUBLE, BOOLEAN, PLAIN_NUMBER, EXACT_DOUBLE = 1, 2, 4, 8, 16, 32
INTEGER_DIGITS_SHIFT, SCALE_SHIFT, DIGITS_MASK = 8, 32, 0xFFFFFF


def number_text(text: Column) -> Column:
    """What ``text`` could be typed as, in one pass over its bytes: flag bits (``INTEGER``, ...),
    the integer part's digits and the fraction's digits of a plain number (``NumberText``)."""
    from pyspark.sql import functions as F

    return F.call_function("dap_number_text", text.cast("binary"))


def same_number(a: Column, b: Column) -> Column:
    """Do texts ``a`` and ``b`` write the same number (``12345678`` and ``1.2345678E7``)? False
    when either is not a plain or E-notation number (``NumberText.sameNumber``)."""
    from pyspark.sql import functions as F

    return F.call_function("dap_same_number", a, b)


def may_lose_values(text: Column) -> Column:
    """Could Spark's parse of JSON ``text`` lose something: a number a double does not hold (more
    than 15 significant digits, or near the ends of its range), a key written twice in one
    object? One pass over the bytes (``ParseLosses``)."""
    from pyspark.sql import functions as F

    return F.call_function("dap_may_lose_values", text.cast("binary"))


def lost_values(text: Column, max_depth: int, text_paths: Iterable[tuple[str, ...]] = ()) -> Column:
    """What Spark's parse of JSON ``text`` loses, taken from the text, keyed by place (see
    ``ingest.transform.path_key``): a number a double does not hold outside arrays by its path, to
    its text; an array, an object ``max_depth`` keys deep (stored as JSON text) or an object at one
    of ``text_paths`` (the paths Spark parses as text, which it writes such an object to again)
    holding such a number, a repeated key or an unpaired surrogate by its path, to its raw text; a key repeated
    outside them by ``transform.REPEATED_PREFIX`` and its path, to a JSON array of its earlier
    values' raw texts; a string with an unpaired UTF-16 surrogate escape outside them by
    ``transform.UNPAIRED_PREFIX`` and its path, to its raw text. NULL when there is none
    (``ParseLosses``)."""
    from pyspark.sql import functions as F

    from ingest.transform import path_key

    # One line per path: a path key escapes line breaks, so none holds one. Only for the records the
    # one-pass scan flags: Spark hands a Java function its text paths anew for every row it calls
    # it on, and a wide source has hundreds.
    paths = "\n".join(sorted(path_key(path) for path in text_paths))
    binary = text.cast("binary")
    return F.when(
        may_lose_values(text), F.call_function("dap_lost_values", binary, F.lit(max_depth), F.lit(paths))
    )


def join_escaped_pairs(json_text: Column) -> Column:
    """``json_text`` (a value kept as JSON text, written again by Spark's parser) with each escaped
    surrogate pair written as its character: ``["\\uD83D\\uDE00"]`` as ``["😀"]``
    (``EscapedPairs``). Only texts holding such an escape are handed to the JVM function."""
    from pyspark.sql import functions as F

    escaped = json_text.contains("\\uD") | json_text.contains("\\ud")
    return F.when(escaped, F.call_function("dap_join_escaped_pairs", json_text)).otherwise(json_text)


def epoch_micros(text: Column, digits: int) -> Column:
    """The microseconds since 1970 that ``text`` writes in units of 10^-``digits`` seconds (6:
    seconds ... -3: nanoseconds), rounded down; NULL for no number or no time in years 1-9999."""
    from pyspark.sql import functions as F

    return F.call_function("dap_epoch_micros", text, F.lit(digits))


def pattern_micros(text: Column, pattern: str) -> Column:
    """The microseconds since 1970 of the time ``text`` writes in the java.time ``pattern`` (UTC
    unless it says otherwise; a date alone at midnight); NULL when it does not fit."""
    from pyspark.sql import functions as F

    return F.call_function("dap_pattern_micros", text, F.lit(pattern))


def check_time_pattern(spark: SparkSession, pattern: str, source: str) -> None:
    """A ``ConfigError`` (exit 2) naming the source unless ``pattern`` is a java.time pattern that
    dates a record (``EventTime.patternProblem``: it reads back a whole date it writes)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    from ingest.errors import ConfigError

    try:
        why = spark._jvm.dap.ingest.EventTime.patternProblem(pattern)  # type: ignore[union-attr]
    except (Py4JJavaError, CapturedException) as exc:  # pyspark converts the JVM's exceptions
        if isinstance(exc, Py4JJavaError):
            why = str(exc.java_exception.getMessage())
        else:  # its text, without the JVM's stack trace pyspark may add
            why = str(exc).split("\n\nJVM stacktrace:", 1)[0]
    if why is not None:
        raise ConfigError(
            f"partition.format {pattern!r} cannot date a record: {why}",
            where=f"source {source}",
            hint="use auto, epoch_s, epoch_ms, epoch_us, epoch_ns or a java.time pattern such as "
            "dd/MM/yyyy HH:mm (letters are pattern symbols; quote literal text: 'T')",
        )


def written_elements(text: Column, array_path: tuple[str, ...]) -> Column:
    """The raw text of each element of the array at ``array_path`` in JSON ``text`` (``()``: the
    text is that array) that holds what the parse loses (``lost_values``), at its index (1-based for
    ``element_at``), NULL at the others; NULL when there is none (``ParseLosses``)."""
    from pyspark.sql import functions as F

    from ingest.transform import path_key

    return F.call_function("dap_written_elements", text.cast("binary"), F.lit(path_key(array_path)))


def build(jars_dir: Path) -> Path:
    """Compile ``ingest/java`` against pyspark's jars into ``jars_dir/JAR`` (``ingest.java_jar``:
    skipped while the sources are unchanged, the same bytes from the same sources)."""
    import pyspark

    jar = jars_dir / JAR
    spark_jars = Path(pyspark.__file__).parent / "jars"
    build_jar(jar, sorted(SOURCES.rglob("*.java")), [spark_jars / "*"], root=SOURCES)
    return jar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile ingest's SQL functions (ingest/java) into a jar.")
    parser.add_argument("--build", type=Path, required=True, metavar="JARS_DIR", help="where the jar goes")
    args = parser.parse_args(argv)
    try:
        jar = build(args.build)
    except StateError as error:
        print(f"jvm functions: {error}", file=sys.stderr)
        return 1
    print(f"jvm functions: {jar}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

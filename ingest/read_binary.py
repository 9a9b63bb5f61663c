"""Read binary device logs (GPMF, ULog) into the JSON record shape, decoding in Spark tasks.

All new files of a source are read in one job (``binaryFile``); a ``flatMap`` hands each
file's bytes to ``ingest.formats.gpmf`` / ``ingest.formats.ulog`` in a Python worker, which
yields one JSON text per sample or message (``mapInArrow`` would need pandas, which the
project does not install). The rows have the JSON reader's shape
(``_source_file``, ``_source_line``, ``_raw``) plus:

- ``_route``: NULL for a record of the source's own table (a GPMF sample, a ULog log); for a
  ULog message, its topic, whose child table it lands in;
- ``_position``: a ULog message's index among its topic's messages in the file;
- ``_decode_error``: for a file that cannot be decoded (corrupt, truncated), the one record it
  yields: the reason; its ``_raw`` names the file's size and first bytes.

``_source_line`` is the 1-based sample number in a GPMF file; ULog messages keep the log's
line (1), so ``_source_file`` + ``_source_line`` lead a topic row to its log as they lead an
exploded element to its parent. Everything after this (inference, flatten, naming, types, DDL,
quarantine, commit, reconciliation) is the JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Literal

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from ingest.read_json import source_file_column
from ingest.read_paths import BY_NAME, LandingDirectories

BinaryFormat = Literal["gpmf", "ulog"]
RECORD_SCHEMA = "_source_file string, _source_line bigint, _position bigint, _route string, _raw string, _decode_error string"


def _json(value: dict[str, Any]) -> str:
    """JSON text; NaN and infinities as Spark's JSON reader writes them (``NaN``, ``Infinity``)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True, default=str)


def decode_file(
    data: bytes, file_format: BinaryFormat, topics: list[str]
) -> Iterator[tuple[int, int | None, str | None, str, str | None]]:
    """(line, position, route, raw JSON, error) per record of one file (plain Python, unit-tested)."""
    from ingest.formats.gpmf import GpmfError, decode_gpmf
    from ingest.formats.ulog import UlogError, decode_ulog

    # A file decodes whole or is one bad record: records are collected before any is yielded, so
    # a corrupt payload after good ones cannot land half a file (the counter says 1 for it).
    records: list[tuple[int, int | None, str | None, str, str | None]]
    try:
        if file_format == "gpmf":
            records = [
                (line, None, None, _json(s), None) for line, s in enumerate(decode_gpmf(data), start=1)
            ]
        else:
            records = [(1, r.position, r.topic, _json(r.data), None) for r in decode_ulog(data, topics)]
    except (GpmfError, UlogError) as exc:
        head = {"file_bytes": len(data), "first_bytes_hex": data[:32].hex()}
        records = [(1, None, None, _json(head), f"{file_format}: {exc}")]
    yield from records


def _decoder(file_format: BinaryFormat, topics: list[str]) -> Callable[[Row], Iterator[tuple[Any, ...]]]:
    def decode(row: Row) -> Iterator[tuple[Any, ...]]:
        for line, position, route, raw, error in decode_file(bytes(row["content"]), file_format, topics):
            yield row["_source_file"], line, position, route, raw, error

    return decode


def read_binary_records(
    spark: SparkSession,
    uris: list[str],
    file_format: BinaryFormat,
    topics: list[str] | None = None,
    directories: LandingDirectories = BY_NAME,
) -> DataFrame:
    """One row per record of ``uris`` (see the module doc), decoded in the executors; ``directories``:
    those the files fill, listed instead of naming their files (``ingest.read_paths``)."""
    read = directories.read(spark.read.format("binaryFile").load, uris)
    files = read.frame.select(source_file_column().alias("_source_file"), "content")
    decoded = files.rdd.flatMap(_decoder(file_format, list(topics or [])))
    return spark.createDataFrame(decoded, RECORD_SCHEMA)


def wrap_by_route(records: DataFrame) -> DataFrame:
    """Routed records with ``_raw`` as ``{"<route>": <raw>}``: one inference finds every topic's schema."""
    key = F.regexp_replace(F.to_json(F.array("_route")), r"^\[|\]$", "")
    return records.withColumn("_raw", F.concat(F.lit("{"), key, F.lit(":"), F.col("_raw"), F.lit("}")))

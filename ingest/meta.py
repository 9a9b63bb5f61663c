"""The ``ingest_meta`` tables: the run log, the file manifest, schema changes, column map, quarantine.

All are Parquet tables in the metastore, appended to with one output file per write (so an append
is a single file rename: atomic on a local disk, a single PUT on S3). Readers dedupe where a crash
can leave a repeated row (see ``ingest.commit``).
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.naming import Path, quote_table

META_DB = "ingest_meta"

S = T.StringType()
L = T.LongType()
TS = T.TimestampType()

SCHEMAS: dict[str, T.StructType] = {
    "runs": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("command", S),
            T.StructField("status", S),  # started | committed | published | aborted | failed | noop
            T.StructField("event_at", TS),
            T.StructField("detail", S),  # JSON: report or error
        ]
    ),
    "files": T.StructType(
        [
            T.StructField("file_uri", S),
            T.StructField("size", L),
            T.StructField("fingerprint", S),
            T.StructField("source", S),
            T.StructField("table_name", S),
            T.StructField("run_id", S),
            T.StructField("rows_read", L),
            T.StructField("rows_written", L),
            T.StructField("rows_quarantined", L),
            T.StructField("status", S),  # ingested | empty
            T.StructField("committed_at", TS),
        ]
    ),
    "schema_changes": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("table_name", S),
            T.StructField("column_name", S),
            T.StructField("data_type", S),
            T.StructField("change", S),  # create_table | add_column
            T.StructField("original_path", S),
            T.StructField("ddl", S),
            T.StructField("source_file", S),
            T.StructField("changed_at", TS),
        ]
    ),
    "column_map": T.StructType(
        [
            T.StructField("table_name", S),
            T.StructField("column_name", S),
            T.StructField("original_path", S),
            T.StructField("path_json", S),  # the key path as a JSON array: exact and reversible
            T.StructField("data_type", S),
            T.StructField("first_run_id", S),
            T.StructField("first_source_file", S),
            T.StructField("first_seen_at", TS),
        ]
    ),
    "quarantine": T.StructType(
        [
            T.StructField("run_id", S),
            T.StructField("source", S),
            T.StructField("table_name", S),
            T.StructField("file_uri", S),
            T.StructField("line", L),
            T.StructField("raw", S),
            T.StructField("reason", S),
            T.StructField("quarantined_at", TS),
        ]
    ),
}

RAW_LIMIT = 8192  # characters of a bad record kept in quarantine


def table(name: str) -> str:
    return f"{META_DB}.{name}"


def ensure_meta_tables(spark: SparkSession) -> None:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {META_DB}")
    for name, schema in SCHEMAS.items():
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)
        spark.sql(f"CREATE TABLE IF NOT EXISTS {quote_table(table(name))} ({columns}) USING parquet")


def append(spark: SparkSession, name: str, rows: list[dict[str, Any]] | DataFrame) -> None:
    """Append rows as one file (a single atomic rename/PUT)."""
    frame = rows if isinstance(rows, DataFrame) else spark.createDataFrame(rows, SCHEMAS[name])
    if isinstance(rows, list) and not rows:
        return
    frame.select(*[F.col(f.name).cast(f.dataType) for f in SCHEMAS[name].fields]).coalesce(
        1
    ).write.insertInto(table(name))


def committed_files(spark: SparkSession) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(table, file_uri) -> (size, fingerprint, run_id) for every committed file.

    Keyed by table too: the same file loaded into a second table is new there.
    """
    rows = (
        spark.table(table("files")).select("table_name", "file_uri", "size", "fingerprint", "run_id").collect()
    )
    return {(r.table_name, r.file_uri): (r.size, r.fingerprint, r.run_id) for r in rows}


def committed_runs(spark: SparkSession) -> set[str]:
    """The commit keys (``<run_id>.<source>``) that have manifest rows, i.e. that committed."""
    rows = spark.table(table("files")).select("run_id", "source").distinct().collect()
    return {f"{r.run_id}.{r.source}" for r in rows}


def column_map(spark: SparkSession, table_name: str) -> dict[Path, str]:
    """original key path -> column, first mapping wins (a crash can repeat a row)."""
    import json

    rows = (
        spark.table(table("column_map"))
        .where(F.col("table_name") == table_name)
        .orderBy("first_seen_at", "column_name")
        .select("path_json", "column_name")
        .collect()
    )
    mapping: dict[Path, str] = {}
    for row in rows:
        path = tuple(json.loads(row.path_json))
        mapping.setdefault(path, row.column_name)
    return mapping


def logged_changes(spark: SparkSession, table_name: str) -> set[tuple[str, str]]:
    rows = (
        spark.table(table("schema_changes"))
        .where(F.col("table_name") == table_name)
        .select("column_name", "change")
        .collect()
    )
    return {(r.column_name, r.change) for r in rows}

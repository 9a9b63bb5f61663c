"""Spark's session catalog backed by Iceberg, with the Hive metastore as the catalog.

``spark_catalog`` becomes Iceberg's ``SparkSessionCatalog``: Iceberg tables and any plain Hive
tables share one metastore and one namespace, so ``raw.camera_events`` means the same table to
ingest, dbt and a JDBC client of the Thrift Server. Iceberg commits swap the table's metadata
pointer in the metastore under a metastore lock; the lock tables (``HIVE_LOCKS``...) are not part
of the schema DataNucleus creates, so :func:`ensure_lock_schema` creates them once with Hive's own
``TxnDbUtil`` on the embedded Derby metastore (the platform creates them in PostgreSQL, see
``platform/dap_platform/postgres.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import SparkSession

from ingest.errors import ConfigError, StateError
from ingest.naming import quote_table
from ingest.settings import required_jar
from ingest.storage import hadoop_conf, jvm

log = logging.getLogger(__name__)

ICEBERG_RUNTIME_JAR = "iceberg-spark-runtime-3.5_2.12-1.10.1.jar"
# Raw tables: format v2 (row-level deletes for rollback of one run), Parquet, zstd files.
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.format.default": "parquet",
    "write.parquet.compression-codec": "zstd",
    # Commits retry on a concurrent writer's commit (appends never conflict with each other).
    "commit.retry.num-retries": "10",
    # Old metadata files are pruned at each commit so a long-lived table's metadata stays small.
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "50",
}
# Full (untruncated) column metrics on the run id, so every file of one run provably holds only
# that run's rows: ``ingest rollback`` can then drop whole files (see ``tables.snapshots``).
RUN_ID_METRICS = "write.metadata.metrics.column.{column}"


def table_properties(*exact_columns: str) -> dict[str, str]:
    """``TABLE_PROPERTIES`` plus full metrics for ``exact_columns``."""
    return {**TABLE_PROPERTIES, **{RUN_ID_METRICS.format(column=c): "full" for c in exact_columns}}


def iceberg_jar(jars_dir: Path) -> Path:
    return required_jar(
        jars_dir,
        ICEBERG_RUNTIME_JAR,
        "the Iceberg runtime jar",
        "run `make jars` (fetches the pinned jars from Maven Central and checks their sums)",
    )


# A dead holder's lock (a killed run, a killed Thrift Server) blocks its table for up to
# LOCK_TIMEOUT_SECONDS plus one housekeeping round. Live holders heartbeat four times within it,
# so a heartbeat delayed by a GC pause or a metastore restart of under 45 s costs nothing.
LOCK_TIMEOUT_SECONDS = 60
LOCK_HEARTBEAT_SECONDS = 15
LOCK_HOUSEKEEPING_SECONDS = 15
# Hive's TxnHandler (the lock tables) retries an operation on a new connection only for the SQL
# errors this names; by default a connection that dies mid-statement (class 08: the socket broke;
# 57P0x: PostgreSQL shut the session down: an administrator, a restart, a failover) fails the
# statement, and a commit lock check that fails fails the commit. Iceberg retries a failed commit
# to an existing table, but a new table's create fails (as TABLE_OR_VIEW_ALREADY_EXISTS).
# TxnHandler matches each pattern against the whole "<message> (SQLState=<state>,
# ErrorCode=<code>)", whose message may span lines (hence (?s)), and splits the list at commas
# not followed by a space. No backslashes: the Thrift Server reads this from a properties file.
LOCK_RETRYABLE_SQL_ERRORS = "(?s).*[(]SQLState=(08|57P0)[0-9A-Z]*, ErrorCode=-?[0-9]+[)]"


def iceberg_spark_conf() -> dict[str, str]:
    """Session-catalog settings (pure)."""
    return {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.spark_catalog": "org.apache.iceberg.spark.SparkSessionCatalog",
        "spark.sql.catalog.spark_catalog.type": "hive",
        # A lock whose holder stopped heartbeating (a killed process) expires after this long:
        # Hive's TxnHandler.performTimeOuts, which only a standalone metastore's housekeeping
        # calls, so every process that embeds the metastore calls it itself (``lock``'s
        # ``start_lock_housekeeping``; the Thrift Server: platform/java MetastoreLockHousekeeper).
        "spark.hadoop.hive.txn.timeout": str(LOCK_TIMEOUT_SECONDS),
        "spark.hadoop.hive.txn.retryable.sqlex.regex": LOCK_RETRYABLE_SQL_ERRORS,
        # Iceberg's Hive commit lock (MetastoreLock) reads these from the Hadoop conf, not from
        # catalog properties (the catalog's ``lock.acquire-timeout-ms`` is for lock-impl catalogs).
        # Heartbeat well within hive.txn.timeout (the default, 4 min, would let a live commit's
        # lock expire); wait for a held lock longer than a dead holder's lock takes to expire.
        "spark.hadoop.iceberg.hive.lock-heartbeat-interval-ms": str(LOCK_HEARTBEAT_SECONDS * 1000),
        "spark.hadoop.iceberg.hive.lock-timeout-ms": str(10 * 60 * 1000),
    }


def ensure_lock_schema(spark: SparkSession) -> None:
    """Create the metastore's lock tables on the embedded Derby metastore (idempotent)."""
    conf = hadoop_conf(spark)
    url = str(conf.get("javax.jdo.option.ConnectionURL") or "")
    if not url.startswith("jdbc:derby:"):
        return  # platform: created with the metastore schema by platformctl
    marker = Path(url.split("databaseName=", 1)[1].split(";", 1)[0]) / "dap_lock_schema"
    if marker.exists():
        return
    hive = jvm(spark).org.apache.hadoop.hive
    hive_conf = hive.conf.HiveConf(conf, hive.conf.HiveConf._java_lang_class)
    try:
        hive.metastore.txn.TxnDbUtil.prepDb(hive_conf)  # one Derby transaction: all or nothing
    except Exception as exc:  # py4j wraps the SQLException
        if "already exists" not in str(exc):
            raise StateError(
                f"could not create the metastore lock tables: {str(exc).splitlines()[0]}",
                where=url,
                hint="check that no other process holds the embedded metastore (one JVM at a time)",
            ) from exc
    marker.write_text("lock tables created by ingest.tables.catalog\n")
    log.info("created the metastore lock tables")


def require_iceberg_table(spark: SparkSession, table: str, *, where: str | None = None) -> None:
    """``table`` exists and is an Iceberg table, else a ConfigError: compaction, snapshots and
    rollback read its Iceberg metadata tables, which a dbt view or a plain Parquet table lacks."""
    hint = "see `ingest status` for the tables ingest writes"
    if not spark.catalog.tableExists(table):
        raise ConfigError(f"table not found: {table}", where=where, hint=hint)
    described = {
        row.col_name: row.data_type
        for row in spark.sql(f"DESCRIBE TABLE EXTENDED {quote_table(table)}").collect()
    }
    provider = (described.get("Provider") or "").strip()
    if provider.lower() != "iceberg":
        kind = "a view" if described.get("Type") == "VIEW" else f"a {provider or 'non-Iceberg'} table"
        raise ConfigError(
            f"{table} is {kind}, not an Iceberg table: it has no snapshots", where=where, hint=hint
        )

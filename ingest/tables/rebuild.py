"""``ingest catalog rebuild``: register every Iceberg table again from storage.

An Iceberg table is fully described by its metadata file in storage; the metastore only points at
the current one. After the metastore database is lost, each ``<warehouse>/<db>.db/<table>/metadata``
folder's newest ``NNNNN-<uuid>.metadata.json`` is registered under ``<db>.<table>``
(Iceberg's ``register_table``). Tables still registered are left alone. A folder whose name
cannot name a database or table (a copy such as ``events-old`` or ``events.bak``) is skipped with
a warning naming it. Views (dbt staging) are not in storage: ``dbt build`` recreates them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pyspark.sql import SparkSession

from ingest.naming import quote_identifier, quote_string
from ingest.storage import Storage

log = logging.getLogger(__name__)
_METADATA = re.compile(r"^(\d+)-[0-9a-f-]+\.metadata\.json$")
# What the Hive metastore holds as a database or table name (it lowercases names, and Spark names
# a table's folder after its name): a folder named otherwise (a copy like `events-old` or
# `events.bak`) is no table of the catalog, and registering it would fail the rebuild part way.
_CATALOG_NAME = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class RegisteredTable:
    table: str
    metadata_file: str
    action: str  # registered | already registered


def latest_metadata(names: list[str]) -> str | None:
    """The newest metadata file name among ``names`` (highest version number)."""
    versions = [(int(m.group(1)), n) for n in names if (m := _METADATA.match(n))]
    return max(versions)[1] if versions else None


def table_identifier(database: str, folder: str) -> str | None:
    """``database``.``folder`` as a quoted Spark identifier, or None when either part cannot name
    a metastore database or table (plain Python, unit-tested)."""
    if not (_CATALOG_NAME.fullmatch(database) and _CATALOG_NAME.fullmatch(folder)):
        return None
    return f"{quote_identifier(database)}.{quote_identifier(folder)}"


def rebuild_catalog(spark: SparkSession, warehouse: str | None = None) -> list[RegisteredTable]:
    storage = Storage(spark)
    root = (warehouse or str(spark.conf.get("spark.sql.warehouse.dir"))).rstrip("/")
    results = []
    for db_dir in storage.list(root):
        if not (db_dir.is_dir and db_dir.name.endswith(".db")):
            continue
        database = db_dir.name[: -len(".db")]
        if not _CATALOG_NAME.fullmatch(database):
            log.warning("skipped %s: %r cannot name a database (only [a-z0-9_])", db_dir.path, database)
            continue
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
        for table_dir in storage.list(db_dir.path):
            metadata = (
                [e.name for e in storage.list(f"{table_dir.path}/metadata")] if table_dir.is_dir else []
            )
            newest = latest_metadata(metadata)
            if newest is None:
                continue
            identifier = table_identifier(database, table_dir.name)
            if identifier is None:
                log.warning(
                    "skipped %s: %r cannot name a table (only [a-z0-9_]); rename the folder to register it",
                    table_dir.path,
                    table_dir.name,
                )
                continue
            table = f"{database}.{table_dir.name}"
            path = f"{table_dir.path}/metadata/{newest}"
            if spark.catalog.tableExists(identifier):
                results.append(RegisteredTable(table, path, "already registered"))
                continue
            spark.sql(
                "CALL spark_catalog.system.register_table("
                f"table => {quote_string(identifier)}, metadata_file => {quote_string(path)})"
            )
            log.info("registered %s from %s", table, path)
            results.append(RegisteredTable(table, path, "registered"))
    return results

"""``ingest catalog rebuild``: register every Iceberg table again from storage.

An Iceberg table is fully described by its metadata file in storage; the metastore only points at
the current one. After the metastore database is lost, each ``<warehouse>/<db>.db/<table>/metadata``
folder's newest ``NNNNN-<uuid>.metadata.json`` is registered under ``<db>.<table>``
(Iceberg's ``register_table``). Tables still registered are left alone. Views (dbt staging) are
not in storage: ``dbt build`` recreates them.
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


@dataclass(frozen=True)
class RegisteredTable:
    table: str
    metadata_file: str
    action: str  # registered | already registered


def latest_metadata(names: list[str]) -> str | None:
    """The newest metadata file name among ``names`` (highest version number)."""
    versions = [(int(m.group(1)), n) for n in names if (m := _METADATA.match(n))]
    return max(versions)[1] if versions else None


def rebuild_catalog(spark: SparkSession, warehouse: str | None = None) -> list[RegisteredTable]:
    storage = Storage(spark)
    root = (warehouse or str(spark.conf.get("spark.sql.warehouse.dir"))).rstrip("/")
    results = []
    for db_dir in storage.list(root):
        if not (db_dir.is_dir and db_dir.name.endswith(".db")):
            continue
        database = db_dir.name[: -len(".db")]
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
        for table_dir in storage.list(db_dir.path):
            metadata = (
                [e.name for e in storage.list(f"{table_dir.path}/metadata")] if table_dir.is_dir else []
            )
            newest = latest_metadata(metadata)
            if newest is None:
                continue
            table = f"{database}.{table_dir.name}"
            path = f"{table_dir.path}/metadata/{newest}"
            if spark.catalog.tableExists(table):
                results.append(RegisteredTable(table, path, "already registered"))
                continue
            spark.sql(
                "CALL spark_catalog.system.register_table("
                f"table => {quote_string(table)}, metadata_file => {quote_string(path)})"
            )
            log.info("registered %s from %s", table, path)
            results.append(RegisteredTable(table, path, "registered"))
    return results

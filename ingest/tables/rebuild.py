"""``ingest catalog rebuild``: register every Iceberg table again from storage.

An Iceberg table is fully described by its metadata file in storage; the metastore only points at
the current one. After the metastore database is lost, each ``<warehouse>/<db>.db/<table>/metadata``
folder's newest ``NNNNN-<uuid>.metadata.json`` is registered under ``<db>.<table>``
(Iceberg's ``register_table``). Tables still registered are left alone. A folder whose name
cannot name a database or table (a copy such as ``events-old`` or ``events.bak``) is skipped with
a warning naming it. A table whose metadata file cannot be read (damaged, not Iceberg metadata) is
skipped with a warning naming the file and the reason, and the scan goes on: one bad table must
not leave the tables after it unregistered. The file is read here before it is registered, so a
``register_table`` that fails after that is the metastore failing or refusing (down, no
permission): a ``StateError`` that stops the rebuild, not a damaged table. Views (dbt staging) are
not in storage: ``dbt build`` recreates them.

A ``--warehouse`` given explicitly must be a directory on a file system Hadoop knows: a typo
would otherwise scan nothing and report "0 table(s) registered" as if the warehouse were empty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from ingest.errors import ConfigError, StateError
from ingest.naming import quote_identifier, quote_string
from ingest.storage import Storage, hadoop_conf, jvm

log = logging.getLogger(__name__)
_METADATA = re.compile(r"^(\d+)-[0-9a-f-]+\.metadata\.json$")
# What the Hive metastore holds as a database or table name (it lowercases names, and Spark names
# a table's folder after its name): a folder named otherwise (a copy like `events-old` or
# `events.bak`) is no table of the catalog, and registering it would fail the rebuild part way.
_CATALOG_NAME = re.compile(r"[a-z0-9_]+")
_WAREHOUSE_HINT = (
    "give the warehouse root that holds the <db>.db folders, e.g. --warehouse /data/warehouse or "
    "--warehouse s3a://bucket/warehouse; leave --warehouse out to scan the configured one"
)
Action = Literal["registered", "already registered", "skipped"]


@dataclass(frozen=True)
class RegisteredTable:
    table: str
    metadata_file: str
    action: Action
    reason: str | None = None  # why a table was skipped (its metadata file could not be read)


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


def check_warehouse_option(warehouse: str | None) -> None:
    """An empty ``--warehouse`` is a mistake (a variable that was not set), not "the default"."""
    if warehouse is not None and not warehouse.strip():
        raise ConfigError("--warehouse: the value is empty", where="--warehouse", hint=_WAREHOUSE_HINT)


def _first_line(exc: Exception) -> str:
    """The Java exception's own message (Py4JJavaError's text is py4j's frame plus the trace)."""
    text = str(exc.java_exception.toString()) if isinstance(exc, Py4JJavaError) else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _unreadable(spark: SparkSession, path: str) -> str | None:
    """Why Iceberg cannot read ``path`` as table metadata, or None when it can (the parser that
    ``register_table`` runs, through the same Hadoop file systems)."""
    iceberg = jvm(spark).org.apache.iceberg
    try:
        iceberg.TableMetadataParser.read(iceberg.hadoop.HadoopFileIO(hadoop_conf(spark)), path)
    except (PySparkException, Py4JJavaError) as exc:  # PySpark converts Java's IllegalArgumentException
        return _first_line(exc)
    return None


@contextmanager
def _metastore(what: str, results: list[RegisteredTable], *, where: str) -> Iterator[None]:
    """A metastore that fails or refuses ``what`` (down, no permission) stops the rebuild as a
    ``StateError`` naming it and the metastore's error, not a traceback or a damaged table (a
    metadata file is read before it is registered: ``_unreadable``)."""
    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        registered = sum(r.action == "registered" for r in results)
        raise StateError(
            f"the metastore failed to {what} ({registered} table(s) registered before): {_first_line(exc)}",
            where=where,
            hint="check that the metastore is up and that this user may create databases and tables "
            "there, then run `ingest catalog rebuild` again (tables already registered are left alone)",
        ) from None


def _check_warehouse(spark: SparkSession, root: str) -> None:
    """``root`` is a directory on a file system Hadoop has (ConfigError naming it otherwise)."""
    path = fs = None
    try:
        path = jvm(spark).org.apache.hadoop.fs.Path(root)
        fs = path.getFileSystem(hadoop_conf(spark))
        is_dir = bool(fs.getFileStatus(path).isDirectory())
    except (Py4JJavaError, PySparkException) as exc:
        java = str(exc.java_exception.getClass().getName()) if isinstance(exc, Py4JJavaError) else ""
        if java == "org.apache.hadoop.fs.UnsupportedFileSystemException":
            what = f"--warehouse: no file system for the scheme {urlsplit(root).scheme!r} of {root!r}"
        elif java == "java.io.FileNotFoundException" and path is not None and fs is not None:
            # a relative path is read from the working directory: say which one
            resolved = "" if path.isAbsolute() else f" (here: {fs.makeQualified(path).toString()})"
            what = f"--warehouse: {root!r}{resolved} does not exist"
        elif path is None:  # Hadoop's Path refused the text (e.g. an invalid URI)
            what = f"--warehouse: {root!r} is not a valid path: {_first_line(exc)}"
        else:
            raise
        raise ConfigError(what, where="--warehouse", hint=_WAREHOUSE_HINT) from None
    if not is_dir:
        raise ConfigError(
            f"--warehouse: {root!r} is a file, not a directory", where="--warehouse", hint=_WAREHOUSE_HINT
        )


def rebuild_catalog(spark: SparkSession, warehouse: str | None = None) -> list[RegisteredTable]:
    check_warehouse_option(warehouse)
    storage = Storage(spark)
    if warehouse is None:
        # The configured warehouse may not exist yet (a new state dir): nothing to register.
        root = str(spark.conf.get("spark.sql.warehouse.dir")).rstrip("/")
    else:
        root = warehouse.rstrip("/") or "/"
        _check_warehouse(spark, root)
    results: list[RegisteredTable] = []
    for db_dir in storage.list(root):
        if not (db_dir.is_dir and db_dir.name.endswith(".db")):
            continue
        database = db_dir.name[: -len(".db")]
        if not _CATALOG_NAME.fullmatch(database):
            log.warning("skipped %s: %r cannot name a database (only [a-z0-9_])", db_dir.path, database)
            continue
        with _metastore(f"create database {database}", results, where=db_dir.path):
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
            with _metastore(f"look up {table}", results, where=path):
                registered_already = spark.catalog.tableExists(identifier)
            if registered_already:
                results.append(RegisteredTable(table, path, "already registered"))
                continue
            reason = _unreadable(spark, path)
            if reason is not None:
                log.warning("skipped %s: its metadata file %s could not be read: %s", table, path, reason)
                results.append(RegisteredTable(table, path, "skipped", reason))
                continue
            with _metastore(f"register {table}", results, where=path):
                spark.sql(
                    "CALL spark_catalog.system.register_table("
                    f"table => {quote_string(identifier)}, metadata_file => {quote_string(path)})"
                )
            log.info("registered %s from %s", table, path)
            results.append(RegisteredTable(table, path, "registered"))
    return results

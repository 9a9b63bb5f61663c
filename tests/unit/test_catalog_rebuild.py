"""``ingest catalog rebuild`` over a warehouse with stray folders, or a metastore that refuses a
table, without Spark: the storage is a local directory, the session records the SQL it is given
and Iceberg's metadata parser (in its JVM) reads every file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from py4j.protocol import Py4JJavaError
from typer.testing import CliRunner

from ingest import cli
from ingest.cli import app
from ingest.storage import Entry
from ingest.tables import rebuild
from ingest.tables.rebuild import RegisteredTable, rebuild_catalog, table_identifier


@pytest.mark.parametrize(
    ("database", "folder", "identifier"),
    [
        ("raw", "camera_events", "`raw`.`camera_events`"),
        ("raw", "2024", "`raw`.`2024`"),  # all digits: an identifier only when quoted
        ("raw", "events-old", None),
        ("raw", "ev.bak", None),
        ("raw", "Events", None),  # the metastore lowercases names: no table has this folder
        ("raw", "ev`x", None),
        ("raw-old", "events", None),
    ],
)
def test_a_folder_names_a_table_only_if_the_metastore_can_hold_the_name(
    database: str, folder: str, identifier: str | None
) -> None:
    assert table_identifier(database, folder) == identifier


class _LocalStorage:
    def __init__(self, _spark: object) -> None:
        pass

    def list(self, path: str) -> list[Entry]:
        root = Path(path)
        if not root.is_dir():
            return []
        return [Entry(str(p), p.name, p.is_dir(), 0) for p in sorted(root.iterdir())]


def _session(warehouse: Path, statements: list[str], sql: Callable[[str], object] | None = None) -> object:
    """A session whose warehouse is ``warehouse``, whose ``sql`` records each statement (then runs
    ``sql``), where no table exists yet and every metadata file reads as Iceberg metadata."""

    def run(text: str) -> None:
        statements.append(text)
        if sql is not None:
            sql(text)

    iceberg = SimpleNamespace(
        TableMetadataParser=SimpleNamespace(read=lambda _io, _path: object()),
        hadoop=SimpleNamespace(HadoopFileIO=lambda _conf: object()),
    )
    return SimpleNamespace(
        conf=SimpleNamespace(get=lambda _key: str(warehouse)),
        sql=run,
        catalog=SimpleNamespace(tableExists=lambda name: statements.append(f"exists? {name}") or False),
        _jvm=SimpleNamespace(org=SimpleNamespace(apache=SimpleNamespace(iceberg=iceberg))),
        _jsc=SimpleNamespace(hadoopConfiguration=lambda: object()),
    )


def _write_tables(warehouse: Path, *tables: str) -> None:
    for table in tables:
        metadata = warehouse / table / "metadata"
        metadata.mkdir(parents=True)
        (metadata / "00001-0a1b.metadata.json").write_text("{}")


def test_stray_folders_are_skipped_with_a_warning_and_the_rest_is_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _write_tables(
        tmp_path, "raw.db/events", "raw.db/events-old", "raw.db/ev.bak", "raw.db/zones", "raw-old.db/events"
    )
    statements: list[str] = []
    spark = _session(tmp_path, statements)
    monkeypatch.setattr(rebuild, "Storage", _LocalStorage)
    with caplog.at_level(logging.WARNING, logger="ingest.tables.rebuild"):
        results = rebuild_catalog(spark)  # type: ignore[arg-type]
    assert results == [
        RegisteredTable(
            "raw.events", f"{tmp_path}/raw.db/events/metadata/00001-0a1b.metadata.json", "registered"
        ),
        RegisteredTable(
            "raw.zones", f"{tmp_path}/raw.db/zones/metadata/00001-0a1b.metadata.json", "registered"
        ),
    ]
    assert statements[:3] == [
        "CREATE DATABASE IF NOT EXISTS `raw`",
        "exists? `raw`.`events`",
        "CALL spark_catalog.system.register_table(table => '`raw`.`events`', "
        f"metadata_file => '{tmp_path}/raw.db/events/metadata/00001-0a1b.metadata.json')",
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"skipped {tmp_path}/raw-old.db: 'raw-old' cannot name a database (only [a-z0-9_])",
        f"skipped {tmp_path}/raw.db/ev.bak: 'ev.bak' cannot name a table (only [a-z0-9_]); rename the folder to register it",
        f"skipped {tmp_path}/raw.db/events-old: 'events-old' cannot name a table (only [a-z0-9_]); rename the folder to register it",
    ]


def test_a_metastore_that_refuses_a_readable_table_fails_the_rebuild_not_as_a_damaged_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a metadata file that cannot be read is a damaged table, skipped (exit 3). Here both
    files read as Iceberg metadata and the metastore fails on the second's ``register_table``:
    bad state (exit 4) naming the metastore, not "could not be read"."""
    _write_tables(tmp_path, "raw.db/events", "raw.db/zones")
    refused = "org.apache.iceberg.hive.RuntimeMetaException: Failed to connect to Hive Metastore"

    def sql(text: str) -> None:
        if text.startswith("CALL") and "zones" in text:
            java_exception = SimpleNamespace(_target_id="o43", toString=lambda: refused)
            raise Py4JJavaError("An error occurred while calling o42.sql.\n", java_exception)

    statements: list[str] = []
    monkeypatch.setattr(cli, "_spark", lambda *_args: _session(tmp_path, statements, sql))
    monkeypatch.setattr(rebuild, "Storage", _LocalStorage)
    result = CliRunner().invoke(app, ["catalog", "rebuild"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 4, result.output
    assert result.stderr.splitlines()[0] == (
        f"error: the metastore failed to register raw.zones (1 table(s) registered before): {refused}"
    )
    assert f"where: {tmp_path}/raw.db/zones/metadata/00001-0a1b.metadata.json" in result.stderr
    assert "could not be read" not in result.output and "Traceback" not in result.output
    assert sum(s.startswith("CALL") for s in statements) == 2


@pytest.mark.parametrize("failing", ["CREATE DATABASE", "exists?"])
def test_a_metastore_that_fails_before_registering_stops_the_rebuild_with_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The database's creation and the table lookup talk to the metastore too: a failure there
    was a Py4J traceback (exit 1)."""
    _write_tables(tmp_path, "raw.db/events")
    down = "org.apache.thrift.transport.TTransportException: java.net.ConnectException: Connection refused"

    def fail(text: str) -> None:
        if text.startswith(failing):
            raise Py4JJavaError(
                "An error occurred while calling o42.sql.\n",
                SimpleNamespace(_target_id="o43", toString=lambda: down),
            )

    statements: list[str] = []
    session = _session(tmp_path, statements, fail)
    exists = session.catalog.tableExists  # type: ignore[attr-defined]

    def looked_up(name: str) -> bool:
        fail(f"exists? {name}")
        return bool(exists(name))

    session.catalog.tableExists = looked_up  # type: ignore[attr-defined]
    monkeypatch.setattr(cli, "_spark", lambda *_args: session)
    monkeypatch.setattr(rebuild, "Storage", _LocalStorage)
    result = CliRunner().invoke(app, ["catalog", "rebuild"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 4, result.output
    what = "create database raw" if failing == "CREATE DATABASE" else "look up raw.events"
    assert (
        result.stderr.splitlines()[0]
        == f"error: the metastore failed to {what} (0 table(s) registered before): {down}"
    )
    assert "Traceback" not in result.output

"""``ingest catalog rebuild`` over a warehouse with stray folders, without Spark: the storage is a
local directory and the session records the SQL it is given."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

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


def test_stray_folders_are_skipped_with_a_warning_and_the_rest_is_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for table in ("raw.db/events", "raw.db/events-old", "raw.db/ev.bak", "raw.db/zones", "raw-old.db/events"):
        metadata = tmp_path / table / "metadata"
        metadata.mkdir(parents=True)
        (metadata / "00001-0a1b.metadata.json").write_text("{}")
    statements: list[str] = []
    spark = SimpleNamespace(
        conf=SimpleNamespace(get=lambda _key: str(tmp_path)),
        sql=statements.append,
        catalog=SimpleNamespace(tableExists=lambda name: statements.append(f"exists? {name}") or False),
    )
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

"""Local files are made with Hadoop's permissions, set without a ``chmod`` process
(``dap.ingest.LocalFileSystemWithoutShell``, ``spark.hadoop.fs.file.impl``), and landing files
with a colon in their name are read like any other."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from ingest import jvm_functions
from ingest.formats.record_count import count_gpmf, count_ulog
from tests.conftest import REALDATA
from tests.spark.helpers import READ_PATHS, ingest, rows, splits_of

pytestmark = pytest.mark.spark
GPMF = REALDATA / "gopro-gpmf" / "samples" / "hero5.raw"
ULOG = REALDATA / "px4-ulog" / "test" / "sample_log_small.ulg"
# Names as devices and exporters write them: a time of day in ISO 8601, a colon alone.
COLON_NAMES = ["events_2026-01-05T10:00:00Z.jsonl", "export 10:30.jsonl", "a:b.jsonl"]


def _file_system(spark: Any, path: Path) -> Any:
    jvm = spark._jvm
    return jvm.org.apache.hadoop.fs.FileSystem.get(
        jvm.java.net.URI(path.as_uri()), spark._jsc.hadoopConfiguration()
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sessions_file_system_is_ours(spark: Any, tmp_path: Path) -> None:
    fs = _file_system(spark, tmp_path)
    assert fs.getClass().getName() == jvm_functions.LOCAL_FILE_SYSTEM
    assert fs.getRawFileSystem().getClass().getName() == jvm_functions.LOCAL_FILE_SYSTEM + "$Raw"


def _make(spark: Any, fs: Any, root: Path) -> dict[str, int]:
    """Files and folders made through ``fs`` under ``root``, and each one's mode."""
    jvm = spark._jvm
    permission = jvm.org.apache.hadoop.fs.permission.FsPermission

    def path(relative: str) -> Any:
        return jvm.org.apache.hadoop.fs.Path((root / relative).as_uri())

    assert fs.mkdirs(path("made/deeper"), permission(0o751))  # and its parent, Hadoop's default
    out = fs.create(path("made/deeper/a.txt"))  # Hadoop's default file mode, and a checksum file
    out.write(b"x")
    out.close()
    out = fs.create(path("made/b.txt"), permission(0o600), False, 4096, 1, 1024, None)
    out.close()
    fs.setPermission(path("made/deeper/a.txt"), permission(0o640))
    assert fs.mkdirs(path("shared"))
    fs.setPermission(path("shared"), permission(0o1777))  # a sticky bit takes Hadoop's own path
    assert fs.mkdirs(path("team"))
    os.chmod(root / "team", 0o2775)  # a team folder: folders made in it inherit set-group-ID
    assert fs.mkdirs(path("team/sub"))
    fs.setPermission(path("team/sub"), permission(0o750))  # chmod keeps that bit on a folder
    return {str(p.relative_to(root)): stat.S_IMODE(os.stat(p).st_mode) for p in sorted(root.rglob("*"))}


def test_files_and_folders_get_the_modes_hadoops_own_file_system_gives(spark: Any, tmp_path: Path) -> None:
    conf = spark._jsc.hadoopConfiguration()
    hadoops = spark._jvm.org.apache.hadoop.fs.LocalFileSystem()  # chmod for each
    hadoops.initialize(spark._jvm.java.net.URI("file:///"), conf)
    expected = _make(spark, hadoops, tmp_path / "hadoop")
    assert expected["shared"] == 0o1777 and expected["made/deeper/a.txt"] == 0o640
    assert expected["team/sub"] == 0o2750
    assert _make(spark, _file_system(spark, tmp_path), tmp_path / "ours") == expected


def test_a_table_written_by_the_session_has_the_usual_modes(spark: Any, tmp_path: Path) -> None:
    """Data, checksum and metadata files readable by all, folders listable: as `chmod` made them."""
    spark.sql("CREATE DATABASE IF NOT EXISTS fs_modes")
    spark.sql("CREATE TABLE fs_modes.t (a bigint) USING iceberg")
    spark.sql("INSERT INTO fs_modes.t VALUES (1)")
    location = spark.sql("DESCRIBE TABLE EXTENDED fs_modes.t").where("col_name = 'Location'").first()
    root = Path(location.data_type.removeprefix("file:"))
    umask = spark._jvm.org.apache.hadoop.fs.permission.FsPermission.getUMask(
        spark._jsc.hadoopConfiguration()
    ).toShort()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files) and any(p.name.endswith(".crc") for p in files)
    assert {_mode(p) for p in files} == {0o666 & ~umask}
    assert {_mode(p) for p in root.rglob("*") if p.is_dir()} == {0o777 & ~umask}
    spark.sql("DROP TABLE fs_modes.t PURGE")


@pytest.mark.parametrize("read_path", list(READ_PATHS))
def test_json_files_with_a_colon_in_their_name_land_every_record(
    spark: Any, landing: Path, read_path: str
) -> None:
    """Hadoop's checksum file name for ``a:b.jsonl`` took ``.a`` for a URI scheme: every such
    file failed its read ("Relative path in absolute URI"), and with it the whole source."""
    day = landing / "colon" / "2026-01-05"
    day.mkdir(parents=True)
    written = {}
    for number, name in enumerate(COLON_NAMES):
        records = [{"id": f"{number}-{i}", "name": name} for i in range(3)]
        (day / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        written.update({(name, line): r for line, r in enumerate(records, start=1)})
    table = f"raw.colon_names_{read_path}"
    with splits_of(spark, READ_PATHS[read_path]):
        report = ingest(spark, landing / "colon", table)
    assert {Path(f.file).name: f.rows_written for f in report.sources[0].files} == dict.fromkeys(
        COLON_NAMES, 3
    )
    landed = {
        (Path(r["_source_file"]).name, r["_source_line"]): {"id": r["id"], "name": r["name"]}
        for r in rows(spark, table)
    }
    assert landed == written


@pytest.mark.realdata(GPMF, ULOG)
def test_csv_gpmf_and_ulog_files_with_a_colon_in_their_name_land_every_record(
    spark: Any, landing: Path
) -> None:
    cells = [["id", "at"], ["1", "2026-01-05T10:00:00Z"], ["2", "2026-01-05T10:30:00Z"]]
    sources = {
        "csv": ("orders_2026-01-05T10:00:00.csv", None),
        "gpmf": ("GX01_10:00:00.raw", GPMF),
        "ulog": ("log_10:00:00.ulg", ULOG),
    }
    for fmt, (name, real) in sources.items():
        day = landing / fmt / "2026-01-05"
        day.mkdir(parents=True)
        if real is None:
            with open(day / name, "w", newline="", encoding="utf-8") as out:
                csv.writer(out).writerows(cells)
        else:
            (day / name).write_bytes(real.read_bytes())

    csv_report = ingest(spark, landing / "csv", "raw.colon_csv", "csv")
    assert [(Path(f.file).name, f.rows_written) for f in csv_report.sources[0].files] == [
        (sources["csv"][0], 2)
    ]
    assert [[str(r["id"]), r["at"]] for r in rows(spark, "raw.colon_csv")] == cells[1:]

    gpmf = ingest(spark, landing / "gpmf", "raw.colon_gpmf", "gpmf")
    expected = count_gpmf(GPMF.read_bytes())
    assert [(Path(f.file).name, f.rows_written) for f in gpmf.sources[0].files] == [
        (sources["gpmf"][0], expected)
    ]

    topics = ["vehicle_status"]
    ulog = ingest(spark, landing / "ulog", "raw.colon_ulog", "ulog", ulog={"topics": topics})
    expected = count_ulog(ULOG.read_bytes(), frozenset(topics))
    assert [(Path(f.file).name, f.rows_written) for f in ulog.sources[0].files] == [
        (sources["ulog"][0], expected)
    ]

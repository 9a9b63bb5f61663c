"""Big, broken and busy files: a JSON-lines file read as a stream across several tasks keeps exact
line numbers; a truncated gzip is quarantined whole while the rest of the batch lands; a file
that is too young, written to while the run reads it, or deleted after discovery, waits for the
next run; a plain file the count (beside Spark's read) cannot read is quarantined whole; a
folder the batch fills is listed once, and a file landing in it meanwhile waits too."""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from ingest.formats.record_count import RawOpener
from ingest.read_paths import LandingDirectories, LandingRead
from tests.spark.helpers import READ_PATHS, ingest, rows, splits_of

pytestmark = pytest.mark.spark


def outcomes(report: pipeline.RunReport) -> dict[str, tuple[int, int, str]]:
    """File name -> (rows written, rows quarantined, status), as the run's report gives them."""
    return {
        Path(f.file).name: (f.rows_written, f.rows_quarantined, f.status) for f in report.sources[0].files
    }


@pytest.fixture
def small_splits(spark: Any) -> Iterator[None]:
    """Splits of 64 KiB, so a file of a few MB is read by many tasks, as a 3 GB file is at 128 MB."""
    with splits_of(spark, 64 * 1024):
        yield


def test_a_json_lines_file_split_across_tasks_keeps_every_record_and_its_line(
    spark: Any, tmp_path: Path, small_splits: None
) -> None:
    landing = tmp_path / "big"
    landing.mkdir()
    expected: dict[int, int] = {}  # line -> n
    bad_lines: list[int] = []
    lines: list[bytes] = [b"\xef\xbb\xbf" + json.dumps({"n": 0, "pad": "x" * 40}).encode()]
    expected[1] = 0
    for n in range(1, 30_000):
        if n % 997 == 0:
            lines.append(b"   ")  # blank lines are skipped but counted
        if n % 4_999 == 0:
            lines.append(b'{"n": broken')
            bad_lines.append(len(lines))
        lines.append(json.dumps({"n": n, "pad": "x" * 40}).encode())
        expected[len(lines)] = n
    (landing / "big.jsonl").write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert spark.read.text(str(landing / "big.jsonl")).rdd.getNumPartitions() > 20  # read by many tasks

    report = ingest(spark, landing, "busy.big")

    (file_report,) = report.sources[0].files
    assert (file_report.rows_written, file_report.rows_quarantined) == (len(expected), len(bad_lines))
    landed = {r["_source_line"]: r["n"] for r in rows(spark, "busy.big")}
    assert landed == expected
    held = spark.sql("select line, raw from ingest_meta.quarantine where table_name = 'busy.big'").collect()
    assert sorted((r.line, r.raw) for r in held) == [(line, '{"n": broken') for line in bad_lines]


def test_a_truncated_gzip_is_quarantined_whole_and_the_rest_of_the_batch_lands(
    spark: Any, tmp_path: Path
) -> None:
    landing = tmp_path / "gz"
    landing.mkdir()
    body = b"".join(b'{"n": %d}\n' % n for n in range(2_000))
    (landing / "good.jsonl.gz").write_bytes(gzip.compress(body))
    (landing / "cut.jsonl.gz").write_bytes(gzip.compress(body)[:-200])
    (landing / "plain.jsonl").write_bytes(b'{"n": -1}\n')

    report = ingest(spark, landing, "busy.gz")

    files = outcomes(report)
    assert files == {
        "good.jsonl.gz": (2_000, 0, "ingested"),
        "plain.jsonl": (1, 0, "ingested"),
        "cut.jsonl.gz": (0, 1, "unreadable"),
    }
    held = spark.sql("select file_uri, line, reason from ingest_meta.quarantine where table_name = 'busy.gz'")
    ((uri, line, reason),) = [tuple(r) for r in held.collect()]
    assert (Path(uri).name, line) == ("cut.jsonl.gz", None)
    assert reason.startswith("cannot read the file to the end: ") and reason.count("cannot read") == 1
    again = ingest(spark, landing, "busy.gz")  # the file is done: not retried on every run
    assert again.sources[0].files == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_files_compressed_other_than_gzip_are_quarantined_whole_saying_so(
    spark: Any, tmp_path: Path, fmt: str
) -> None:
    """Spark's reader picks a codec by the file's name: a .zst file failed the whole source (no
    native zstd), a .bz2 file was read but not counted (the source failed to reconcile), an .xz
    file was read as text (garbage rows), a .GZ file too. Each is now one quarantined record with
    what to do, before Spark's read, and the gzip and plain files beside them land."""
    import bz2
    import lzma

    landing = tmp_path / f"compressed_{fmt}"
    landing.mkdir()
    body = (
        b"".join(b'{"n": %d}\n' % n for n in range(2_000))
        if fmt == "json"
        else b"n\n" + b"".join(b"%d\n" % n for n in range(2_000))
    )
    suffix = "jsonl" if fmt == "json" else "csv"
    (landing / f"good.{suffix}.gz").write_bytes(gzip.compress(body))
    (landing / f"plain.{suffix}").write_bytes(body)
    (landing / f"b.{suffix}.bz2").write_bytes(bz2.compress(body))
    (landing / f"x.{suffix}.xz").write_bytes(lzma.compress(body))
    (landing / f"z.{suffix}.zst").write_bytes(b"\x28\xb5\x2f\xfd" + body)  # a zstd frame's magic
    (landing / f"upper.{suffix}.GZ").write_bytes(gzip.compress(body))
    table = f"busy.compressed_{fmt}"

    report = ingest(spark, landing, table, fmt)

    refused = {
        f"b.{suffix}.bz2": "bzip2 (.bz2)",
        f"x.{suffix}.xz": "xz (.xz)",
        f"z.{suffix}.zst": "zstd (.zst)",
    }
    assert outcomes(report) == {
        f"good.{suffix}.gz": (2_000, 0, "ingested"),
        f"plain.{suffix}": (2_000, 0, "ingested"),
        **dict.fromkeys([*refused, f"upper.{suffix}.GZ"], (0, 1, "unreadable")),
    }
    assert sorted(r["n"] for r in rows(spark, table)) == sorted([*range(2_000), *range(2_000)])
    held = spark.sql(
        f"select file_uri, line, reason from ingest_meta.quarantine where table_name = '{table}'"
    )
    reasons = {Path(r.file_uri).name: (r.line, r.reason) for r in held.collect()}
    assert reasons == {
        **{
            name: (
                None,
                f"compressed as {kind}, which ingest does not read (it reads gzip, .gz): "
                "decompress it, or gzip it, and land it under a new name",
            )
            for name, kind in refused.items()
        },
        f"upper.{suffix}.GZ": (
            None,
            "gzip named .GZ, which Spark's reader does not decompress: land it under a new name ending in .gz",
        ),
    }


def test_a_binary_file_in_a_csv_source_is_quarantined_whole_and_makes_no_columns(
    spark: Any, tmp_path: Path
) -> None:
    """An Excel workbook or random bytes dropped into a CSV landing path: a "header" sniffed from
    binary junk made columns, and its "rows" landed or were quarantined as wrong-width records
    (a ZIP archive was taken for an empty file). Now the file is one quarantined record with a
    reason a user can act on, and the text files beside it land."""
    import random
    import zipfile

    landing = tmp_path / "bin"
    landing.mkdir()
    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook>" + "<sheet/>" * 400 + "</workbook>")
    (landing / "book.csv").write_bytes(workbook.getvalue())
    noise = random.Random(7)
    (landing / "noise.csv").write_bytes(bytes(noise.randrange(256) for _ in range(20_000)))
    (landing / "good.csv").write_bytes(b"id,name\n1,a\x00b\n2,c\n")  # one NUL in a value is still text

    report = ingest(spark, landing, "busy.binary_csv", "csv")

    assert outcomes(report) == {
        "good.csv": (2, 0, "ingested"),
        "book.csv": (0, 1, "unreadable"),
        "noise.csv": (0, 1, "unreadable"),
    }
    assert sorted(r["name"] for r in rows(spark, "busy.binary_csv")) == ["a\x00b", "c"]
    assert [c for c in spark.table("busy.binary_csv").columns if not c.startswith("_")] == [
        "id",
        "name",
        "event_date",
    ]
    held = spark.sql(
        "select file_uri, line, reason from ingest_meta.quarantine where table_name = 'busy.binary_csv'"
    )
    reasons = {Path(r.file_uri).name: (r.line, r.reason) for r in held.collect()}
    assert reasons["book.csv"][0] is None
    assert reasons["book.csv"][1].startswith("not CSV text: a ZIP archive (an .xlsx workbook?); ")
    assert reasons["noise.csv"][1].startswith("not CSV text: binary data; ")


def test_a_file_younger_than_settle_seconds_waits_for_the_next_run(spark: Any, tmp_path: Path) -> None:
    landing = tmp_path / "young"
    landing.mkdir()
    old, young = landing / "old.jsonl", landing / "young.jsonl"
    old.write_text('{"n": 1}\n')
    young.write_text('{"n": 2}\n')
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    first = ingest(spark, landing, "busy.young", settle_seconds=600)
    assert [Path(f.file).name for f in first.sources[0].files] == ["old.jsonl"]
    assert first.sources[0].waiting == [str(young)]
    assert [r["n"] for r in rows(spark, "busy.young")] == [1]

    second = ingest(spark, landing, "busy.young")  # settle_seconds 0: nothing waits
    assert [Path(f.file).name for f in second.sources[0].files] == ["young.jsonl"]
    assert sorted(r["n"] for r in rows(spark, "busy.young")) == [1, 2]


def test_a_file_written_to_during_the_run_waits_and_lands_whole_next_time(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "growing"
    landing.mkdir()
    growing, steady = landing / "growing.jsonl", landing / "steady.jsonl"
    growing.write_text('{"n": 1}\n')
    steady.write_text('{"n": 10}\n')
    read_batch = pipeline.read_batch

    def read_then_append(*args: Any, **kwargs: Any) -> Any:
        batch = read_batch(*args, **kwargs)
        with growing.open("a") as handle:  # the writer goes on after Spark read the file
            handle.write('{"n": 2}\n')
        return batch

    monkeypatch.setattr(pipeline, "read_batch", read_then_append)
    first = ingest(spark, landing, "busy.growing")
    assert [Path(f.file).name for f in first.sources[0].files] == ["steady.jsonl"]
    assert first.sources[0].waiting == [str(growing)]
    assert [r["n"] for r in rows(spark, "busy.growing")] == [10]

    monkeypatch.setattr(pipeline, "read_batch", read_batch)
    ingest(spark, landing, "busy.growing")
    assert sorted(r["n"] for r in rows(spark, "busy.growing")) == [1, 2, 10]


def test_a_batch_of_only_a_truncated_gzip_quarantines_it(spark: Any, tmp_path: Path) -> None:
    landing = tmp_path / "only_cut"
    landing.mkdir()
    (landing / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"n": 1}\n' * 500)[:-20])

    report = ingest(spark, landing, "busy.only_cut")

    assert [(Path(f.file).name, f.status) for f in report.sources[0].files] == [
        ("cut.jsonl.gz", "unreadable")
    ]
    held = spark.sql("select reason from ingest_meta.quarantine where table_name = 'busy.only_cut'").collect()
    assert [r.reason.startswith("cannot read the file to the end") for r in held] == [True]


@pytest.mark.parametrize("split", READ_PATHS.values(), ids=READ_PATHS.keys())
def test_a_directory_the_batch_fills_is_listed_once_and_a_file_landing_in_it_meanwhile_waits(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: int | None
) -> None:
    landing, table = tmp_path / "dirs", f"busy.dirs_{split or 'whole'}"
    days = [landing / "2026-02-01 a+b", landing / "2026-02-02", landing / "2026-02-03"]
    for day, numbers in zip(days, ((1, 2), (3, 4), (6, 7)), strict=True):
        day.mkdir(parents=True)
        for n in numbers:
            (day / f"{n}.jsonl").write_text(f'{{"n": {n}}}\n{{"n": {n * 10}}}\n')
    (days[2] / "6.jsonl").rename(landing / "6.jsonl")  # the third day lands later (below)
    (days[2] / "7.jsonl").rename(landing / "7.jsonl")
    given: list[list[str]] = []  # the paths each read of landing files gave Spark
    real_read = LandingDirectories.read

    def recording(self: LandingDirectories, load: Any, uris: list[str]) -> LandingRead:
        read = real_read(self, load, uris)
        given.append(read.paths)
        return read

    monkeypatch.setattr(LandingDirectories, "read", recording)
    with splits_of(spark, split):
        ingest(spark, landing / "2026-*" / "*.jsonl", table)
    assert given == [[str(days[0]), str(days[1])]]  # two listings, not four files by name
    assert sorted(r["n"] for r in rows(spark, table)) == [1, 2, 3, 4, 10, 20, 30, 40]

    (landing / "6.jsonl").rename(days[2] / "6.jsonl")
    (landing / "7.jsonl").rename(days[2] / "7.jsonl")
    real_read_batch = pipeline.read_batch

    def upload_then_read(*args: Any, **kwargs: Any) -> Any:
        (days[2] / "8.jsonl").write_text('{"n": 8}\n')  # after discovery, before Spark lists
        return real_read_batch(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_batch", upload_then_read)
    given.clear()
    with splits_of(spark, split):
        second = ingest(spark, landing / "2026-*" / "*.jsonl", table)
    # Spark's listing of the third day holds a file this run did not discover: read by name.
    assert given == [[str(days[2] / "6.jsonl"), str(days[2] / "7.jsonl")]]
    assert sorted(Path(f.file).name for f in second.sources[0].files) == ["6.jsonl", "7.jsonl"]

    monkeypatch.setattr(pipeline, "read_batch", real_read_batch)
    with splits_of(spark, split):
        third = ingest(spark, landing / "2026-*" / "*.jsonl", table)
    assert [Path(f.file).name for f in third.sources[0].files] == ["8.jsonl"]
    assert sorted(r["n"] for r in rows(spark, table)) == [1, 2, 3, 4, 6, 7, 8, 10, 20, 30, 40, 60, 70]


def test_a_plain_file_the_count_cannot_read_while_spark_reads_it_is_quarantined_whole_all_the_same(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain file is counted beside Spark's read; one the count cannot read to the end (an I/O
    error here) is left out of a second read and quarantined whole, as a truncated gzip is."""
    landing = tmp_path / "beside"
    landing.mkdir()
    for n in (1, 2, 3):
        (landing / f"{n}.jsonl").write_text(f'{{"n": {n}}}\n{{"n": {n * 10}}}\n')
    real_open = RawOpener.__call__

    class FailingRead(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("Input/output error")

    def failing_on_two(self: RawOpener, uri: str) -> Any:
        return FailingRead() if uri.endswith("2.jsonl") else real_open(self, uri)

    monkeypatch.setattr(RawOpener, "__call__", failing_on_two)
    report = ingest(spark, landing, "busy.beside")

    files = outcomes(report)
    assert files == {
        "1.jsonl": (2, 0, "ingested"),
        "2.jsonl": (0, 1, "unreadable"),
        "3.jsonl": (2, 0, "ingested"),
    }
    assert sorted(r["n"] for r in rows(spark, "busy.beside")) == [1, 3, 10, 30]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_plain_file_gone_before_the_count_and_the_read_waits_while_the_rest_lands(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Deleted after discovery: Spark's read fails on it (a CSV file's head read first) and so
    does the count, so the batch is read without it; the file is gone, so it waits (and the next
    run no longer finds it)."""
    landing = tmp_path / "gone"
    landing.mkdir()
    suffix = "jsonl" if fmt == "json" else "csv"
    for n in (1, 2):
        (landing / f"{n}.{suffix}").write_text(f'{{"n": {n}}}\n' if fmt == "json" else f"n\n{n}\n")
    real_count = pipeline._count_input

    def delete_then_count(source: Any, files: Any, opener: Any = None) -> Any:
        (landing / f"2.{suffix}").unlink(missing_ok=True)  # before the plain files' count and the read
        return real_count(source, files, opener)

    monkeypatch.setattr(pipeline, "_count_input", delete_then_count)
    report = ingest(spark, landing, f"busy.gone_{fmt}", fmt)

    assert [Path(f.file).name for f in report.sources[0].files] == [f"1.{suffix}"]
    assert [Path(uri).name for uri in report.sources[0].waiting] == [f"2.{suffix}"]
    assert [r["n"] for r in rows(spark, f"busy.gone_{fmt}")] == [1]


def test_folders_spark_cannot_read_as_such_are_read_by_name(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "day"
    folder.mkdir()
    uris = [str(folder / "1.jsonl"), str(folder / "2.jsonl")]
    for n, uri in enumerate(uris):
        Path(uri).write_text(f'{{"n": {n}}}\n')

    def load(paths: list[str]) -> Any:  # Spark refuses the folder (here: it is gone by then)
        return spark.read.text([str(tmp_path / "gone")] if paths == [str(folder)] else paths)

    read = LandingDirectories({str(folder): 2}).read(load, uris)
    assert read.paths == uris
    assert sorted(r.value for r in read.frame.collect()) == ['{"n": 0}', '{"n": 1}']

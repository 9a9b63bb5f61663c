"""The benchmark's output layout: Parquet files per ``event_date=`` partition, on disk or on S3."""

from __future__ import annotations

from pathlib import Path

from bench.ingest_bench import file_layout, layout_of

TABLE = "s3a://warehouse/hive/raw.db/bench_w1_0a1b2c3d/data"


def test_files_are_counted_per_partition_from_s3_uris() -> None:
    files = [
        f"{TABLE}/event_date=2026-01-01/00000-1-a.parquet",
        f"{TABLE}/event_date=2026-01-01/00001-2-b.parquet",
        f"{TABLE}/event_date=2026-01-02/00000-3-c.parquet",
    ]
    assert layout_of(files) == (2, 1.5, 2)


def test_an_unpartitioned_output_is_its_file_count() -> None:
    assert layout_of(["out/part-0.parquet", "out/part-1.parquet"]) == (0, 0.0, 2)
    assert layout_of([]) == (0, 0.0, 0)


def test_a_local_output_is_read_the_same_way(tmp_path: Path) -> None:
    for day, names in {"2026-01-01": ["a", "b", "c"], "2026-01-03": ["d"]}.items():
        folder = tmp_path / "data" / f"event_date={day}"
        folder.mkdir(parents=True)
        for name in names:
            (folder / f"{name}.parquet").write_bytes(b"")
        (folder / ".a.parquet.crc").write_bytes(b"")  # not a data file
    assert file_layout(tmp_path / "data") == (2, 2.0, 3)

"""Which JSON files are read whole and which as a stream of lines (``ingest.read_json``)."""

from __future__ import annotations

from ingest.landing import LandingFile
from ingest.read_json import WHOLE_FILE_BYTES, WHOLE_GZIP_BYTES, reads_whole

SPLIT = 128 * 1024 * 1024  # Spark's default spark.sql.files.maxPartitionBytes


def test_small_files_are_read_whole_and_large_ones_as_lines() -> None:
    assert reads_whole(LandingFile("/landing/day/a.jsonl", 1, ""), SPLIT)
    assert reads_whole(LandingFile("/landing/day/a.jsonl", WHOLE_FILE_BYTES, ""), SPLIT)
    assert not reads_whole(LandingFile("/landing/day/a.jsonl", WHOLE_FILE_BYTES + 1, ""), SPLIT)


def test_a_gzipped_file_is_read_whole_only_while_its_text_stays_small() -> None:
    # Its text is decompressed into one string: the bound is on the stored size, and lower.
    assert WHOLE_GZIP_BYTES < WHOLE_FILE_BYTES
    assert reads_whole(LandingFile("s3a://bucket/day/a.jsonl.gz", WHOLE_GZIP_BYTES, ""), SPLIT)
    assert not reads_whole(LandingFile("s3a://bucket/day/a.jsonl.gz", WHOLE_GZIP_BYTES + 1, ""), SPLIT)
    assert reads_whole(LandingFile("/landing/day/a.jsonl", WHOLE_GZIP_BYTES + 1, ""), SPLIT)


def test_a_file_larger_than_a_split_is_read_as_lines_across_tasks() -> None:
    assert reads_whole(LandingFile("/landing/day/a.jsonl", 64 * 1024, ""), 64 * 1024)
    assert not reads_whole(LandingFile("/landing/day/a.jsonl", 64 * 1024 + 1, ""), 64 * 1024)
    assert not reads_whole(LandingFile("/landing/day/a.jsonl.gz", 17, ""), 16)

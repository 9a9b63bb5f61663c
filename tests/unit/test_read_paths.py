"""Which JSON files are read whole and which as a stream of lines (``ingest.read_json``), and
which paths a read gives Spark (``ingest.read_paths``)."""

from __future__ import annotations

from ingest.landing import LandingFile
from ingest.read_json import WHOLE_FILE_BYTES, WHOLE_GZIP_BYTES, reads_whole
from ingest.read_paths import BY_NAME, LandingDirectories, complete_directories, landing_uri

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


# Which paths a read is given (``ingest.read_paths``): a directory the batch fills, else names.


def test_a_directory_is_complete_only_when_every_file_discovered_in_it_is_in_the_batch() -> None:
    discovered = ["/l/a/1.json", "/l/a/2.json", "/l/b/1.json", "/l/b/2.json", "s3a://bk/d/x.json"]
    batch = ["/l/a/1.json", "/l/a/2.json", "/l/b/2.json", "s3a://bk/d/x.json"]  # /l/b/1.json was committed
    assert complete_directories(discovered, batch) == {"/l/a": 2, "s3a://bk/d": 1}


def test_a_read_names_the_directories_it_fills_and_the_other_files() -> None:
    whole = LandingDirectories({"/l/a": 2, "/l/b": 3, "s3a://bk/d": 2, "/l/one": 1})
    uris = ["/l/a/1.json", "/l/a/2.json", "/l/b/1.json", "/l/b/2.json", "/l/one/1.json"]
    uris += ["s3a://bk/d/1.json", "s3a://bk/d/2.json"]
    # /l/b holds a third file this read does not take; one file is named (a listing gains nothing)
    assert whole.paths(uris) == ["/l/a", "s3a://bk/d", "/l/b/1.json", "/l/b/2.json", "/l/one/1.json"]
    assert BY_NAME.paths(uris) == uris


def test_a_directory_holding_another_one_of_the_batch_keeps_its_files_names() -> None:
    # Spark lists a directory recursively: naming /l/a would read /l/a/sub's files twice.
    whole = LandingDirectories({"/l/a": 2, "/l/a/sub": 2})
    uris = ["/l/a/1.json", "/l/a/2.json", "/l/a/sub/1.json", "/l/a/sub/2.json"]
    assert whole.paths(uris) == ["/l/a/sub", "/l/a/1.json", "/l/a/2.json"]


def test_spark_s_listed_uris_read_back_as_discovery_names_them() -> None:
    assert landing_uri("file:///landing/day%201/a+b%25.json") == "/landing/day 1/a+b%.json"
    assert landing_uri("file:/landing/x.json") == "/landing/x.json"
    assert landing_uri("s3a://bucket/day/%C3%A9t%C3%A9.json") == "s3a://bucket/day/été.json"

"""New landing files as a stream: Spark's file source lists them, the batch reader reads them.

Spark's file source remembers in its checkpoint which files it offered in which micro-batch, and
offers each new file once. It is used here for the listing only (``binaryFile`` with the
``content`` column never selected, so it reads no byte); each micro-batch's files then go through
``pipeline.ingest_files``, the reader of a batch run: exact ``_source_line``s, gzip, arrays, CSV
and binary formats, the record count check and the manifest (a file already in the table is not
appended again). Hidden and ``_``-prefixed names and partial downloads (``*.part``) are skipped
as in a batch run.

A file must be complete when it appears (written elsewhere and renamed, or uploaded whole to
S3); ``settle_seconds`` makes a micro-batch wait until its files are that old, and a file that
changes while it is read is read again in the same micro-batch.
"""

from __future__ import annotations

import glob
import logging
import time
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from ingest.config import SourceConfig
from ingest.errors import InputError
from ingest.landing import LandingFile, is_hidden, is_remote, landing_file

log = logging.getLogger(__name__)

# Spark's file source ignores files older than this relative to the newest one it has seen (after
# its first batch); a pulled file can keep an old modification time, so the limit is far away.
MAX_FILE_AGE = "3650d"
LISTING = ("path", "length", "modificationTime")
BINARY_FILE_SCHEMA = "path string, modificationTime timestamp, length bigint, content binary"


def _check_path(pattern: str, *, create: bool) -> None:
    if is_remote(pattern) or glob.has_magic(pattern) or Path(pattern).exists():
        return
    if create:  # a pulled source's landing dir: the first pull creates it
        Path(pattern).mkdir(parents=True, exist_ok=True)
        return
    raise InputError(
        f"landing path does not exist: {pattern}",
        where=pattern,
        hint="check the path (or the source's 'path' in the config); use a directory or a glob",
    )


def file_stream(spark: SparkSession, source: SourceConfig) -> DataFrame:
    """A streaming DataFrame of the source's new files: ``path``, ``length``, ``modificationTime``."""
    frames = []
    for pattern in source.patterns:
        _check_path(pattern, create=source.pull is not None)
        frames.append(
            spark.readStream.format("binaryFile")
            .schema(BINARY_FILE_SCHEMA)  # a streaming source needs it given; the format's own
            .option("recursiveFileLookup", "true")
            .option("maxFilesPerTrigger", str(source.stream.max_files_per_trigger))
            .option("maxFileAge", MAX_FILE_AGE)
            .load(pattern)
            .select(*LISTING)
        )
    return reduce(DataFrame.unionByName, frames)


def _uri(path: str) -> str:
    """Hadoop's ``file:/a/b`` as the local path a batch run records (S3 URIs stay as they are)."""
    if path.startswith("file:"):
        return "/" + path.removeprefix("file:").lstrip("/")
    return path


def batch_files(listing: DataFrame) -> tuple[list[LandingFile], float | None]:
    """The landing files of one micro-batch (sorted by uri), and the oldest one's modification time."""
    files: dict[str, LandingFile] = {}
    oldest: float | None = None
    for row in listing.collect():
        uri = _uri(row["path"])
        if is_hidden(uri):
            continue
        modified = row["modificationTime"].timestamp()
        oldest = modified if oldest is None else min(oldest, modified)
        found = landing_file(uri, row["length"], modified)
        if found is None:
            log.warning("%s was listed but is gone; skipped", uri)
            continue
        files[uri] = found
    return [files[uri] for uri in sorted(files)], oldest


def wait_until_settled(files: list[LandingFile], settle_seconds: float) -> list[LandingFile]:
    """Sleep until every file is ``settle_seconds`` old, then take their identity again."""
    if not files or settle_seconds <= 0:
        return files
    youngest = max(f.modified for f in files)
    delay = youngest + settle_seconds - time.time()
    if delay > 0:
        log.info("waiting %.1f s for files younger than settle_seconds", delay)
        time.sleep(delay)
    return refreshed([f.uri for f in files], files)


def refreshed(uris: list[str], listed: list[LandingFile]) -> list[LandingFile]:
    """Files ``uris`` as they are now (gone ones left out)."""
    by_uri = {f.uri: f for f in listed}
    now = [landing_file(uri, by_uri[uri].size, by_uri[uri].modified) for uri in uris]
    return [f for f in now if f is not None]

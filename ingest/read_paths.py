"""The paths a Spark read of landing files is given: a directory instead of its files' names,
where that reads exactly the same files.

Spark checks and lists every path it is given, one by one, before its first task; a directory
is one listing. 20,000 small files given by name cost 22.7-34.8 s before the first task on the
local platform's S3 (SeaweedFS on loopback; a remote object store is slower per request), and
2.6-5.0 s on a local disk, against 0.6-1.2 s and 0.4-0.7 s for their ten directories, the check
below included (bench/RESULTS.md, session 41).

A directory is read as a directory only when the batch holds every file discovery listed in it
(``complete_directories``), and the read is checked afterwards: the files Spark's listing found
must be exactly the batch's files. Anything else Spark would list there (a file uploaded after
discovery, a file of another source's pattern, a subdirectory, a partial download that
discovery skips) sends the whole read back to the files' names. So this only ever changes how
the files are listed, never which files are read.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import CapturedException
from pyspark.sql import DataFrame

log = logging.getLogger(__name__)


# What Hadoop's globber, which Spark's reader runs on every path it is given that holds one of
# these, takes for a pattern: ``orders[1].csv`` was a pattern matching ``orders1.csv``, so the
# file itself was "not found" and its source failed. A backslash before each makes it literal
# (the globber removes it); Spark reports the file under its own name.
_GLOB_CHARACTERS = re.compile(r"([\\{}\[\]*?])")


def literal(path: str) -> str:
    """``path`` as Spark's reader takes it literally, glob characters escaped."""
    return _GLOB_CHARACTERS.sub(r"\\\1", path)


def parent(uri: str) -> str:
    """The directory of a landing file's URI (a local path or an s3a:// URI)."""
    return uri.rsplit("/", 1)[0]


def landing_uri(spark_uri: str) -> str:
    """A path as Spark lists it (a percent-encoded URI) as discovery names it: the Python
    twin of ``read_json.source_file_column`` ('+' protected before decoding, ``file:`` dropped)."""
    decoded = unquote(spark_uri.replace("+", "%2B"))
    if decoded.startswith("file://"):
        return decoded[len("file://") :]
    return decoded.removeprefix("file:")


def complete_directories(discovered: Iterable[str], batch: Iterable[str]) -> dict[str, int]:
    """Directory -> how many of the batch's files it holds, for the directories whose every
    discovered file is in the batch (none committed before, none still settling)."""
    listed = Counter(parent(uri) for uri in discovered)
    taken = Counter(parent(uri) for uri in batch)
    return {directory: n for directory, n in taken.items() if listed[directory] == n}


@dataclass(frozen=True)
class LandingRead:
    """A Spark read of landing files, and the paths it was given."""

    frame: DataFrame
    paths: list[str]


@dataclass(frozen=True)
class LandingDirectories:
    """The landing directories a batch holds whole: directory -> its number of files."""

    files: Mapping[str, int] = field(default_factory=dict)

    def paths(self, uris: list[str]) -> list[str]:
        """``uris`` with each directory they fill named once instead of file by file. A directory
        that holds another one with files in the batch keeps its files' names (Spark lists a
        directory recursively)."""
        count = Counter(parent(uri) for uri in uris)
        whole = {d for d, n in count.items() if n > 1 and self.files.get(d) == n}
        for child in count:  # a directory above another one is listed recursively: names
            below, above = child, parent(child)
            while whole and above != below:  # up to the root, whose parent is itself
                whole.discard(above)
                below, above = above, parent(above)
        return sorted(whole) + [uri for uri in uris if parent(uri) not in whole]

    def read(self, load: Callable[[list[str]], DataFrame], uris: list[str]) -> LandingRead:
        """``load`` (a Spark read of the given paths) of exactly ``uris``: through their directories
        where ``paths`` names some and Spark's listing of them finds ``uris``, else by name."""
        paths = self.paths(uris)
        batch = set(uris)
        if len(paths) < len(uris):
            try:
                frame = load([literal(path) for path in paths])
                listed = {landing_uri(uri) for uri in _input_files(frame)}
            # Whatever Spark makes of the folders (say, partition folders it cannot reconcile), the
            # names are the way that worked before: a real fault raises again when they are read.
            except (CapturedException, Py4JJavaError) as exc:
                log.info(
                    "reading %d files by name: their directories cannot be read as such (%s)", len(uris), exc
                )
            else:
                if listed == batch:
                    log.debug("reading %d files through %d paths", len(uris), len(paths))
                    return LandingRead(frame, paths)
                log.info(
                    "reading %d files by name: their directories list %d other file(s) and lack %d",
                    len(uris),
                    len(listed - batch),
                    len(batch - listed),
                )
        return LandingRead(load([literal(uri) for uri in uris]), uris)


def _input_files(frame: DataFrame) -> list[str]:
    """``frame.inputFiles()`` in one py4j call: PySpark's own fetches a Java array element by
    element (20,000 files: 1.5 s)."""
    jvm = frame.sparkSession._jvm
    assert jvm is not None
    # Hadoop's join takes the String[] itself (py4j matches no Object[] or varargs parameter).
    joined: str = jvm.org.apache.hadoop.util.StringUtils.join("\n", frame._jdf.inputFiles())
    return joined.split("\n") if joined else []


BY_NAME = LandingDirectories()  # no directory known to be whole: every file by its name

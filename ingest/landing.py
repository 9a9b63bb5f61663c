"""Discover landing files: what exists in the landing zone, with identity for the manifest.

A landing file's identity is (uri, size, fingerprint). The fingerprint is a SHA-256 of the bytes
for local files and the object's ETag on S3 (``ingest.landing_s3``); the manifest
(``ingest_meta.files``) uses it to ingest every file exactly once.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.errors import InputError

log = logging.getLogger(__name__)

_DATE_DIR = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})(?:/|$)")
_CHUNK = 1 << 20
PART_SUFFIX = ".part"  # a download still in progress (ingest.pull.landing_writer)


@dataclass(frozen=True)
class LandingFile:
    """One file in the landing zone."""

    uri: str  # what Spark reads: an absolute local path or an s3a:// URI
    size: int
    fingerprint: str
    modified: float = 0.0  # last modification, seconds since the epoch (S3: LastModified)

    @property
    def landing_date(self) -> date | None:
        """The ``yyyy-mm-dd`` folder the file landed in, if its path has one."""
        match = _DATE_DIR.search(self.uri)
        return date.fromisoformat(match.group(1)) if match else None


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _local_file(absolute: str) -> LandingFile:
    """The file's identity; gone (``FileNotFoundError``) is the caller's to handle, any other
    refusal (permissions, an I/O error) is an ``InputError`` naming the file."""
    try:
        stat = os.stat(absolute)
        return LandingFile(absolute, stat.st_size, sha256_of(absolute), stat.st_mtime)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(
            f"cannot read landing file: {exc.strerror or exc}",
            where=absolute,
            hint="make it readable by the user running ingest, or move it out of the landing path",
        ) from None


def landing_file(uri: str, size: int, modified: float) -> LandingFile | None:
    """The identity of one file as it is now (None when it is gone): a local file by ``stat``
    and SHA-256, an S3 object by its ETag (``size`` and ``modified`` as listed)."""
    if is_remote(uri):
        from ingest.landing_s3 import current_etags

        etag = current_etags([uri]).get(uri)
        return LandingFile(uri, size, etag, modified) if etag else None
    try:
        return _local_file(uri)
    except FileNotFoundError:
        return None


def is_hidden(uri: str) -> bool:
    """A name ingest never lists: hidden, ``_``-prefixed (``_SUCCESS``) or a partial download."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith((".", "_")) or name.endswith(PART_SUFFIX)


def unsettled(files: list[LandingFile], settle_seconds: float, now: float) -> list[LandingFile]:
    """Files modified less than ``settle_seconds`` before ``now``: maybe still being written."""
    return [f for f in files if now - f.modified < settle_seconds]


def changed(files: list[LandingFile]) -> list[str]:
    """URIs of ``files`` whose size or modification time differ now from when they were listed
    (or that are gone): written to while a run read them, so they wait for the next run.

    Local files are compared by ``stat`` (the SHA-256 is not recomputed); S3 objects by listing
    them again (an object is replaced whole, so its ETag changes).
    """
    moved = []
    remote = [f for f in files if is_remote(f.uri)]
    for item in files:
        if is_remote(item.uri):
            continue
        try:
            stat = os.stat(item.uri)
        except FileNotFoundError:
            moved.append(item.uri)
            continue
        if (stat.st_size, stat.st_mtime) != (item.size, item.modified):
            moved.append(item.uri)
    if remote:
        from ingest.landing_s3 import current_etags

        now = current_etags([f.uri for f in remote])
        moved += [f.uri for f in remote if now.get(f.uri) != f.fingerprint]
    return sorted(moved)


def require_local_matches(patterns: list[str]) -> None:
    """Files named on the command line (``ingest load``), checked before Spark starts: a local
    path that does not exist, or a local glob that matches no file, is an ``InputError``. (A
    source's glob in the config may match nothing yet: that is "no new data".) A glob that
    matches only directories says so: a glob names files, a directory's files are matched by
    ``DIR/**``."""
    for pattern in patterns:
        if is_remote(pattern):
            continue
        if not glob.has_magic(pattern):
            try:
                Path(pattern).stat()  # as discovery reads it: "dir/file.json/" is that file
            except (FileNotFoundError, NotADirectoryError):
                raise _missing(pattern) from None
            except OSError:
                pass  # it exists but cannot be read: the listing says why, later
            continue
        matches = glob.glob(pattern, recursive=True)
        if any(os.path.isfile(match) for match in matches):
            continue
        directories = [match for match in matches if os.path.isdir(match)]
        raise InputError(
            f"no file matches {pattern}" + (" (it matches only directories)" if directories else ""),
            where=pattern,
            hint=f"name a directory's files with '{pattern.rstrip('/')}/**', or check the pattern"
            if directories
            else "check the pattern; quote it so that ingest, not the shell, expands it",
        )


def _missing(pattern: str) -> InputError:
    return InputError(
        f"landing path does not exist: {pattern}",
        where=pattern,
        hint="check the path (or the source's 'path' in the config); use a directory or a glob",
    )


def is_remote(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def discover(patterns: list[str], *, missing_ok: bool = False) -> list[LandingFile]:
    """List files matching local paths, directories, globs or S3 prefixes/globs, sorted by URI.

    Several patterns are one listing (``ingest load a.json dir/ 'b/*.csv'``, like ``cp``): a
    file matched by two of them is listed once.

    Raises ``InputError`` when a pattern matches nothing that exists as a directory or file,
    because a typo in a path must not look like "no new data"; unless ``missing_ok`` (the
    landing directory of a pulled source, which the first pull creates).

    Partial downloads of a pull (``*.part``, and everything under ``_pulls/``) are never listed.
    """
    found: dict[str, LandingFile] = {}
    for pattern in patterns:
        try:
            if is_remote(pattern):
                from ingest.landing_s3 import discover_s3

                items = discover_s3(pattern)
            else:
                items = _discover_local(pattern)
        except InputError:
            if missing_ok and (is_remote(pattern) or not os.path.lexists(pattern)):
                continue  # not there yet; one that exists but cannot be read is still an error
            raise
        for item in items:
            found[item.uri] = item
    return [found[uri] for uri in sorted(found)]


# A directory that cannot be listed is an error, not a warning: the files in it would be missed
# without a trace, and a later run (once it is readable) would ingest them late, out of order.
# As for a path that does not exist, "no new data" must not hide a broken landing zone.
# Path.rglob and glob.glob skip such directories silently, so the listing checks them itself.


def _unlistable(directory: str, exc: OSError) -> InputError:
    return InputError(
        f"cannot list landing directory: {exc.strerror or exc}",
        where=directory,
        hint="make it readable and searchable (r-x) by the user running ingest, "
        "or move it out of the landing path",
    )


def _check_listable(directory: str) -> None:
    try:
        with os.scandir(directory):
            pass
    except OSError as exc:
        raise _unlistable(directory, exc) from None


def _skipped_dir(directory: str) -> bool:
    """A directory whose files ingest never lists (``_pulls/``, ``_tmp/``): not checked either."""
    return any(part.startswith("_") for part in Path(directory).parts)


def _walk(root: str) -> list[str]:
    """Every file under ``root`` (symlinked files too, not symlinked directories, as rglob), except
    under ``_``-prefixed directories; a directory that cannot be listed is an ``InputError``."""

    def refuse(exc: OSError) -> None:
        raise _unlistable(exc.filename or root, exc)

    files = []
    for directory, subdirs, names in os.walk(root, onerror=refuse):
        subdirs[:] = [d for d in subdirs if not d.startswith("_")]  # their files are skipped anyway
        files += [p for name in names if os.path.isfile(p := os.path.join(directory, name))]
    return files


def _discover_local(pattern: str) -> list[LandingFile]:
    path = Path(pattern)
    if path.is_file():  # named explicitly (like cp)
        if path.name.startswith((".", "_")):
            # Spark's file index drops such names (metadata such as _SUCCESS, hidden files) even
            # when given one by name: the read would miss the records the count found.
            raise InputError(
                f"cannot read {path.name}: Spark's file reader skips file names that start with '_' or '.'",
                where=os.path.abspath(pattern),
                hint="rename the file (or copy it to a name without the leading '_' or '.'), then run again",
            )
        absolute = os.path.abspath(pattern)
        return [_local_file(absolute)]
    if path.is_dir():
        candidates = _walk(pattern)
    else:
        for directory in glob.glob(os.path.dirname(pattern) or ".", recursive=True):
            if os.path.isdir(directory) and not _skipped_dir(directory):
                _check_listable(directory)
        candidates = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
        if not candidates and not glob.has_magic(pattern):
            raise _missing(pattern)
    files = []
    for candidate in sorted(candidates):
        name = os.path.basename(candidate)
        if name.startswith((".", "_")) or name.endswith(PART_SUFFIX):  # hidden, _SUCCESS, partial
            continue
        if any(
            part.startswith("_")
            for part in Path(candidate).relative_to(path if path.is_dir() else "/").parts[:-1]
        ):
            continue
        files.append(_local_file(os.path.abspath(candidate)))
    log.debug("discovered %d files under %s", len(files), pattern)
    return files

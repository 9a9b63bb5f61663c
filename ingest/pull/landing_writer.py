"""The landing side of a pull: partial files, the pull journal, and the atomic rename.

Where the pull state lives, and why
-----------------------------------
The state is kept **in the landing zone itself**, beside the data it describes, so that a pull
needs no Spark (seconds, not a JVM start; no fight for the embedded Derby metastore with a
running ingest) and so that the record and the file can never disagree:

``<source dir>/_pulls/<tag>.json``   one journal record per landed file (``PullRecord``): remote
                                     path/key/request, size, version (size-mtime or ETag), the
                                     REST cursor after that page, the landed file, the time
``<source dir>/<folder>/<tag>-<name>`` the landed file; ``tag`` hashes the remote identity and
                                     version, so a remote file that changes lands as a new file

Ingest never lists ``_``-prefixed folders (``ingest.landing``), so the journal is invisible to it.

The commit protocol for one file:

1. download into a partial file ``<tag>.part`` (local landing: ``<source dir>/_pulls/parts/``,
   same file system as the target; S3 landing: the local work dir), with ``<tag>.part.json``
   saying which remote version it holds, so a rerun resumes it only if the remote is unchanged;
2. write the journal record (temp file + ``os.replace``, fsynced; on S3 one PUT);
3. rename the partial file to its final name (``os.replace``; on S3 the upload is one object
   PUT, visible only when complete) -- **this is the commit point**.

A journal record counts only while its landed file exists. So a crash

- during 1 leaves a partial file nobody lists; the rerun resumes it (or restarts it when the
  remote changed);
- between 2 and 3 leaves a record without a file: ignored, and the complete partial file is
  renamed by the rerun without downloading a byte again;
- after 3 leaves a committed file: the rerun skips it ("unchanged").

Ingest therefore never sees half a file, and no complete file is downloaded twice. Because the
record is written *before* the rename, a landed file always has its record (with its REST
cursor), which is what makes the REST cursor safe: the cursor that follows a landed page is
never lost. ``ingest_meta.pulls`` is a mirror of the journals (``ingest.pull.mirror``), filled
by ``ingest run`` when Spark is up, and repaired from them like ``ingest_meta.files``.

Concurrent pulls of the same source are serialised by a lock file beside the partial files
(on one machine; for S3 landing, pulls of one source from several machines are not serialised).
Limit: on S3 the journal is read with one GET per record, so a source with very many pulled
files spends a while listing before it pulls.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import posixpath
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.errors import InputError, PullError, StateError
from ingest.landing import PART_SUFFIX

JOURNAL_DIR = "_pulls"


@dataclass(frozen=True)
class PullRecord:
    """One landed file (``ingest_meta.pulls`` has one row per record)."""

    source: str
    kind: str  # rest | ftp | sftp | s3
    tag: str  # hash of the remote identity and version; names the journal record
    remote: str  # remote path or key, or the REST request (URL and query)
    size: int  # bytes landed
    version: str  # size-mtime (FTP, SFTP), etag (S3), page request hash (REST)
    landed: str  # path of the landed file, relative to the source directory
    pulled_at: str  # ISO 8601, UTC
    records: int | None = None  # REST: records in the page
    cursor: str | None = None  # REST: JSON state after this page (see ingest.pull.rest)
    seq: int = 0  # REST: page number over the source's whole history

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PullRecord:
        return cls(**json.loads(text))


def tag_of(*parts: str) -> str:
    """A short, stable hash of the remote identity and version."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def landed_path(remote_rel: str, tag: str, *, folders: str, day: str) -> str:
    """Where a remote file lands, relative to the source directory (file name keeps its extensions)."""
    clean = posixpath.normpath("/" + remote_rel).lstrip("/")
    if clean in ("", ".") or ".." in remote_rel.split("/"):  # "a/../../x" must not leave the source
        raise PullError(
            f"remote path {remote_rel!r} does not name a file under the source",
            where=remote_rel,
            hint="the server listed a name that leaves the source's folder; it is not pulled",
        )
    remote_rel = clean
    directory, name = posixpath.split(remote_rel)
    if folders == "remote":
        return posixpath.join(directory, f"{tag}-{name}")
    flat = remote_rel.strip("/").replace("/", "__")
    return f"{day}/{tag}-{flat}"


@dataclass(frozen=True)
class Part:
    """A partial download: the file, and how many bytes of the wanted remote version it holds."""

    path: Path
    offset: int


class LandingTarget(ABC):
    """One source's landing directory, local or on S3."""

    def __init__(self, source: str, root: str, work_dir: Path) -> None:
        self.source = source
        self.root = root.rstrip("/")
        self.work_dir = work_dir

    # -- what subclasses provide ---------------------------------------------------------------
    @abstractmethod
    def _landed(self) -> set[str]:
        """Every file below the root (relative paths), journal excluded."""

    @abstractmethod
    def _journal(self) -> list[PullRecord]:
        """Every journal record."""

    @abstractmethod
    def _write_record(self, record: PullRecord) -> None: ...

    @abstractmethod
    def _publish(self, part: Path, rel: str) -> None:
        """Make ``part`` the landed file ``rel`` in one atomic step; the part is gone after."""

    @property
    @abstractmethod
    def parts_dir(self) -> Path: ...

    # -- shared --------------------------------------------------------------------------------
    def uri(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def committed(self) -> dict[str, PullRecord]:
        """tag -> record, for every record whose landed file exists (see the module docstring)."""
        landed = self._landed()
        return {r.tag: r for r in self._journal() if r.landed in landed}

    def open_part(self, tag: str, remote: str, version: str, size: int | None = None) -> Part:
        """The partial file for ``tag``: kept if it holds (a prefix of) this remote version, else started anew."""
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        path = self.parts_dir / f"{tag}{PART_SUFFIX}"
        about = path.with_name(path.name + ".json")
        wanted = {"remote": remote, "version": version}
        try:
            same = json.loads(about.read_text(encoding="utf-8")) == wanted
        except (OSError, ValueError):
            same = False
        if same and path.exists() and (size is None or path.stat().st_size <= size):
            return Part(path, path.stat().st_size)
        path.write_bytes(b"")
        _write_atomic(about, json.dumps(wanted).encode("utf-8"))
        return Part(path, 0)

    def commit(self, part: Path, record: PullRecord) -> None:
        """Journal record first, then the atomic rename (the commit point)."""
        with open(part, "rb+") as handle:
            os.fsync(handle.fileno())
        self._write_record(record)
        self._publish(part, record.landed)
        part.with_name(part.name + ".json").unlink(missing_ok=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One pull of a source at a time (on this machine). A landing path that cannot hold a
        directory (it, or a folder above it, is a file) is an InputError for this source."""
        try:
            self.parts_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.parts_dir / ".lock", "w")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise InputError(
                f"source {self.source!r}: cannot use the landing directory {self.root}: "
                f"{exc.strerror or exc} ({exc.filename or self.parts_dir})",
                where=self.root,
                hint="point `landing:` (and the source's `path`) at a directory that can be created "
                "and written, not at a file",
            ) from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StateError(
                    f"another pull of source {self.source!r} is running",
                    where=str(self.parts_dir / ".lock"),
                    hint="wait for it to finish, then pull again",
                ) from None
            yield


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalTarget(LandingTarget):
    """A local landing directory; partial files on the same file system, so the rename is atomic."""

    @property
    def base(self) -> Path:
        return Path(self.root)

    @property
    def parts_dir(self) -> Path:
        return self.base / JOURNAL_DIR / "parts"

    def _landed(self) -> set[str]:
        if not self.base.is_dir():
            return set()
        return {
            p.relative_to(self.base).as_posix()
            for p in self.base.rglob("*")
            if p.is_file() and p.relative_to(self.base).parts[0] != JOURNAL_DIR
        }

    def _journal(self) -> list[PullRecord]:
        folder = self.base / JOURNAL_DIR
        records = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                records.append(PullRecord.from_json(path.read_text(encoding="utf-8")))
            except (ValueError, TypeError) as exc:
                raise StateError(
                    f"pull journal record is unreadable: {exc}",
                    where=str(path),
                    hint="move the file away; the files it describes are then pulled again",
                ) from None
        return records

    def _write_record(self, record: PullRecord) -> None:
        folder = self.base / JOURNAL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(folder / f"{record.tag}.json", record.to_json().encode("utf-8"))

    def _publish(self, part: Path, rel: str) -> None:
        final = self.base / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        _fsync_dir(final.parent)


class S3Target(LandingTarget):
    """An ``s3a://bucket/prefix`` landing directory: each object appears whole when its PUT ends."""

    def __init__(self, source: str, root: str, work_dir: Path, client: Any | None = None) -> None:
        super().__init__(source, root, work_dir)
        from ingest.landing_s3 import S3Pattern, s3_client

        parsed = S3Pattern.parse(self.root)
        self.bucket, self.prefix = parsed.bucket, parsed.prefix
        self._client = client or s3_client()

    @property
    def parts_dir(self) -> Path:
        return self.work_dir / "pulls" / self.source / "parts"

    def uri(self, rel: str) -> str:
        return f"s3a://{self.bucket}/{self.prefix}{rel}"

    def _keys(self) -> list[str]:
        from ingest.landing_s3 import iter_objects

        return [
            str(obj["Key"])[len(self.prefix) :]
            for obj in iter_objects(self._client, self.bucket, self.prefix)
        ]

    def _landed(self) -> set[str]:
        return {k for k in self._keys() if not k.startswith(JOURNAL_DIR + "/")}

    def _journal(self) -> list[PullRecord]:
        keys = [k for k in self._keys() if k.startswith(JOURNAL_DIR + "/") and k.endswith(".json")]
        records = []
        for key in sorted(keys):
            body = self._client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
            records.append(PullRecord.from_json(body.decode("utf-8")))
        return records

    def _write_record(self, record: PullRecord) -> None:
        key = f"{self.prefix}{JOURNAL_DIR}/{record.tag}.json"
        self._client.put_object(Bucket=self.bucket, Key=key, Body=record.to_json().encode("utf-8"))

    def _publish(self, part: Path, rel: str) -> None:
        self._client.upload_file(str(part), self.bucket, self.prefix + rel)
        part.unlink()


def target_for(source: str, root: str, work_dir: Path) -> LandingTarget:
    if root.startswith(("s3://", "s3a://")):
        return S3Target(source, root, work_dir)
    return LocalTarget(source, root, work_dir)

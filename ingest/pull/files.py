"""Pull remote files (FTP, SFTP, S3): only new or changed ones, resuming partial downloads.

A remote file is identified by its path below the pulled directory and its version (size and
mtime on FTP and SFTP, the ETag on S3). ``file_tag`` names its landed file and
its journal record, so "already pulled" is "a committed record with this tag"
(``LandingTarget.committed``), and a changed file gets a new tag and lands as a new file.
"""

from __future__ import annotations

import fnmatch
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO, NamedTuple, Protocol

from ingest.errors import PullError
from ingest.pull.landing_writer import LandingTarget, PullRecord, landed_path, tag_of

log = logging.getLogger(__name__)
# progress(source, message): the CLI prints it
Progress = Callable[[str, str], None]


class RemoteFile(NamedTuple):
    rel: str  # path below the pulled remote directory, with "/"
    size: int
    version: str


class FileRemote(Protocol):
    kind: str

    def list_files(self) -> list[RemoteFile]:
        """Every file below the pulled directory."""
        ...

    def fetch(self, item: RemoteFile, out: BinaryIO, offset: int) -> None:
        """Write the remote bytes from ``offset`` on to ``out``."""
        ...

    def describe(self, rel: str) -> str:
        """The file's remote URL, for messages (no credentials)."""
        ...

    def close(self) -> None: ...


@dataclass
class SourcePull:
    """What one source's pull did."""

    source: str
    kind: str
    status: str = "noop"  # noop | pulled | failed
    files: list[str] = field(default_factory=list)  # landed URIs
    bytes: int = 0  # bytes downloaded by this pull (a resumed file counts its new bytes)
    records: int = 0  # REST records
    skipped: int = 0  # remote files (or pages) already landed and unchanged
    resumed: int = 0  # partial downloads continued
    error: str | None = None
    exit_code: int = 0  # a failed pull's, as its error gives it (3: the landing cannot be written)


def file_tag(item: RemoteFile) -> str:
    """Names a remote file's version: its path below the pulled directory and its version.

    Not the server's address: the same files served on another port (or host name) are the
    same files, and a source's files are kept apart by the source's own landing directory.
    """
    return tag_of(item.rel, item.version)


def now_utc() -> datetime:
    return datetime.now(UTC)


def pull_files(
    remote: FileRemote,
    target: LandingTarget,
    report: SourcePull,
    *,
    include: list[str],
    folders: str,
    progress: Progress,
) -> None:
    """Land every new or changed remote file; ``report`` counts as it goes (a failure keeps what landed)."""
    committed = target.committed()
    wanted = [
        f for f in remote.list_files() if any(fnmatch.fnmatch(posixpath.basename(f.rel), g) for g in include)
    ]
    for item in sorted(wanted):
        tag = file_tag(item)
        if tag in committed:
            report.skipped += 1
            continue
        part = target.open_part(tag, remote.describe(item.rel), item.version, item.size)
        if 0 < part.offset < item.size:
            report.resumed += 1
            progress(target.source, f"resuming {item.rel} at byte {part.offset} of {item.size}")
        if part.offset < item.size:
            with open(part.path, "ab") as out:
                remote.fetch(item, out, part.offset)
        got = part.path.stat().st_size
        if got != item.size:
            raise PullError(
                f"{remote.describe(item.rel)}: got {got} bytes, the listing said {item.size}",
                where=remote.describe(item.rel),
                hint="the remote file changed during the download; pull again",
                retryable=True,
            )
        day = now_utc().date().isoformat()
        record = PullRecord(
            source=target.source,
            kind=remote.kind,
            tag=tag,
            remote=remote.describe(item.rel),
            size=item.size,
            version=item.version,
            landed=landed_path(item.rel, tag, folders=folders, day=day),
            pulled_at=now_utc().isoformat(),
        )
        target.commit(part.path, record)
        report.files.append(target.uri(record.landed))
        report.bytes += item.size - part.offset
        progress(target.source, f"pulled {item.rel} ({item.size} bytes) -> {record.landed}")


def broke_off(where: str, exc: BaseException) -> PullError:
    """A download cut by the network or the server: retryable, and the next pull resumes it."""
    return PullError(
        f"download of {where} broke off: {exc}",
        where=where,
        hint="pull again: the download resumes where it stopped",
        retryable=True,
    )

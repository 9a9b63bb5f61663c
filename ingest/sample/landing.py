"""Landing files as plain data, and writing them byte-deterministically."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.errors import ConfigError


@dataclass(frozen=True)
class LandingFile:
    """One file of the landing zone: `<source>/<yyyy-mm-dd>/<name>[.gz]`.

    `lines` are the physical lines without newline characters, including a CSV header, planted bad
    lines and blank lines. `bad_lines` is how many of them were planted as malformed records.
    """

    source: str
    folder_date: date
    name: str
    lines: tuple[str, ...]
    header_lines: int = 0
    bad_lines: int = 0
    compressed: bool = False

    @property
    def rel_path(self) -> str:
        """Path relative to the landing directory, with `/` separators."""
        suffix = ".gz" if self.compressed else ""
        return f"{self.source}/{self.folder_date.isoformat()}/{self.name}{suffix}"

    @property
    def blank_lines(self) -> int:
        """Whitespace-only lines after the header (ingest skips them; they are not bad)."""
        return sum(1 for line in self.lines[self.header_lines :] if not line.strip())

    @property
    def record_lines(self) -> int:
        """Non-blank lines after the header: valid records plus planted bad lines."""
        return len(self.lines) - self.header_lines - self.blank_lines

    def payload(self) -> bytes:
        """The file's bytes: UTF-8, `\\n` line ends, gzip with mtime 0 and no name when compressed."""
        data = ("\n".join(self.lines) + "\n").encode("utf-8")
        return gzip.compress(data, compresslevel=6, mtime=0) if self.compressed else data


def write_bytes_atomic(path: Path, data: bytes, *, setting: str = "--landing") -> None:
    """Write via a hidden temp file and rename, so a reader never sees a half-written landing file.

    A path that cannot be written (a file where a folder must be, no such file system, no
    permission, a full disk) is a ConfigError naming it and ``setting``, the option that chose it."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the sample file {path}: {exc.strerror or exc}"
            + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(path) else ""),
            where=f"{setting} ({path})",
            hint=f"give {setting} a directory that can be created and written (not a file, not under /proc)",
        ) from None

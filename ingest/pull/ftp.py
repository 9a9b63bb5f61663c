"""FTP (and explicit FTPS) with ftplib: MLSD listing (size + modify time), resumed RETR (``REST``).

The server must list with ``MLSD`` (RFC 3659), which gives each file's size and modification
time in one reply; a file's version is ``<size>-<modify>``.
"""

from __future__ import annotations

import ftplib
import logging
import posixpath
from typing import BinaryIO

from ingest.errors import PullError
from ingest.pull.config import FtpPull, read_secret
from ingest.pull.files import RemoteFile, broke_off

log = logging.getLogger(__name__)
_BLOCK = 1 << 16


class FtpRemote:
    kind = "ftp"

    def __init__(self, source: str, config: FtpPull) -> None:
        self.config = config
        self.base = "/" + config.path.strip("/")
        user = (
            read_secret(source, "username_env", config.username_env) if config.username_env else "anonymous"
        )
        password = read_secret(source, "password_env", config.password_env) if config.password_env else ""
        self.ftp: ftplib.FTP = ftplib.FTP_TLS() if config.tls else ftplib.FTP()
        try:
            self.ftp.connect(config.host, config.port, timeout=config.timeout)
            self.ftp.login(user, password)
            if isinstance(self.ftp, ftplib.FTP_TLS):
                self.ftp.prot_p()
        except ftplib.error_perm as exc:
            raise PullError(
                f"FTP login to {self._server} refused: {exc}",
                where=self._server,
                hint=f"check the user and password in ${config.username_env} / ${config.password_env}",
            ) from None
        except (OSError, ftplib.Error) as exc:
            raise PullError(
                f"cannot connect to {self._server}: {exc}",
                where=self._server,
                hint="check host and port, and that the server is up",
                retryable=True,
            ) from None

    @property
    def _server(self) -> str:
        return f"ftp://{self.config.host}:{self.config.port}"

    def describe(self, rel: str) -> str:
        return f"{self._server}{posixpath.join(self.base, rel)}"

    def list_files(self) -> list[RemoteFile]:
        found: list[RemoteFile] = []
        pending = [""]
        while pending:
            rel_dir = pending.pop()
            try:
                entries = list(
                    self.ftp.mlsd(posixpath.join(self.base, rel_dir), facts=["type", "size", "modify"])
                )
            except ftplib.error_perm as exc:
                raise PullError(
                    f"cannot list {self.describe(rel_dir)}: {exc}",
                    where=self.describe(rel_dir),
                    hint="check the pull's path (the server must support MLSD)",
                ) from None
            for name, facts in entries:
                kind = facts.get("type", "")
                rel = posixpath.join(rel_dir, name)
                if kind == "dir":
                    pending.append(rel)
                elif kind == "file":
                    found.append(
                        RemoteFile(rel, int(facts["size"]), f"{facts['size']}-{facts.get('modify', '')}")
                    )
        return found

    def fetch(self, item: RemoteFile, out: BinaryIO, offset: int) -> None:
        try:
            self.ftp.retrbinary(
                f"RETR {posixpath.join(self.base, item.rel)}",
                out.write,
                blocksize=_BLOCK,
                rest=offset or None,
            )
        except (TimeoutError, OSError, EOFError, ftplib.error_temp, ftplib.error_reply) as exc:
            raise broke_off(self.describe(item.rel), exc) from None

    def close(self) -> None:
        try:
            self.ftp.quit()
        except (OSError, EOFError, ftplib.Error):
            self.ftp.close()

"""SFTP with asyncssh: the server's host key is always checked against a known_hosts file.

A file's version is ``<size>-<mtime>``; a partial download resumes with a seek. asyncssh is
asynchronous; this module runs it on a private event loop so the pull driver stays plain.
"""

from __future__ import annotations

import asyncio
import posixpath
import stat
from typing import Any, BinaryIO

import asyncssh

from ingest.errors import ConfigError, PullError
from ingest.pull.config import SftpPull, read_secret
from ingest.pull.files import RemoteFile, broke_off

_BLOCK = 1 << 16


class SftpRemote:
    kind = "sftp"

    def __init__(self, source: str, config: SftpPull) -> None:
        self.config = config
        self.base = "/" + config.path.strip("/")
        self._loop = asyncio.new_event_loop()
        password = read_secret(source, "password_env", config.password_env) if config.password_env else None
        passphrase = (
            read_secret(source, "passphrase_env", config.passphrase_env) if config.passphrase_env else None
        )
        try:
            self._conn, self._sftp = self._run(self._connect(password, passphrase))
        except BaseException:
            self._loop.close()
            raise

    @property
    def _server(self) -> str:
        return f"sftp://{self.config.username}@{self.config.host}:{self.config.port}"

    def _run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    async def _connect(self, password: str | None, passphrase: str | None) -> tuple[Any, Any]:
        c = self.config
        try:
            conn = await asyncio.wait_for(
                asyncssh.connect(
                    c.host,
                    c.port,
                    username=c.username,
                    password=password,
                    client_keys=[c.key_file] if c.key_file else None,
                    passphrase=passphrase,
                    known_hosts=c.known_hosts,
                    agent_path=None,
                ),
                c.timeout,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise PullError(
                f"host key of {c.host}:{c.port} is not trusted: {exc}",
                where=f"{self._server}, known_hosts {c.known_hosts}",
                hint="add the server's key to the known_hosts file after checking its fingerprint",
            ) from None
        except asyncssh.PermissionDenied:
            raise PullError(
                f"SFTP login as {c.username!r} to {c.host}:{c.port} refused",
                where=self._server,
                hint="check the password (password_env) or key_file",
            ) from None
        except (OSError, TimeoutError, asyncssh.Error) as exc:
            if isinstance(exc, FileNotFoundError):
                raise ConfigError(
                    f"file not found: {exc.filename}",
                    where=f"known_hosts / key_file of {self._server}",
                    hint="point known_hosts (and key_file) at existing files",
                ) from None
            raise PullError(
                f"cannot connect to {self._server}: {exc}",
                where=self._server,
                hint="check host and port, and that the server is up",
                retryable=True,
            ) from None
        return conn, await conn.start_sftp_client()

    def describe(self, rel: str) -> str:
        return f"{self._server}{posixpath.join(self.base, rel)}"

    async def _list(self) -> list[RemoteFile]:
        found: list[RemoteFile] = []
        pending = [""]
        while pending:
            rel_dir = pending.pop()
            for entry in await self._sftp.readdir(posixpath.join(self.base, rel_dir)):
                if entry.filename in (".", ".."):
                    continue
                rel = posixpath.join(rel_dir, entry.filename)
                mode = entry.attrs.permissions or 0
                if stat.S_ISDIR(mode):
                    pending.append(rel)
                elif stat.S_ISREG(mode):
                    size = int(entry.attrs.size or 0)
                    found.append(RemoteFile(rel, size, f"{size}-{int(entry.attrs.mtime or 0)}"))
        return found

    def list_files(self) -> list[RemoteFile]:
        try:
            result: list[RemoteFile] = self._run(self._list())
        except asyncssh.SFTPError as exc:
            raise PullError(
                f"cannot list {self.describe('')}: {exc.reason}",
                where=self.describe(""),
                hint="check the pull's path",
            ) from None
        return result

    async def _fetch(self, item: RemoteFile, out: BinaryIO, offset: int) -> None:
        async with self._sftp.open(posixpath.join(self.base, item.rel), "rb") as handle:
            await handle.seek(offset)
            while chunk := await handle.read(_BLOCK):
                out.write(chunk)

    def fetch(self, item: RemoteFile, out: BinaryIO, offset: int) -> None:
        try:
            self._run(self._fetch(item, out, offset))
        except (OSError, asyncssh.Error) as exc:
            raise broke_off(self.describe(item.rel), exc) from None

    def close(self) -> None:
        try:
            self._conn.close()
            self._run(self._conn.wait_closed())
        finally:
            self._loop.close()

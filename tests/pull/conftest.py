"""Fixtures: real servers on 127.0.0.1 (see ``servers``) and a config writer for pulled sources."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pull.servers import Api, Seaweed, Sftp, start_api, start_ftp, start_seaweed, start_sftp


@pytest.fixture
def api() -> Iterator[Api]:
    handle = Api(records=[{"id": i, "name": f"r{i}"} for i in range(1, 8)])
    server, _ = start_api(handle)
    yield handle
    server.shutdown()
    server.server_close()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """The directory the FTP and SFTP servers serve."""
    root = tmp_path / "remote"
    root.mkdir()
    return root


@pytest.fixture
def ftp(remote: Path) -> Iterator[tuple[int, str]]:
    password = secrets.token_hex(8)
    server = start_ftp(remote, password)
    yield server.port, password
    server.stop()


@pytest.fixture
def sftp(remote: Path, tmp_path: Path) -> Iterator[tuple[Sftp, str]]:
    password = secrets.token_hex(8)
    handle = start_sftp(remote, password, tmp_path)
    yield handle, password
    handle.stop()


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    yield from start_seaweed(tmp_path_factory.mktemp("seaweed"), ["remote", "landing"])


def write_config(path: Path, landing: Path | str, sources: dict[str, dict[str, Any]]) -> Path:
    """An ingest.yml with these sources (each JSON lines into raw.<name> unless it says otherwise)."""
    body = {
        "landing": str(landing),
        "sources": {
            name: {"path": name, "table": f"raw.{name}", "format": "json", **source}
            for name, source in sources.items()
        },
    }
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def landed(landing: Path, source: str) -> list[Path]:
    """The files ingest would see for ``source`` (journal and partial files excluded)."""
    from ingest.landing import discover

    return [Path(f.uri) for f in discover([str(landing / source)], missing_ok=True)]

"""FTP and SFTP pulls against real servers on 127.0.0.1: new or changed files only, resumed downloads."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ingest.config import load_config
from ingest.pull.files import RemoteFile, file_tag
from ingest.pull.landing_writer import LocalTarget
from ingest.pull.runner import pull_sources
from tests.conftest import ingest_cli
from tests.pull.conftest import landed, write_config
from tests.pull.servers import FTP_USER, SFTP_USER, Sftp


def write_remote(remote: Path, rel: str, ids: range) -> Path:
    path = remote / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": i, "pad": "x" * 40}) + "\n" for i in ids))
    return path


def ftp_pull(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "ftp",
        "host": "127.0.0.1",
        "port": port,
        "path": "/exports",
        "include": ["*.jsonl"],
        "username_env": "FTP_USER",
        "password_env": "FTP_PASSWORD",
        **extra,
    }


def sftp_pull(server: Sftp, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "sftp",
        "host": "127.0.0.1",
        "port": server.port,
        "path": "/exports",
        "username": SFTP_USER,
        "known_hosts": str(server.known_hosts),
        "password_env": "SFTP_PASSWORD",
        **extra,
    }


def ids_in(files: list[Path]) -> list[int]:
    return sorted(json.loads(line)["id"] for f in files for line in f.read_text().splitlines())


@pytest.fixture
def secrets_env(ftp: tuple[int, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTP_USER", FTP_USER)
    monkeypatch.setenv("FTP_PASSWORD", ftp[1])


@pytest.mark.usefixtures("secrets_env")
def test_ftp_pulls_new_and_changed_files_once(
    ftp: tuple[int, str], remote: Path, tmp_path: Path, landing: Path
) -> None:
    write_remote(remote, "exports/2026-01-05/a.jsonl", range(0, 10))
    write_remote(remote, "exports/2026-01-06/b.jsonl", range(10, 20))
    write_remote(remote, "exports/notes.txt", range(0, 1))  # not included
    config = write_config(
        tmp_path / "ingest.yml", landing, {"orders": {"pull": ftp_pull(ftp[0], folders="remote")}}
    )
    sources = load_config(config).sources
    state = tmp_path / "state"
    first = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (first.status, len(first.files), first.skipped) == ("pulled", 2, 0)
    files = landed(landing, "orders")
    assert [f.parent.name for f in files] == ["2026-01-05", "2026-01-06"]  # folders: remote keeps the days
    assert ids_in(files) == list(range(20))

    again = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (again.status, again.files, again.skipped, again.bytes) == ("noop", [], 2, 0)

    changed = write_remote(remote, "exports/2026-01-06/b.jsonl", range(10, 25))  # grown: a new version
    os.utime(changed, (2_000_000_000, 2_000_000_000))
    write_remote(remote, "exports/2026-01-07/c.jsonl", range(30, 32))
    third = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (len(third.files), third.skipped) == (2, 1)
    assert len(landed(landing, "orders")) == 4  # the changed file lands as a new file beside the old


@pytest.mark.usefixtures("secrets_env")
def test_ftp_resumes_a_partial_download(
    ftp: tuple[int, str], remote: Path, tmp_path: Path, landing: Path
) -> None:
    data = write_remote(remote, "exports/big.jsonl", range(0, 500)).read_bytes()
    config = write_config(tmp_path / "ingest.yml", landing, {"orders": {"pull": ftp_pull(ftp[0])}})
    sources = load_config(config).sources
    # what a killed pull leaves: the first 1000 bytes in the partial file, with its remote version
    target = LocalTarget("orders", str(landing / "orders"), tmp_path / "state")
    described = f"ftp://127.0.0.1:{ftp[0]}/exports/big.jsonl"
    stamp = next(iter(_mlsd(ftp, "big.jsonl")))
    part = target.open_part(file_tag(RemoteFile("big.jsonl", len(data), stamp)), described, stamp)
    part.path.write_bytes(data[:1000])
    assert landed(landing, "orders") == []  # ingest never lists a partial file

    result = pull_sources(sources, work_dir=tmp_path / "state", progress=lambda *_: None).sources[0]
    assert (result.resumed, result.bytes) == (1, len(data) - 1000)
    [file] = landed(landing, "orders")
    assert file.read_bytes() == data
    assert not list(target.parts_dir.glob("*.part"))


def _mlsd(ftp: tuple[int, str], name: str) -> list[str]:
    import ftplib

    with ftplib.FTP() as client:
        client.connect("127.0.0.1", ftp[0])
        client.login(FTP_USER, ftp[1])
        return [
            f"{f['size']}-{f['modify']}" for n, f in client.mlsd("/exports", ["size", "modify"]) if n == name
        ]


def test_ftp_wrong_password_names_the_server(
    ftp: tuple[int, str], remote: Path, tmp_path: Path, landing: Path
) -> None:
    write_remote(remote, "exports/a.jsonl", range(3))
    config = write_config(tmp_path / "ingest.yml", landing, {"orders": {"pull": ftp_pull(ftp[0])}})
    result = ingest_cli(
        "pull",
        "--config",
        str(config),
        state_dir=tmp_path / "state",
        env={"FTP_USER": FTP_USER, "FTP_PASSWORD": "wrong"},
    )
    assert result.returncode == 1
    assert f"FTP login to ftp://127.0.0.1:{ftp[0]} refused" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_sftp_pulls_resumes_and_checks_the_host_key(
    sftp: tuple[Sftp, str], remote: Path, tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, password = sftp
    monkeypatch.setenv("SFTP_PASSWORD", password)
    data = write_remote(remote, "exports/a.jsonl", range(0, 300)).read_bytes()
    write_remote(remote, "exports/sub/b.jsonl", range(300, 305))
    config = write_config(tmp_path / "ingest.yml", landing, {"devices": {"pull": sftp_pull(server)}})
    sources = load_config(config).sources
    state = tmp_path / "state"

    stat = (remote / "exports/a.jsonl").stat()
    described = f"sftp://{SFTP_USER}@127.0.0.1:{server.port}/exports/a.jsonl"
    version = f"{stat.st_size}-{int(stat.st_mtime)}"
    target = LocalTarget("devices", str(landing / "devices"), state)
    target.open_part(
        file_tag(RemoteFile("a.jsonl", len(data), version)), described, version
    ).path.write_bytes(data[:777])

    result = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (result.status, len(result.files), result.resumed) == ("pulled", 2, 1)
    assert result.bytes == len(data) - 777 + (remote / "exports/sub/b.jsonl").stat().st_size
    assert ids_in(landed(landing, "devices")) == list(range(305))
    assert pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0].skipped == 2

    other = tmp_path / "other_known_hosts"
    import asyncssh

    other.write_text(
        f"[127.0.0.1]:{server.port} {asyncssh.generate_private_key('ssh-ed25519').export_public_key().decode()}"
    )
    bad = write_config(
        tmp_path / "bad.yml", landing, {"devices": {"pull": sftp_pull(server, known_hosts=str(other))}}
    )
    refused = ingest_cli("pull", "--config", str(bad), state_dir=state, env={"SFTP_PASSWORD": password})
    assert refused.returncode == 1
    assert f"host key of 127.0.0.1:{server.port} is not trusted" in refused.stdout


@pytest.mark.parametrize("name", ["../escape.csv", "a/../../escape.csv", "/../x.csv", ".."])
def test_a_remote_name_cannot_leave_the_source_folder(name: str) -> None:
    from ingest.errors import PullError
    from ingest.pull.landing_writer import landed_path

    with pytest.raises(PullError, match="does not name a file under the source"):
        landed_path(name, "t" * 16, folders="remote", day="2026-01-01")
    assert (
        landed_path("a/./b.csv", "t" * 16, folders="remote", day="2026-01-01") == "a/" + "t" * 16 + "-b.csv"
    )

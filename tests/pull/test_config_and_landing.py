"""The pull: block as a user writes it (no servers), and what ingest lists beside a pull's state."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.errors import ConfigError
from ingest.landing import discover
from tests.pull.conftest import write_config


def load(tmp_path: Path, pull: dict[str, object], **source: object) -> object:
    config = write_config(tmp_path / "ingest.yml", tmp_path / "landing", {"ev": {"pull": pull, **source}})
    return load_config(config).sources[0].pull


def error(tmp_path: Path, pull: dict[str, object], **source: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, pull, **source)
    return caught.value.render()


def test_kind_picks_the_model_and_variables_expand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTP_PORT", "2221")
    pull = load(tmp_path, {"kind": "ftp", "host": "127.0.0.1", "port": "${FTP_PORT}", "password_env": "PW"})
    assert type(pull).__name__ == "FtpPull" and pull.port == 2221  # type: ignore[attr-defined]
    monkeypatch.delenv("FTP_PORT")
    pull = load(tmp_path, {"kind": "ftp", "host": "127.0.0.1", "port": "${FTP_PORT:-2121}"})
    assert pull.port == 2121  # type: ignore[attr-defined]


def test_mistakes_name_the_setting(tmp_path: Path) -> None:
    assert "sources.ev.pull: Input tag 'gopher' found using 'kind' does not match" in error(
        tmp_path, {"kind": "gopher"}
    )
    assert "url must start with http:// or https://" in error(tmp_path, {"kind": "rest", "url": "ftp://x"})
    assert "sources.ev.pull.sftp.password: Extra inputs are not permitted" in error(
        tmp_path, {"kind": "sftp", "host": "h", "username": "u", "known_hosts": "k", "password": "p"}
    )
    assert "must name an environment variable" in error(
        tmp_path, {"kind": "rest", "url": "http://x", "auth": {"type": "bearer", "token_env": "abc def"}}
    )
    assert "sources.ev.pull.sftp.known_hosts: Field required" in error(
        tmp_path, {"kind": "sftp", "host": "h", "username": "u"}
    )
    assert "needs one landing directory as its path" in error(
        tmp_path, {"kind": "ftp", "host": "h"}, path="ev/*.json"
    )


def test_ingest_never_lists_partial_files_or_the_journal(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    (root / "2026-01-05").mkdir(parents=True)
    (root / "_pulls" / "parts").mkdir(parents=True)
    (root / "2026-01-05" / "a.jsonl").write_text("{}\n")
    (root / "2026-01-05" / "b.jsonl.part").write_text("{")
    (root / "_pulls" / "abc.json").write_text("{}")
    (root / "_pulls" / "parts" / "abc.part").write_text("{")
    assert [Path(f.uri).name for f in discover([str(root)])] == ["a.jsonl"]
    assert discover([str(tmp_path / "not-yet")], missing_ok=True) == []

"""The collector's pure parts (no broker): body -> events and dead letters, gzip limits, tokens;
and the CLI's errors (exit codes, messages, no traceback)."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.collect.lines import BadGzip, BodyTooLarge, gunzip, split_body
from ingest.collect.tokens import Tokens, load_tokens, parse_env, read_file
from ingest.errors import ConfigError

from .collector_process import ROOT, write_config
from .conftest import free_port

KEYS = ("device_id", "device.serial")


def test_every_non_blank_line_is_an_event_or_a_dead_letter() -> None:
    body = b'\xef\xbb\xbf{"device_id": "d1", "a": 1}\r\n\n  \n{"device": {"serial": 7}}\n[1]\nnull\n{"a":\n\xff\xfe\n{"b": 2}'
    events, dead = split_body(body, KEYS)
    assert [(e.line, e.value, e.key) for e in events] == [
        (1, b'{"device_id": "d1", "a": 1}', b"d1"),
        (4, b'{"device": {"serial": 7}}', b"7"),
        (9, b'{"b": 2}', None),
    ]
    assert [(d.line, d.reason) for d in dead] == [
        (5, "not a JSON object: an array"),
        (6, "not a JSON object: null"),
        (7, "not valid JSON: Expecting value (column 6)"),
        (8, "not UTF-8 text: byte 1 is invalid"),
    ]


def test_a_key_holding_half_a_surrogate_pair_is_still_a_key() -> None:
    """A device id cut in the middle of an emoji failed the whole request (UnicodeEncodeError)."""
    body = b'{"device_id": "d\\ud83d", "a": 1}\n{"device_id": "d\\ud83e"}\n{"device_id": "d1"}\n'
    events, dead = split_body(body, KEYS)
    assert dead == []
    assert [e.line for e in events] == [1, 2, 3]
    assert len({e.key for e in events}) == 3  # two halves, two keys


def test_gunzip_members_limits_and_damage() -> None:
    assert gunzip(gzip.compress(b"a\n") + gzip.compress(b"b\n"), 100) == b"a\nb\n"
    with pytest.raises(BodyTooLarge):
        gunzip(gzip.compress(b"x" * 1000), 999)
    assert gunzip(gzip.compress(b"x" * 1000), 1000) == b"x" * 1000
    with pytest.raises(BadGzip, match="truncated"):
        gunzip(gzip.compress(b"x" * 1000)[:-10], 10_000)
    with pytest.raises(BadGzip, match="not valid gzip"):
        gunzip(b"plain text", 10_000)


def test_tokens_compare_every_fleet_and_only_bearer() -> None:
    tokens = Tokens({"a": "A" * 20, "b": "B" * 20})
    assert tokens.fleet_of("Bearer " + "B" * 20) == "b"
    assert tokens.fleet_of("bearer " + "A" * 20) == "a"
    assert tokens.fleet_of("Bearer " + "A" * 19) is None
    assert tokens.fleet_of("Basic " + "A" * 20) is None
    assert tokens.fleet_of(None) is None
    assert "AAAA" not in repr(tokens)
    assert parse_env("x=" + "t" * 16 + ", y=" + "u" * 16).by_fleet == {"x": "t" * 16, "y": "u" * 16}
    with pytest.raises(ConfigError, match="shorter than 16"):
        parse_env("x=short")


def test_tokens_file_is_generated_private_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAP_COLLECTOR_TOKENS", raising=False)
    path = tmp_path / "collector" / "tokens"
    with pytest.raises(ConfigError, match="does not exist"):
        load_tokens(path)
    tokens, generated = load_tokens(path, generate=True)
    assert generated and list(tokens.by_fleet) == ["default"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_tokens(path, generate=True)[1] is False  # kept, not replaced
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others") as error:
        read_file(path)
    assert tokens.by_fleet["default"] not in str(error.value)
    path.chmod(0o600)
    path.write_text("a " + "x" * 20 + "\nb\n")
    with pytest.raises(ConfigError, match="line 2"):
        read_file(path)


def _collect(tmp_path: Path, config: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DAP_")},
        "DAP_STATE_DIR": str(tmp_path),
        "DAP_KAFKA_PORT": str(free_port()),  # nothing listens there
        "DAP_COLLECTOR_PORT": str(free_port()),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "ingest", "collect", "-c", str(config)],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_errors_are_messages_with_exit_codes(tmp_path: Path) -> None:
    config = write_config(tmp_path / "ingest.yml", ["ev"])
    down = _collect(tmp_path, config)
    assert down.returncode == 5, down.stderr
    assert "did not answer" in down.stderr and "make stream-up" in down.stderr
    tokens = tmp_path / "collector" / "tokens"
    assert tokens.is_file()  # generated before the broker was asked; never printed
    assert tokens.read_text().split()[-1] not in down.stdout + down.stderr
    tokens.chmod(0o644)
    exposed = _collect(tmp_path, config)
    assert exposed.returncode == 2 and "chmod 600" in exposed.stderr
    tokens.chmod(0o600)
    csv_only = write_config(tmp_path / "csv.yml", [], ("c",))
    assert _collect(tmp_path, csv_only).returncode == 2
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = _collect(tmp_path, config, DAP_COLLECTOR_PORT=str(taken.getsockname()[1]))
    assert (
        busy.returncode == 5 and "cannot listen" in busy.stderr and "stop what uses that port" in busy.stderr
    )
    for host in ("256.1.1.1", "192.0.2.1"):  # no address at all; an address this machine lacks
        elsewhere = _collect(tmp_path, config, DAP_COLLECTOR_HOST=host)
        assert elsewhere.returncode == 2, elsewhere.stderr
        assert (
            f"cannot listen on '{host}'" in elsewhere.stderr
            and "an address of this machine" in elsewhere.stderr
        )
        assert "Traceback" not in elsewhere.stderr
    for result in (down, exposed, busy):
        assert "Traceback" not in result.stderr

"""What platformctl says when a command or a setting is wrong: one message and the documented exit
code, not a traceback (``exec``'s command: 127/126 as env(1); a ``DAP_*`` setting: 2). No platform
service is started, no SQL reaches PostgreSQL; secrets are stand-ins."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit.platformctl_under_test import load_platformctl, refuse


@pytest.fixture
def platformctl(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    """platform/platformctl.py, with an empty PATH and everything that would start or install refused."""
    for name in list(os.environ):
        if name.startswith("DAP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DAP_PLATFORM_DIR", str(tmp_path / "platform"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    module = load_platformctl(monkeypatch)
    monkeypatch.setattr(module, "sql_password", lambda _layout, _user: "not-a-secret")
    return module


def test_a_command_that_is_not_found_exits_127_with_what_to_do(
    platformctl: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="platformctl"):
        assert platformctl.main(["exec", "--", "dbtt", "build"]) == 127
    assert "exec: command not found: dbtt" in caplog.text
    assert f"where: PATH={tmp_path / 'bin'}" in caplog.text
    assert "what to do: check its spelling, e.g. platformctl exec -- dbt build --target thrift" in caplog.text
    assert "Traceback" not in caplog.text and "not-a-secret" not in caplog.text


def test_a_command_that_cannot_run_exits_126(
    platformctl: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    program = tmp_path / "bin" / "dbt"
    program.write_text("")  # no execute bit: execve refuses it, even to root
    program.chmod(0o644)
    with caplog.at_level(logging.ERROR, logger="platformctl"):
        assert platformctl.main(["exec", "--", "dbt", "build"]) == 126
    assert "exec: cannot run dbt: Permission denied" in caplog.text


@pytest.mark.parametrize("verb", ["start", "stop", "kill", "restart"])
def test_a_service_name_that_is_not_one_is_a_usage_error_listing_the_names(
    platformctl: ModuleType, caplog: pytest.LogCaptureFixture, verb: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="platformctl"):
        assert platformctl.main([verb, "thirft"]) == 2
    assert "no such service: 'thirft' (did you mean 'thrift'?)" in caplog.text
    assert "where: SERVICE argument" in caplog.text
    assert (
        "what to do: name one of: postgres, seaweedfs, spark-master, spark-worker-1, spark-worker-2, "
        "thrift, kafka"
    ) in caplog.text
    assert "Traceback" not in caplog.text


# -- DAP_METASTORE_USER: the local metastore's PostgreSQL role ------------------------------------


@pytest.mark.parametrize("user", ["Hive", "1hive", "hive-ro", " hive", "h" * 64])
def test_a_metastore_role_postgresql_would_fold_or_refuse_is_named_before_anything_starts(
    platformctl: ModuleType, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, user: str
) -> None:
    monkeypatch.setenv("DAP_METASTORE_USER", user)
    monkeypatch.setattr(platformctl.Postgres, "start", refuse)
    with caplog.at_level(logging.ERROR, logger="platformctl"):
        assert platformctl.main(["up"]) == 2
    assert (
        f"environment variable DAP_METASTORE_USER={user!r} is not valid; allowed: a PostgreSQL role "
        "name: a lowercase letter or '_', then up to 62 of [a-z0-9_] (default 'hive')"
    ) in caplog.text
    assert "where: environment variable DAP_METASTORE_USER" in caplog.text


def test_the_metastore_role_is_quoted_in_sql_so_a_keyword_is_a_role_name(
    platformctl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []

    def psql(_self: object, sql: str, database: str = "postgres") -> str:
        statements.append(sql)
        return "1" if "information_schema" in sql else ""  # schema and lock tables exist already

    monkeypatch.setattr(platformctl.Postgres, "psql", psql)
    platformctl.Platform().postgres.ensure_metastore("user", "not-a-secret")
    role, database = statements[0], statements[2]
    assert "WHERE rolname = 'user') THEN CREATE ROLE \"user\" LOGIN;" in role
    assert 'ALTER ROLE "user" LOGIN PASSWORD \'SCRAM-SHA-256$' in role
    assert database == "CREATE DATABASE metastore OWNER \"user\" ENCODING 'UTF8';"

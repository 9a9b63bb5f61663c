"""What a user sees when a setting of the real-time path or the platform is wrong: one paragraph
(what, where, what to do) and the documented exit code, never a traceback. No broker, collector,
platform service or Spark is started: each error is raised before any of them would be.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import NoReturn

import pytest
from typer.testing import CliRunner, Result

from ingest.broker import topics
from ingest.cli import app
from ingest.collect.tokens import load_tokens, read_file
from ingest.errors import ConfigError
from tests.conftest import ROOT
from tests.unit.platformctl_under_test import load_platformctl

TERMINAL = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DAP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAP_STATE_DIR", str(tmp_path / "state"))


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={**TERMINAL, **(env or {})})


def json_config(tmp_path: Path, source: str = "cam") -> Path:
    path = tmp_path / "ingest.yml"
    path.write_text(f"landing: {tmp_path}\nsources:\n  {source}: {{table: raw.cam, format: json}}\n")
    return path


# -- ingest collect: its port -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["70000", "0", "http"])
def test_collector_port_from_the_environment_out_of_range(tmp_path: Path, value: str) -> None:
    result = invoke("collect", "-c", str(json_config(tmp_path)), env={"DAP_COLLECTOR_PORT": value})
    assert result.exit_code == 2, result.output
    assert (
        f"error: environment variable DAP_COLLECTOR_PORT={value!r} is not valid; allowed: a whole number "
        "from 1 to 65535 (default 8090)"
    ) in result.stderr
    assert "where: environment variable DAP_COLLECTOR_PORT" in result.stderr
    assert "what to do: set DAP_COLLECTOR_PORT to one of the allowed values" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("value", "bound"), [("70000", "less than or equal to 65535"), ("0", "greater")])
def test_collector_port_option_out_of_range(tmp_path: Path, value: str, bound: str) -> None:
    result = invoke("collect", "-c", str(json_config(tmp_path)), "--port", value)
    assert result.exit_code == 2
    assert f"Invalid value for '--port': Input should be {bound}" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["DAP_KAFKA_PORT", "DAP_KAFKA_CONTROLLER_PORT"])
def test_broker_port_out_of_range_names_the_variable(name: str) -> None:
    result = invoke("broker", "status", env={name: "99999"})
    assert result.exit_code == 2
    assert (
        f"error: environment variable {name}='99999' is not valid; allowed: a whole number from 1 to 65535"
    ) in result.stderr
    assert f"where: environment variable {name}" in result.stderr


# -- the platform's DAP_* settings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("DAP_PG_PORT", "5432x", "a whole number from 1 to 65535 (default 15432)"),
        ("DAP_S3_PORT", "70000", "a whole number from 1 to 65535 (default 8333)"),
        ("DAP_THRIFT_PORT", "ten", "a whole number from 1 to 65535 (default 10000)"),
        ("DAP_SPARK_MASTER_PORT", "7077.0", "a whole number from 1 to 65535 (default 7077)"),
        ("DAP_SPARK_UI_PORT", "-1", "a whole number from 1 to 65535 (default 8180)"),
        ("DAP_SPARK_WORKERS", "two", "a whole number >= 1 (default 2)"),
        ("DAP_SPARK_WORKER_CORES", "0", "a whole number >= 1 (default 4)"),
        (
            "DAP_SPARK_WORKER_MEMORY",
            "2 GB",
            "a number with a unit k, m, g or t, e.g. 512m or 4g (default 4g)",
        ),
    ],
)
def test_platformctl_names_a_bad_setting_instead_of_a_traceback(name: str, value: str, allowed: str) -> None:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "platform" / "platformctl.py"), "status"],
        env={**inherited, "DAP_STATE_DIR": os.environ["DAP_STATE_DIR"], name: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert f"environment variable {name}={value!r} is not valid; allowed: {allowed}" in result.stderr
    assert f"where: environment variable {name}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def _platform_status(**env: str) -> subprocess.CompletedProcess[str]:
    """``ingest status`` on the platform profile in a fresh process, this test's state dir."""
    return subprocess.run(
        [sys.executable, "-m", "ingest", "status"],
        env={**os.environ, **TERMINAL, "DAP_PROFILE": "platform", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_platform_run_without_the_metastore_password_says_where_the_secrets_were_looked_for(
    tmp_path: Path,
) -> None:
    """A state dir whose platform dir is not the running platform's (the platform's secrets are
    not there): one paragraph before any JVM starts, not Hive's retries and stack traces."""
    result = _platform_status()
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith("error: no password for the metastore database"), result.stderr[-3000:]
    assert str(tmp_path / "state" / "platform" / "secrets.env") in result.stderr
    assert "DAP_PLATFORM_DIR" in result.stderr and "make platform-up" in result.stderr
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nothing listens


@pytest.mark.parametrize("down", ["metastore database", "Spark master"])
def test_a_platform_run_whose_services_are_down_says_so_before_the_jvm_starts(
    tmp_path: Path, down: str
) -> None:
    """A stopped platform: exit 5 at once, not a minute of Hive retries and a Py4J stack trace."""
    listening = socket.socket()  # the service that is up, when the other one is the one down
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    up = listening.getsockname()[1]
    metastore = _closed_port() if down == "metastore database" else up
    master = _closed_port() if down == "Spark master" else up
    with listening:
        result = _platform_status(
            DAP_METASTORE_PASSWORD="not-used",
            DAP_METASTORE_JDBC_URL=f"jdbc:postgresql://127.0.0.1:{metastore}/metastore",
            DAP_SPARK_MASTER=f"spark://127.0.0.1:{master}",
        )
    assert result.returncode == 5, result.stderr[-3000:]
    port = metastore if down == "metastore database" else master
    assert result.stderr.startswith(f"error: the {down} is not reachable at "), result.stderr[-3000:]
    assert f"127.0.0.1:{port}" in result.stderr
    assert "make platform-" in result.stderr
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DAP_SPARK_CORES_MAX", "all"), ("DAP_EXECUTOR_CORES", "1.5"), ("DAP_EXECUTOR_MEMORY", "1 gig")],
)
def test_cluster_settings_are_checked_before_spark_starts(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    from ingest.platform_conf import platform_spark_conf
    from ingest.settings import load_settings

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        platform_spark_conf(load_settings(profile="platform", spark_master="spark://127.0.0.1:7077"))
    assert info.value.exit_code == 2
    assert info.value.where == f"environment variable {name}"


@pytest.mark.parametrize("name", ["DAP_S3_PATH_STYLE", "DAP_S3_PRUNE_EMPTY_FOLDERS"])
@pytest.mark.parametrize("value", ["ture", "2", "enabled"])
def test_a_yes_no_setting_that_is_neither_lists_the_allowed_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    from ingest.platform_conf import load_platform_config

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_platform_config()
    assert info.value.exit_code == 2
    assert info.value.what == (
        f"environment variable {name}={value!r} is not valid; "
        "allowed: true or false (or 1/0, yes/no, on/off; default true)"
    )
    assert info.value.where == f"environment variable {name}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), (" on ", True)]
    + [("false", False), ("False", False), ("0", False), ("no", False), ("off", False)],
)
def test_yes_no_settings_take_the_spellings_they_always_took(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    from ingest.platform_conf import load_platform_config

    monkeypatch.setenv("DAP_S3_PATH_STYLE", value)
    monkeypatch.setenv("DAP_S3_PRUNE_EMPTY_FOLDERS", value)
    config = load_platform_config()
    assert (config.s3_path_style, config.prune_empty_folders) == (expected, expected)


# -- ingest collect: the tokens file ------------------------------------------------------------


def test_tokens_file_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_bytes(b"# fleets\ndefault caf\xe9-0123456789abcdef\n")
    tokens.chmod(0o600)
    result = invoke(
        "collect", "-c", str(json_config(tmp_path)), env={"DAP_COLLECTOR_TOKENS_FILE": str(tokens)}
    )
    assert result.exit_code == 2, result.output
    assert "error: the tokens file is not UTF-8 text (byte 21: invalid continuation byte)" in result.stderr
    assert f"where: {tokens}, line 2" in result.stderr
    assert "what to do: write it as UTF-8 '<fleet> <token>' lines" in result.stderr
    assert "Traceback" not in result.output


def test_tokens_file_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.mkdir(mode=0o700)
    with pytest.raises(ConfigError) as info:
        read_file(tokens)
    assert info.value.what == "cannot read the tokens file: Is a directory"
    assert info.value.where == str(tokens)


def test_tokens_file_generated_by_two_processes_at_once_is_one_file_with_one_token(tmp_path: Path) -> None:
    path = tmp_path / "collector" / "tokens"
    results: list[tuple[dict[str, str], bool]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def collector() -> None:
        start.wait()
        try:
            found, generated = load_tokens(path, generate=True)
            results.append((found.by_fleet, generated))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=collector) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(generated for _tokens, generated in results) == 1  # one wrote it, the others read it
    assert len({tuple(found.items()) for found, _generated in results}) == 1  # the same token for all
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens"]  # no temporary file left


def test_tokens_file_that_exists_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    first, generated = load_tokens(path, generate=True)
    assert generated
    again, generated = load_tokens(path, generate=True)
    assert not generated and again.by_fleet == first.by_fleet


# -- platformctl up: the config is checked before any service starts ----------------------------


def test_platformctl_up_names_a_source_whose_name_cannot_name_a_topic(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = json_config(tmp_path, source="cam.v2")
    monkeypatch.setenv("DAP_CONFIG", str(config))
    monkeypatch.setenv("DAP_PLATFORM_DIR", str(tmp_path / "platform"))
    platformctl = load_platformctl(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="platformctl"):
        assert platformctl.main(["up"]) == 2
    assert (
        "invalid config: sources.cam.v2.name: source name must be 1-200 of [A-Za-z0-9_-] (letters, digits, "
        "'_', '-'; no '.'); rename the source, got 'cam.v2'"
    ) in caplog.text
    assert f"where: {config}" in caplog.text


# -- ingest broker status -----------------------------------------------------------------------


def test_broker_status_when_the_topics_cannot_be_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local broker answers, but the cluster DAP_KAFKA_BOOTSTRAP names does not."""
    from confluent_kafka import KafkaError, KafkaException

    from ingest.broker import Broker, BrokerStatus

    def healthy(self: Broker) -> BrokerStatus:
        return BrokerStatus(4242, True, "127.0.0.1:19092", self.settings.log_file)

    class Unreachable:
        def list_topics(self, timeout: float) -> NoReturn:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT, "Local: Broker transport failure"))

    monkeypatch.setattr(Broker, "status", healthy)
    monkeypatch.setattr(topics, "admin_client", lambda _bootstrap: Unreachable())
    result = invoke("broker", "status", env={"DAP_KAFKA_BOOTSTRAP": "kafka.example:9092"})
    assert result.exit_code == 5, result.output
    assert "error: the Kafka broker at kafka.example:9092 did not answer:" in result.stderr
    assert "where: DAP_KAFKA_BOOTSTRAP" in result.stderr
    assert "what to do: start it with `make stream-up`" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""  # no half-printed report


def test_a_table_in_a_database_the_s3_credentials_may_not_write_says_so() -> None:
    """On the platform, `ingest load ... --table u62.semi` failed with S3A's text (and a Java
    stack in the log): the ingest identity writes only raw and ingest_meta. The message S3A gave
    (from that run) is now a config error naming the key and what to do."""
    from ingest.pipeline import refused_write

    seen = (
        "org.apache.hadoop.hive.ql.metadata.HiveException: MetaException(message:Got exception: "
        "java.nio.file.AccessDeniedException hive/u62.db: PUT 0-byte object  on hive/u62.db: "
        "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied. (Service: Amazon S3; "
        "Status Code: 403; Error Code: AccessDenied; Request ID: 18EF1D385D59E0865B82982E; S3 "
        "Extended Request ID: null; Proxy: null), S3 Extended Request ID: null:AccessDenied)"
    )
    refused = refused_write(RuntimeError(seen), "u62.semi")
    assert refused is not None and refused.exit_code == 2
    assert refused.render() == (
        "S3 refused access to hive/u62.db (403 Access Denied): the credentials ingest runs with may "
        "not write there\n  where: u62.semi\n  what to do: on the platform, ingest's identity writes "
        "the landing bucket and the raw and ingest_meta databases only: choose a table in raw (dbt "
        "writes the other databases), or grant your own credentials that prefix"
    )
    assert refused_write(RuntimeError("java.io.IOException: No space left on device"), "raw.x") is None

"""User mistakes in ``ingest pull``, ``ingest generate`` and ``platformctl``: each is one message
with what, where and what to do, and the documented exit code, never a Python traceback.

Every test runs the real command in a fresh process (as a user does): no Spark starts (``JAVA_HOME``
points nowhere), no platform service is started, nothing reaches a real server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.sample.spec import SampleSpec
from tests.conftest import ROOT
from tests.unit.test_cli_messages import TERMINAL, ingest_process


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in _output(result), _output(result)


def _pull_config(tmp_path: Path, landing: Path, pull: str) -> Path:
    path = tmp_path / "ingest.yml"
    path.write_text(
        textwrap.dedent(
            f"""\
            landing: {landing}
            sources:
              orders:
                path: orders
                table: raw.orders
                format: json
                pull: {pull}
            """
        ),
        encoding="utf-8",
    )
    return path


def _ingest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return ingest_process(*args, env={"DAP_STATE_DIR": str(tmp_path / "state")})


# -- ingest pull ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [("https://localhost:80a/x", "Invalid port: '80a'"), ("http://[::1/x", "not a valid URL")],
)
def test_a_rest_url_that_is_not_a_url_is_a_config_error_naming_the_source(
    tmp_path: Path, url: str, reason: str
) -> None:
    config = _pull_config(tmp_path, tmp_path / "landing", f'{{kind: rest, url: "{url}"}}')
    result = _ingest(tmp_path, "pull", "--config", str(config))
    assert result.returncode == 2, _output(result)
    assert "sources.orders.pull.rest.url: not a valid URL" in result.stderr
    assert reason in result.stderr and repr(url) in result.stderr
    assert f"where: {config}" in result.stderr
    _no_traceback(result)


def test_an_s3_endpoint_that_is_not_a_url_is_a_config_error_naming_the_source(tmp_path: Path) -> None:
    config = _pull_config(tmp_path, tmp_path / "landing", '{kind: s3, bucket: b, endpoint: "not a url"}')
    result = _ingest(tmp_path, "pull", "--config", str(config))
    assert result.returncode == 2, _output(result)
    assert "sources.orders.pull.s3.endpoint: endpoint must be a URL like" in result.stderr
    assert "got 'not a url'" in result.stderr
    _no_traceback(result)


def test_a_landing_that_is_a_file_fails_the_source_naming_the_landing_path(tmp_path: Path) -> None:
    landing = tmp_path / "landing.txt"
    landing.write_text("not a directory\n")
    config = _pull_config(
        tmp_path, landing, '{kind: rest, url: "http://127.0.0.1:9/x", retry: {attempts: 1}}'
    )
    result = _ingest(tmp_path, "pull", "--config", str(config), "--json")
    assert result.returncode == 3, _output(result)  # as `ingest run` exits for a path it cannot use
    (source,) = json.loads(result.stdout)["sources"]
    assert (source["status"], source["exit_code"]) == ("failed", 3)
    out = _output(result)
    assert f"source 'orders': cannot use the landing directory {landing}/orders: Not a directory" in out
    assert "point `landing:`" in out
    _no_traceback(result)


# -- ingest generate -----------------------------------------------------------------------------


@pytest.mark.parametrize("under", ["file", "proc"])
def test_generate_into_a_landing_that_cannot_be_written_names_the_option(tmp_path: Path, under: str) -> None:
    if under == "file":
        (tmp_path / "file").write_text("")
        landing = tmp_path / "file" / "x"
    else:
        landing = Path("/proc/nope")
    result = _ingest(tmp_path, "generate", "--landing", str(landing), "--days", "1")
    assert result.returncode == 2, _output(result)
    assert f"error: cannot write the sample file {landing}/camera/" in result.stderr
    assert "where: --landing (" in result.stderr
    assert "what to do: give --landing a directory that can be created and written" in result.stderr
    _no_traceback(result)


def test_generate_past_the_last_date_names_the_start_option(tmp_path: Path) -> None:
    result = _ingest(tmp_path, "generate", "--landing", str(tmp_path / "l"), "--start", "9999-12-28")
    assert result.returncode == 2, _output(result)
    assert "error: sample generator: 7 days from 9999-12-28 go past the last date 9999-12-31" in result.stderr
    assert "where: option --start of `ingest generate`" in result.stderr
    _no_traceback(result)
    assert not (tmp_path / "l").exists()


def test_generate_refuses_more_days_than_the_maximum_before_building_anything(tmp_path: Path) -> None:
    """The option's range (shown in --help); the generator checks it too, for other callers."""
    result = _ingest(tmp_path, "generate", "--landing", str(tmp_path / "l"), "--days", "100000000000")
    assert result.returncode == 2, _output(result)
    assert "Invalid value for '--days': Input should be less than or equal to 3660" in result.stderr
    _no_traceback(result)
    with pytest.raises(ConfigError, match="`days` must be at most 3660"):
        SampleSpec(days=3661)
    assert not (tmp_path / "l").exists()


# -- platformctl ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def platformctl(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``platformctl.py`` in a fresh process with its own state dir and S3 port (nothing listens)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DAP_", "AWS_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "platform" / "platformctl.py"), *args],
        cwd=ROOT,
        env={
            **inherited,
            **TERMINAL,
            "JAVA_HOME": "/nonexistent",
            "DAP_STATE_DIR": str(tmp_path / "state"),
            "DAP_S3_PORT": str(_free_port()),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "upload"
    directory.mkdir()
    (directory / "a.json").write_text("{}\n")
    return directory


@pytest.mark.parametrize("command", ["recover", "upload", "exec"])
def test_a_platform_never_set_up_is_named_with_how_to_start_it(
    tmp_path: Path, upload_dir: Path, command: str
) -> None:
    args = {"recover": ["recover"], "upload": ["upload", str(upload_dir), "s3a://landing/x"]}
    result = platformctl(tmp_path, *args.get(command, ["exec", "--", "true"]))
    platform_dir = tmp_path / "state" / "platform"
    assert result.returncode == 5, _output(result)
    assert f"the platform is not set up: {platform_dir} does not exist" in result.stderr
    assert "what to do: start it first: make platform-up (or platformctl up)" in result.stderr
    _no_traceback(result)
    assert not platform_dir.exists()


def test_upload_while_s3_is_down_names_the_endpoint(tmp_path: Path, upload_dir: Path) -> None:
    (tmp_path / "state" / "platform").mkdir(parents=True)
    port = _free_port()
    result = platformctl(tmp_path, "upload", str(upload_dir), "s3a://landing/x", DAP_S3_PORT=str(port))
    assert result.returncode == 5, _output(result)
    assert (
        f"upload to s3a://landing/x: S3 at http://127.0.0.1:{port} failed: Could not connect" in result.stderr
    )
    assert "what to do: is the platform up? platformctl status" in result.stderr
    _no_traceback(result)


def test_recover_while_the_services_are_down_says_which_is_not_running(tmp_path: Path) -> None:
    (tmp_path / "state" / "platform").mkdir(parents=True)
    result = platformctl(tmp_path, "recover")
    assert result.returncode == 5, _output(result)
    assert "recover: postgres is not running" in result.stderr
    assert "what to do: start the platform first: platformctl up" in result.stderr
    _no_traceback(result)


def test_an_s3_endpoint_setting_that_is_not_a_url_is_a_setting_error(
    tmp_path: Path, upload_dir: Path
) -> None:
    (tmp_path / "state" / "platform").mkdir(parents=True)
    result = platformctl(tmp_path, "upload", str(upload_dir), "s3a://landing/x", DAP_S3_ENDPOINT="notaurl")
    assert result.returncode == 2, _output(result)
    assert "DAP_S3_ENDPOINT is not a URL: 'notaurl'" in result.stderr
    assert "where: DAP_S3_ENDPOINT" in result.stderr
    _no_traceback(result)


def test_a_platform_dir_that_is_a_file_is_a_setting_error(tmp_path: Path) -> None:
    platform_file = tmp_path / "platform-file"
    platform_file.write_text("")
    result = platformctl(tmp_path, "exec", "--", "true", DAP_PLATFORM_DIR=str(platform_file))
    assert result.returncode == 2, _output(result)
    assert f"the platform dir is not a directory: {platform_file}" in result.stderr
    assert "what to do: point DAP_PLATFORM_DIR at a directory" in result.stderr
    _no_traceback(result)

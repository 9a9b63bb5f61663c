"""The platform under test: started by the tests themselves (CI starts nothing), stopped after.

It runs beside any platform a developer has up (``make platform-up``): its own state dir
(``.state/platform-test``, wiped at the start), its own ports, and the same jars.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CTL = [sys.executable, str(ROOT / "platform" / "platformctl.py")]
TEST_DIR = ROOT / ".state" / "platform-test"
# DAP_TEST_PORT_SHIFT moves every port of the test platforms, so two checkouts (a CI clone and a
# developer's worktree) can run the platform tests at the same time.
PORT_SHIFT = int(os.environ.get("DAP_TEST_PORT_SHIFT") or 0)


def platform_env(platform_dir: Path, shift: int) -> dict[str, str]:
    """Settings of a test platform: its own state dir and ports (shifted from the defaults)."""
    thrift = str(10001 + shift)
    return {
        "DAP_PLATFORM_DIR": str(platform_dir),
        "DAP_PLATFORM_JARS_DIR": str(ROOT / ".state" / "platform" / "jars"),  # shared with the dev platform
        "DAP_PG_PORT": str(15433 + shift),
        "DAP_S3_PORT": str(8334 + shift),
        "DAP_SEAWEEDFS_PORT_OFFSET": str(1 + shift),
        "DAP_THRIFT_PORT": thrift,
        "DBT_THRIFT_PORT": thrift,
        "DAP_SPARK_MASTER_PORT": str(7078 + shift),
        "DAP_SPARK_UI_PORT": str(8280 + shift),  # worker N's UI at +N
        "DAP_KAFKA_PORT": str(19192 + shift),
        "DAP_KAFKA_CONTROLLER_PORT": str(19193 + shift),
    }


TEST_ENV = platform_env(TEST_DIR, PORT_SHIFT)
SECRET_NAMES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "DAP_METASTORE_PASSWORD",
    "DAP_SQL_DBT_PASSWORD",
    "DAP_SQL_ANALYST_PASSWORD",
)


# Settings of the caller's environment that would point the tests elsewhere.
CALLER_SETTINGS = (
    "DAP_PROFILE",
    "DAP_S3_ENDPOINT",
    "DAP_WAREHOUSE_URI",
    "DAP_METASTORE_URIS",
    "DAP_SPARK_MASTER",
    "DAP_THRIFT_MASTER",
    "DAP_S3_IDENTITY",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CREDENTIAL_PROFILES_FILE",
)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values


@dataclass
class Platform:
    """Handles on the running test platform."""

    env: dict[str, str]
    startup: dict[str, float] = field(default_factory=dict)

    def ctl(self, *args: str, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*CTL, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"platformctl {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def status(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.ctl("status", "--json", check=False).stdout)

    @property
    def secrets(self) -> dict[str, str]:
        return read_env_file(TEST_DIR / "secrets.env")

    def connect(self, user: str = "analyst", password: str | None = None) -> Any:
        """A PyHive connection to the Thrift Server as ``user`` (default: its generated password)."""
        from pyhive import hive

        return hive.connect(
            host="127.0.0.1",
            port=int(self.env["DAP_THRIFT_PORT"]),
            username=user,
            auth="CUSTOM",
            password=self.secrets[f"DAP_SQL_{user.upper()}_PASSWORD"] if password is None else password,
        )

    def query(self, sql: str, user: str = "analyst") -> list[tuple[Any, ...]]:
        connection = self.connect(user)
        try:
            cursor = connection.cursor()
            cursor.execute(sql)  # synchronous: returns when the statement has finished
            if sql.lstrip().split(None, 1)[0].upper() in ("CREATE", "DROP", "INSERT", "ALTER", "USE", "SET"):
                return []  # Spark answers these with an empty, column-less result set PyHive cannot fetch
            return list(cursor.fetchall())
        finally:
            connection.close()

    def cluster(self) -> dict[str, Any]:
        """The Spark master's JSON status: workers (cores used), active applications."""
        url = f"http://127.0.0.1:{self.env['DAP_SPARK_UI_PORT']}/json/"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            result: dict[str, Any] = json.load(response)
            return result

    def worker_running(self, app_prefix: str) -> str:
        """The service name (``spark-worker-N``) of a worker running an executor of the active
        application named so: the one to kill to take the application's compute away."""
        ui_port = int(self.env["DAP_SPARK_UI_PORT"])
        for number in range(1, len(self.cluster()["workers"]) + 1):
            url = f"http://127.0.0.1:{ui_port + number}/json/"  # worker N's web UI
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
                executors = json.load(response)["executors"]
            if any(e["appdesc"]["name"].startswith(app_prefix) for e in executors):
                return f"spark-worker-{number}"
        raise AssertionError(f"no worker runs an executor of {app_prefix!r}: {self.cluster()['activeapps']}")

    def s3(self) -> Any:
        import boto3

        secrets = self.secrets
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.env['DAP_S3_PORT']}",
            region_name="us-east-1",
            aws_access_key_id=secrets["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=secrets["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self, bucket: str, prefix: str) -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]

    def _psql_argv(self, database: str) -> list[str]:
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        argv = [
            str(bin_dir / "psql"),
            "-h",
            str(TEST_DIR / "postgres" / "run"),
            "-p",
            self.env["DAP_PG_PORT"],
            "-U",
            "postgres",
            "-d",
            database,
            "-At",
        ]
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def psql(self, sql: str, database: str = "metastore") -> str:
        argv = [*self._psql_argv(database), "-c", sql]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()

    def psql_session(self, database: str = "metastore") -> subprocess.Popen[str]:
        """An open psql session reading statements from its stdin (to hold a transaction open)."""
        argv = [*self._psql_argv(database), "-v", "ON_ERROR_STOP=1"]
        return subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    def run_python(self, code: str, timeout: int = 600, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """A fresh Python (and Spark JVM) with the platform profile selected."""
        env = {**self.env, "DAP_PROFILE": "platform", **extra_env}
        return subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


# Lines of the Thrift Server's log that every closed client connection writes: noise, not a cause.
_LOG_NOISE = ("Thrift error occurred during processing of message", "Unable to access pipeout files")


def service_log_errors(name: str, limit: int = 40) -> str:
    """The last ``limit`` ERROR lines (with the line after each: the exception) of a test platform
    service's log, for the report of a failed test: the server's side of what the client saw."""
    path = TEST_DIR / "logs" / f"{name}.log"
    if not path.exists():
        return f"(no log at {path})"
    lines = path.read_text(errors="replace").splitlines()
    picked = [
        f"{line}\n    {lines[i + 1] if i + 1 < len(lines) else ''}"
        for i, line in enumerate(lines)
        if " ERROR " in line and not any(noise in line for noise in _LOG_NOISE)
    ]
    return "\n".join(picked[-limit:]) or "(no errors logged)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed platform test's report carries the errors the services logged, so a failure seen
    only in CI can be diagnosed from its output alone."""
    report = yield
    if report.failed and "platform" in getattr(item, "fixturenames", ()):
        for name in ("thrift-server", "spark-master"):
            report.sections.append((f"{name} log errors", service_log_errors(name)))
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that stop the shared platform run after every other test that uses it."""
    last = [item for item in items if item.name == "test_platform_down_leaves_nothing_running"]
    items[:] = [item for item in items if item not in last] + last


def without_the_embedded_class_archive(env: dict[str, str]) -> None:
    """The suite's options name the embedded driver's class archive (tests/conftest.py), which
    the platform's class path cannot use; without it ``build_spark`` and the Thrift Server pick
    the platform driver's, as for a user."""
    from ingest.class_archive import archive_options, archive_path

    embedded = archive_options(archive_path(Path(env["DAP_JARS_DIR"])))
    env["DAP_JVM_OPTIONS"] = env["DAP_JVM_OPTIONS"].replace(embedded, "").strip()


def make_platform_class_archive(handle: Platform) -> None:
    """The class archive of the platform driver's class path, made as ``make platform-up`` makes
    it: every platform driver and executor the tests start from here on maps it."""
    made = subprocess.run(
        [sys.executable, "-m", "ingest.class_archive"],
        env={**handle.env, "DAP_PROFILE": "platform"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert made.returncode == 0 and "class archive: " in made.stdout, made.stdout + made.stderr


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    state = tmp_path_factory.mktemp("platform-client-state")
    env = {**os.environ, **TEST_ENV, "DAP_STATE_DIR": str(state)}
    for name in (*SECRET_NAMES, *CALLER_SETTINGS):
        env.pop(name, None)  # the test platform's own generated secrets and defaults only
    without_the_embedded_class_archive(env)
    handle = Platform(env)
    handle.ctl("down", check=False)  # leftovers of an interrupted earlier run
    shutil.rmtree(TEST_DIR, ignore_errors=True)
    started = time.monotonic()
    try:
        result = handle.ctl("up", timeout=1200)
    except BaseException:
        handle.ctl("down", check=False)  # `up` stops what it started; this is for a timeout
        raise
    handle.startup = json.loads(result.stdout.strip().splitlines()[-1])
    handle.env["DBT_THRIFT_PASSWORD"] = handle.secrets["DAP_SQL_DBT_PASSWORD"]  # dbt's thrift target
    handle.startup["wall"] = time.monotonic() - started
    try:
        make_platform_class_archive(handle)
        yield handle
    finally:
        handle.ctl("down", check=False)

"""Shared fixtures: one Spark session for the whole run, project-local state under a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The pinned jars `make jars` fetched; every test's state dir is new, the jar cache is shared.
JARS_DIR = os.environ.get("DAP_JARS_DIR") or str(ROOT / ".state" / "jars")
os.environ["DAP_JARS_DIR"] = JARS_DIR
# Test runs are short and their data small: a JVM with only the C1 compiler and the serial GC
# spends far less CPU starting up and compiling (about a third less time per CLI run, on 2 cores).
# Every Spark JVM the tests start gets it: CLI runs, dbt, the Thrift Server, and the in-process
# session of the ``spark`` fixture below, whose tests each run new queries on new tables, so C2
# never stops compiling (bench/RESULTS.md, session 58).
# ``pytest_configure`` adds the class archive (ingest/class_archive.py) to it.
C1_ONLY = "-XX:TieredStopAtLevel=1"
SERIAL_GC = "-XX:+UseSerialGC"
os.environ.setdefault("DAP_JVM_OPTIONS", f"{C1_ONLY} {SERIAL_GC}")
# Real-world files shared between checkouts (see each dataset's SOURCE.txt); another copy can be
# named with DAP_REALDATA_DIR.
REALDATA = Path(os.environ.get("DAP_REALDATA_DIR") or ROOT.parent / "shared" / "realdata")


def pytest_configure(config: pytest.Config) -> None:
    """Once per run, in the controller (xdist workers inherit its environment): map the class
    archive (ingest.class_archive; made here if ``make class-archive`` has not) into every Spark
    JVM the tests start. ``DAP_CLASS_ARCHIVE=0`` runs without it."""
    from ingest.class_archive import archive_options, enabled, ensure_archive

    options = os.environ["DAP_JVM_OPTIONS"]
    if hasattr(config, "workerinput") or not enabled(options):
        return
    archive = ensure_archive(Path(JARS_DIR), options, dict(os.environ))
    if archive is not None:
        os.environ["DAP_JVM_OPTIONS"] = f"{options} {archive_options(archive)}"


def pytest_report_header(config: pytest.Config) -> str:
    return f"Spark JVM options (DAP_JVM_OPTIONS): {os.environ['DAP_JVM_OPTIONS']}"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_realdata(*paths: Path) -> None:
    """Skip a test whose real data is missing; with ``CI=true``, fail it instead, saying what is missing."""
    missing = [str(path) for path in paths if not path.exists()]
    if not missing:
        return
    if in_ci():
        pytest.fail(
            f"CI=true, so a test that needs real data fails instead of skipping; missing: {', '.join(missing)}. "
            f"Check out the shared real data at {REALDATA} (or point DAP_REALDATA_DIR at a copy).",
            pytrace=False,
        )
    pytest.skip(f"real data not present: {', '.join(missing)}")


# Test directories whose files share one session-scoped service (a platform, a broker, one
# end-to-end pipeline run): their tests run on one xdist worker, so the service starts once.
SHARED_SERVICE_DIRS = ("e2e", "platform", "stream")


def test_scope(nodeid: str) -> str:
    """The unit of work ``make test`` gives one xdist worker: a shared-service directory
    (``tests/e2e``), or else a test file (its module fixtures are built once)."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in SHARED_SERVICE_DIRS:
        return "/".join(parts[:2])
    return path


# The scopes that take longest (measured under `make test`: the platform about 25 min of one
# worker's time, the end-to-end pipeline 13, the commit-step SIGKILLs 9, the stream 7) start
# first; the short ones fill in around them, so no worker is left with a long one at the end.
SLOWEST_SCOPES = ("tests/platform", "tests/e2e", "tests/spark/test_exactly_once.py", "tests/stream")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slowest scopes first (a stable sort: each scope keeps its own order)."""

    def rank(item: pytest.Item) -> int:
        scope = test_scope(item.nodeid)
        return SLOWEST_SCOPES.index(scope) if scope in SLOWEST_SCOPES else len(SLOWEST_SCOPES)

    items.sort(key=rank)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` with the scopes of ``test_scope``, handed out in collection order
    (``SLOWEST_SCOPES`` first) rather than xdist's default, most tests first. (xdist's
    ``loadgroup`` marks do not work with pytest 9: it renames ``item._nodeid``, which pytest 9
    no longer reads.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    config.option.loadscopereorder = False
    from xdist.scheduler import LoadScopeScheduling

    class ServiceScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return test_scope(nodeid)

    return ServiceScopeScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.realdata(path, ...)``: checked before any fixture is set up (Spark included)."""
    for mark in item.iter_markers("realdata"):
        require_realdata(*(mark.args or (REALDATA,)))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """``local[2]``, UI off, UTC, warehouse and Derby metastore in a session temp dir."""
    from ingest.settings import load_settings
    from ingest.spark_session import build_spark

    state = tmp_path_factory.mktemp("spark-state")
    # This JVM lives as long as its worker, yet C1 only still costs less than both compilers:
    # with both workers busy, nine Spark test files took 211-219 s and 328-348 s of CPU C1-only
    # against 271-275 s and 486-490 s with C2 (bench/RESULTS.md, session 58). Alone on 2 cores
    # C2 looked cheaper (session 33): its compiler thread had a core of its own.
    session = build_spark(
        load_settings(state_dir=state, shuffle_partitions=2, jvm_options=os.environ["DAP_JVM_OPTIONS"]),
        "tests",
    )
    yield session
    session.stop()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


def cli_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI process the tests start: hermetic (no ``DAP_*`` of the caller),
    with its own state dir, the shared jar cache and the tests' JVM options."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DAP_")}
    return {
        **inherited,
        "DAP_STATE_DIR": str(state_dir),
        "DAP_JARS_DIR": JARS_DIR,
        "DAP_JVM_OPTIONS": os.environ["DAP_JVM_OPTIONS"],
        **extra,
    }


def ingest_cli(
    *args: str, state_dir: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a fresh process (its own JVM and Derby metastore under ``state_dir``)."""
    full_env = cli_env(state_dir, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

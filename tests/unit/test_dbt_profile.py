"""The dbt ``local`` profile starts Spark's JVM as ingest does: same -D options, and the project's
log4j2 configuration, so dbt's console shows no JVM warnings. Rendered with dbt's own profile
renderer; no Spark, no dbt run."""

from __future__ import annotations

import contextvars
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

from ingest.settings import CODE_CACHE, Settings
from ingest.spark_session import LOG_CONFIG, spark_conf
from ingest.tables.catalog import LOCK_HOUSEKEEPING_SECONDS, iceberg_spark_conf
from tests.conftest import ROOT


def local_parameters(env: dict[str, str]) -> dict[str, Any]:
    """The local target's server_side_parameters as dbt renders them with ``env``."""

    def render() -> dict[str, Any]:
        set_invocation_context(env)
        raw = yaml.safe_load((ROOT / "profiles" / "profiles.yml").read_text(encoding="utf-8"))
        profile: dict[str, Any] = ProfileRenderer({}).render_data(raw)
        return dict(profile["device_analytics"]["outputs"]["local"]["server_side_parameters"])

    return contextvars.copy_context().run(render)


def java_options(text: str) -> dict[str, str]:
    """``-Dname=value`` options of an extraJavaOptions string, by name, split as Spark's launcher
    splits them (``CommandBuilderUtils.parseOptionString``: whitespace outside quotes, and inside
    double quotes a backslash escapes the next character, as in a POSIX shell)."""
    return dict(option[2:].split("=", 1) for option in shlex.split(text) if option.startswith("-D"))


def log_config(value: str) -> Path:
    return Path(value.removeprefix("file://")).resolve()


@pytest.mark.parametrize(
    "env",
    [
        {"DBT_PROFILES_DIR": str(ROOT / "profiles")},  # as the Makefile and the e2e tests run dbt
        {"PWD": str(ROOT)},  # dbt started from the project dir with --profiles-dir profiles
    ],
)
def test_local_profile_uses_the_project_log4j2_configuration(env: dict[str, str], tmp_path: Path) -> None:
    options = java_options(
        local_parameters({**env, "DAP_STATE_DIR": str(tmp_path)})["spark.driver.extraJavaOptions"]
    )
    assert log_config(options["log4j2.configurationFile"]) == LOG_CONFIG.resolve()
    text = LOG_CONFIG.read_text(encoding="utf-8")
    assert "rootLogger.level = error" in text
    # no 'Setting default log level to "WARN"' banner from PySpark's gateway either
    assert "logger.pygateway.name = org.apache.spark.api.python.PythonGatewayServer" in text


def test_local_profile_passes_the_same_jvm_options_as_ingest(tmp_path: Path) -> None:
    dbt = java_options(
        local_parameters({"DBT_PROFILES_DIR": str(ROOT / "profiles"), "DAP_STATE_DIR": str(tmp_path)})[
            "spark.driver.extraJavaOptions"
        ]
    )
    ingest = java_options(spark_conf(Settings(state_dir=tmp_path))["spark.driver.extraJavaOptions"])
    assert sorted(dbt) == sorted(ingest)
    for name, value in ingest.items():
        if name == "log4j2.configurationFile":
            assert log_config(dbt[name]) == log_config(value)
        else:
            assert dbt[name] == value, name


def test_a_state_dir_with_spaces_reaches_the_jvm_as_one_path(tmp_path: Path) -> None:
    state = tmp_path / "My Projects" / "dap state"
    dbt = java_options(
        local_parameters({"DBT_PROFILES_DIR": str(ROOT / "profiles"), "DAP_STATE_DIR": str(state)})[
            "spark.driver.extraJavaOptions"
        ]
    )
    ingest = java_options(spark_conf(Settings(state_dir=state))["spark.driver.extraJavaOptions"])
    for options in (dbt, ingest):
        assert options["derby.system.home"] == str(state)
        assert options["derby.stream.error.file"] == str(state / "derby.log")
    odd = tmp_path / 'a "quoted" \\ dir'  # ingest's own options escape quotes and backslashes too
    assert java_options(spark_conf(Settings(state_dir=odd))["spark.driver.extraJavaOptions"])[
        "derby.system.home"
    ] == str(odd)


def test_dap_jvm_options_reach_the_jvm_of_ingest_and_of_dbt(tmp_path: Path) -> None:
    extra = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    dbt = local_parameters(
        {"DBT_PROFILES_DIR": str(ROOT / "profiles"), "DAP_STATE_DIR": str(tmp_path), "DAP_JVM_OPTIONS": extra}
    )["spark.driver.extraJavaOptions"].split()
    ingest = spark_conf(Settings(state_dir=tmp_path, jvm_options=extra))[
        "spark.driver.extraJavaOptions"
    ].split()
    for option in extra.split():
        assert option in dbt and option in ingest
    # The suite's collector replaces the default one: two would stop the JVM.
    assert "-XX:+UseParallelGC" not in ingest and "-XX:+UseParallelGC" not in dbt
    without = spark_conf(Settings(state_dir=tmp_path))["spark.driver.extraJavaOptions"]
    assert [o for o in without.split() if o.startswith("-XX:")] == ["-XX:+UseParallelGC"]
    assert without == without.strip()
    dbt_without = local_parameters(
        {"DBT_PROFILES_DIR": str(ROOT / "profiles"), "DAP_STATE_DIR": str(tmp_path)}
    )["spark.driver.extraJavaOptions"].split()
    assert [o for o in dbt_without if o.startswith("-XX:")] == ["-XX:+UseParallelGC"]
    only_jit = local_parameters(
        {
            "DBT_PROFILES_DIR": str(ROOT / "profiles"),
            "DAP_STATE_DIR": str(tmp_path),
            "DAP_JVM_OPTIONS": "-XX:TieredStopAtLevel=1",  # picks no collector
        }
    )["spark.driver.extraJavaOptions"].split()
    assert [o for o in only_jit if o.startswith("-XX:")] == [
        "-XX:+UseParallelGC",
        "-XX:TieredStopAtLevel=1",
        CODE_CACHE,
    ]


@pytest.mark.parametrize(
    ("jvm_options", "code_cache"),
    [
        ("-XX:TieredStopAtLevel=1", CODE_CACHE),  # C1 only: the JVM would reserve 48 MB
        ("-XX:+UseSerialGC -XX:-TieredCompilation", CODE_CACHE),  # C2 only: 48 MB as well
        ("-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=64m", "-XX:ReservedCodeCacheSize=64m"),  # theirs
        ("-XX:TieredStopAtLevel=4", None),  # both compilers: the JVM's 240 MB
        ("", None),
    ],
)
def test_one_compiler_gets_the_code_cache_of_two_in_every_spark_jvm(
    tmp_path: Path, jvm_options: str, code_cache: str | None
) -> None:
    """A JVM left with one JIT compiler reserves 48 MB for compiled code, and a Spark JVM that
    runs many queries fills it (the Thrift Server's did in 36 s). Ingest's driver, a cluster's
    executors and dbt's embedded session get the cache both compilers get, unless the options name
    a size (the Thrift Server: tests/platform/test_platform_conf.py)."""
    local = spark_conf(Settings(state_dir=tmp_path, jvm_options=jvm_options))
    cluster = spark_conf(
        Settings(
            state_dir=tmp_path,
            profile="platform",
            spark_master="spark://127.0.0.1:7077",
            jvm_options=jvm_options,
        )
    )
    dbt = local_parameters(
        {
            "DBT_PROFILES_DIR": str(ROOT / "profiles"),
            "DAP_STATE_DIR": str(tmp_path),
            "DAP_JVM_OPTIONS": jvm_options,
        }
    )
    jvms = {
        "ingest": local["spark.driver.extraJavaOptions"],
        "executor": cluster.get("spark.executor.extraJavaOptions", ""),
        "dbt": dbt["spark.driver.extraJavaOptions"],
    }
    for jvm, options in jvms.items():
        sizes = [o for o in options.split() if o.startswith("-XX:ReservedCodeCacheSize=")]
        assert sizes == ([code_cache] if code_cache else []), (jvm, options)


def test_ingests_caches_are_uncompressed_on_both_profiles(tmp_path: Path) -> None:
    """Ingest's caches live for one source; compressing them costs CPU on the local driver and
    on a cluster's executors alike (the Thrift Server's: tests/platform/test_platform_conf.py)."""
    key = "spark.sql.inMemoryColumnarStorage.compressed"
    assert spark_conf(Settings(state_dir=tmp_path))[key] == "false"
    cluster = Settings(state_dir=tmp_path, profile="platform", spark_master="spark://127.0.0.1:7077")
    assert spark_conf(cluster)[key] == "false"


def test_only_a_local_driver_gets_the_parallel_collector(tmp_path: Path) -> None:
    """The local driver runs every task (a batch job on a few cores); on a cluster it does not."""
    options = {
        master: spark_conf(Settings(state_dir=tmp_path, spark_master=master))["spark.driver.extraJavaOptions"]
        for master in ("local[2]", "local[*]", "spark://127.0.0.1:7077")
    }
    assert "-XX:+UseParallelGC" in options["local[2]"].split()
    assert "-XX:+UseParallelGC" in options["local[*]"].split()
    assert "GC" not in options["spark://127.0.0.1:7077"]
    chosen = spark_conf(Settings(state_dir=tmp_path, jvm_options="-Xss4m -XX:+UseG1GC"))
    assert chosen["spark.driver.extraJavaOptions"].split().count("-XX:+UseG1GC") == 1
    assert "ParallelGC" not in chosen["spark.driver.extraJavaOptions"]


def test_dbt_sessions_and_the_thrift_server_use_ingest_lock_timings(tmp_path: Path) -> None:
    """A dead holder's lock expires after the same time whoever took it: ingest's sessions, dbt's
    session-mode JVM and the Thrift Server's housekeeper read the values of ``catalog``."""
    parameters = local_parameters(
        {"DBT_PROFILES_DIR": str(ROOT / "profiles"), "DAP_STATE_DIR": str(tmp_path)}
    )
    conf = iceberg_spark_conf()
    for key in (
        "spark.hadoop.hive.txn.timeout",
        "spark.hadoop.iceberg.hive.lock-heartbeat-interval-ms",
        "spark.hadoop.hive.txn.retryable.sqlex.regex",
    ):
        assert str(parameters[key]) == conf[key], key
    housekeeper = ROOT / "platform" / "java" / "dap" / "platform" / "MetastoreLockHousekeeper.java"
    assert f"long period = {LOCK_HOUSEKEEPING_SECONDS}L;" in housekeeper.read_text(encoding="utf-8")


def _hive_retries(message: str, state: str, code: int = 0) -> bool:
    """Whether Hive 2.3's TxnHandler.isRetryable would retry this SQLException by its pattern list:
    split at commas not followed by whitespace, each matched against the whole described error."""
    described = f"{message} (SQLState={state}, ErrorCode={code})"
    patterns = re.split(r",(?=\S)", iceberg_spark_conf()["spark.hadoop.hive.txn.retryable.sqlex.regex"])
    return any(re.fullmatch(pattern, described) for pattern in patterns)


def test_the_lock_tables_retry_a_dead_metastore_connection_and_nothing_else() -> None:
    # What the Thrift Server logged when its lock check's connection died (a kill, a closed socket).
    killed = "FATAL: terminating connection due to administrator command\n  Where: while updating tuple"
    assert _hive_retries(killed, "57P01")
    assert _hive_retries("An I/O error occurred while sending to the backend.", "08006")
    assert _hive_retries("This connection has been closed.", "08003")
    assert _hive_retries("FATAL: the database system is shutting down", "57P03")
    # A statement's own error is an answer, not a lost connection: retrying it would repeat it.
    assert not _hive_retries(
        'ERROR: duplicate key value violates unique constraint "hive_locks_pkey"', "23505"
    )
    assert not _hive_retries('ERROR: relation "hive_locks" does not exist', "42P01")
    assert not _hive_retries("ERROR: canceling statement due to user request", "57014")
    assert not _hive_retries("a message quoting (SQLState=08006, ErrorCode=0) in its text", "42601")


def test_dbt_and_ingest_drivers_default_to_the_same_heap(tmp_path: Path) -> None:
    """``DAP_DRIVER_MEMORY`` unset: dbt's embedded session gets ingest's default heap (which keeps
    a W1 run's peak RSS under 4 GiB); set, both take it."""
    assert (
        local_parameters({})["spark.driver.memory"]
        == spark_conf(Settings(state_dir=tmp_path))["spark.driver.memory"]
    )
    assert local_parameters({"DAP_DRIVER_MEMORY": "6g"})["spark.driver.memory"] == "6g"


def test_dbt_has_ingests_driver_class_path_and_local_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same class path as ingest's embedded driver (so dbt maps the same class archive) and
    the same ``file:`` file system, whose class is in that jar; Hadoop's with a cluster master."""
    monkeypatch.setenv("DAP_JARS_DIR", str(tmp_path / "jars"))
    env = {"DAP_JARS_DIR": str(tmp_path / "jars"), "DAP_STATE_DIR": str(tmp_path)}
    dbt = local_parameters(env)
    ingest = spark_conf(Settings(state_dir=tmp_path))
    for key in ("spark.driver.extraClassPath", "spark.hadoop.fs.file.impl"):
        assert dbt[key] == ingest[key], key
    cluster = local_parameters({**env, "DAP_SPARK_MASTER": "spark://10.0.0.7:7077"})
    assert cluster["spark.hadoop.fs.file.impl"] == "org.apache.hadoop.fs.LocalFileSystem"  # Hadoop's default

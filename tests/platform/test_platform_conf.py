"""Platform settings and S3 landing patterns: plain Python, no services, no Spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.errors import ConfigError, InputError
from ingest.landing_s3 import S3Pattern
from ingest.platform_conf import (
    S3_PROFILE_VARS,
    export_dev_secrets,
    load_platform_config,
    platform_spark_conf,
)
from ingest.settings import CODE_CACHE, load_settings

PLATFORM_VARS = (
    "DAP_PLATFORM_DIR",
    "DAP_PLATFORM_JARS_DIR",
    "DAP_S3_ENDPOINT",
    "DAP_S3_PORT",
    "DAP_PG_PORT",
    "DAP_S3_PATH_STYLE",
    "DAP_S3_PRUNE_EMPTY_FOLDERS",
    "DAP_WAREHOUSE_URI",
    "DAP_METASTORE_URIS",
    "DAP_METASTORE_JDBC_URL",
    "DAP_METASTORE_USER",
    "DAP_METASTORE_PASSWORD",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CREDENTIAL_PROFILES_FILE",
    "DAP_S3_IDENTITY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "DAP_PROFILE",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (*PLATFORM_VARS, "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.setenv(name, "")  # recorded, so whatever the code under test sets is undone
        monkeypatch.delenv(name)
    monkeypatch.setenv("DAP_STATE_DIR", str(tmp_path))
    return tmp_path


def test_local_platform_conf_points_at_postgres_seaweedfs_and_loopback(clean_env: Path) -> None:
    conf = platform_spark_conf(load_settings(profile="platform"))
    assert conf["spark.sql.warehouse.dir"] == "s3a://warehouse/hive"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:8333"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.impl"] == "dap.platform.PruningS3AFileSystem"
    assert (
        conf["spark.hadoop.javax.jdo.option.ConnectionURL"] == "jdbc:postgresql://127.0.0.1:15432/metastore"
    )
    assert conf["spark.hadoop.datanucleus.schema.autoCreateAll"] == "false"
    assert conf["spark.driver.bindAddress"] == "127.0.0.1"
    jars = conf["spark.driver.extraClassPath"].split(":")
    assert [Path(j).name for j in jars] == [
        "hadoop-aws-3.3.4.jar",
        "aws-java-sdk-bundle-1.12.262.jar",
        "dap-s3a-pruning.jar",
        "postgresql.jar",
    ]
    # Maven jars come from the shared jar cache (`make jars`), the built one from the platform dir.
    assert jars[0] == str(Path(os.environ["DAP_JARS_DIR"]) / "hadoop-aws-3.3.4.jar")
    assert jars[2] == str(clean_env / "platform" / "jars" / "dap-s3a-pruning.jar")
    # The password is a reference Hadoop resolves from the environment, never a value.
    assert conf["spark.hadoop.javax.jdo.option.ConnectionPassword"] == "${env.DAP_METASTORE_PASSWORD}"
    assert not any("secret" in key.lower() or "access.key" in key for key in conf)


def test_dev_secrets_are_exported_only_for_the_local_endpoint(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform_dir = clean_env / "platform"
    platform_dir.mkdir()
    (platform_dir / "secrets.env").write_text(
        "AWS_ACCESS_KEY_ID=dapkey\nAWS_SECRET_ACCESS_KEY=s3cr3t\nDAP_METASTORE_PASSWORD=pw\nOTHER=x\n"
    )
    (platform_dir / "s3-credentials").write_text("[ingest]\naws_access_key_id = k\n")
    exported = export_dev_secrets(load_platform_config())
    # names only; the admin keys are platformctl's: ingest gets its identity's profile
    assert exported == ["DAP_METASTORE_PASSWORD", *S3_PROFILE_VARS]
    assert os.environ["AWS_PROFILE"] == "ingest"
    assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == str(platform_dir / "s3-credentials")
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    assert "OTHER" not in os.environ
    conf = platform_spark_conf(load_settings(profile="platform", spark_master="spark://127.0.0.1:7077"))
    assert conf["spark.executorEnv.AWS_PROFILE"] == "ingest"  # executors in worker JVMs: same identity
    assert not any("s3cr3t" in value or "dapkey" in value for value in conf.values())
    for name in S3_PROFILE_VARS:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DAP_S3_IDENTITY", "analyst")
    export_dev_secrets(load_platform_config())
    assert os.environ["AWS_PROFILE"] == "analyst"
    monkeypatch.setenv("DAP_S3_IDENTITY", "root")
    monkeypatch.delenv("AWS_PROFILE")
    with pytest.raises(ConfigError, match="DAP_S3_IDENTITY"):
        export_dev_secrets(load_platform_config())
    monkeypatch.setenv("DAP_S3_ENDPOINT", "aws")
    assert export_dev_secrets(load_platform_config()) == []


def test_real_cluster_settings(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAP_S3_ENDPOINT", "aws")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("DAP_WAREHOUSE_URI", "s3a://corp-warehouse/hive/")
    monkeypatch.setenv("DAP_METASTORE_URIS", "thrift://metastore.internal:9083")
    conf = platform_spark_conf(load_settings(profile="platform", spark_master="yarn"))
    assert "spark.hadoop.fs.s3a.endpoint" not in conf
    assert "spark.hadoop.fs.s3a.impl" not in conf
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "false"
    assert (
        conf["spark.hadoop.fs.s3a.aws.credentials.provider"]
        == "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"
    )
    assert conf["spark.sql.warehouse.dir"] == "s3a://corp-warehouse/hive"
    assert conf["spark.hadoop.hive.metastore.uris"] == "thrift://metastore.internal:9083"
    assert not any(key.startswith("spark.hadoop.javax.jdo") for key in conf)
    assert "spark.driver.bindAddress" not in conf  # executors on other hosts must reach the driver
    assert not conf["spark.driver.extraClassPath"].endswith("postgresql.jar")


@pytest.mark.parametrize(
    ("pattern", "key", "wanted"),
    [
        ("s3a://landing/camera", "camera/2026-01-05/a.jsonl", True),
        ("s3a://landing/camera", "camera2/2026-01-05/a.jsonl", False),  # a prefix is a directory
        ("s3a://landing/camera/", "camera/_tmp/a.jsonl", False),
        ("s3a://landing/camera", "camera/2026-01-05/.a.jsonl", False),
        ("s3a://landing/camera", "camera/2026-01-05/", False),  # a folder marker
        ("s3a://landing/_archive/camera", "_archive/camera/2026-01-05/a.jsonl", True),  # explicit base
        ("s3://landing/camera/*/*.jsonl*", "camera/2026-01-05/a.jsonl.gz", True),
        ("s3://landing/camera/*/*.jsonl*", "camera/2026-01-05/deeper/a.jsonl", False),
        ("s3://landing/camera/**/*.jsonl", "camera/2026-01-05/deeper/a.jsonl", True),
        ("s3://landing/camera/2026-01-0[5-6]/*", "camera/2026-01-06/a.jsonl", True),
        ("s3://landing/camera/2026-01-0[5-6]/*", "camera/2026-01-07/a.jsonl", False),
        ("s3a://landing", "camera/2026-01-05/a.jsonl", True),
        ("s3a://landing", "_ground_truth/counts.json", False),
    ],
)
def test_s3_patterns(pattern: str, key: str, wanted: bool) -> None:
    assert S3Pattern.parse(pattern).wants(key) is wanted


def test_s3_pattern_listing_prefix() -> None:
    assert S3Pattern.parse("s3a://landing/camera").prefix == "camera/"
    assert S3Pattern.parse("s3a://landing/camera/*/x*.gz").prefix == "camera/"
    assert S3Pattern.parse("s3a://landing/cam*").prefix == "cam"
    assert S3Pattern.parse("s3a://landing").prefix == ""
    with pytest.raises(InputError):
        S3Pattern.parse("s3a:///camera")
    with pytest.raises(InputError):
        S3Pattern.parse("/local/camera")


def test_thrift_executors_get_the_servers_s3_identity_whatever_the_caller_exported(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user with their own AWS keys exported runs ``platformctl up``: the Thrift Server's
    executors (in the workers' JVMs, whose environment has no S3 identity) still get its own."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "platform"))
    from dap_platform.layout import Layout
    from dap_platform.thrift import S3_IDENTITY, ThriftServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "the-users-own-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-users-own-secret")
    config = load_platform_config(clean_env)
    conf = ThriftServer(Layout(config)).properties()
    assert conf["spark.executorEnv.AWS_PROFILE"] == S3_IDENTITY
    assert conf["spark.executorEnv.AWS_SHARED_CREDENTIALS_FILE"] == str(config.s3_credentials_file)
    assert conf["spark.executorEnv.AWS_EC2_METADATA_DISABLED"] == "true"
    assert not any("the-users-own" in value for value in conf.values())


def test_the_thrift_servers_cached_tables_are_compressed(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQL user's ``CACHE TABLE`` lives as long as the server: Spark's default (compressed),
    not ingest's uncompressed caches of one source."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "platform"))
    from dap_platform.layout import Layout
    from dap_platform.thrift import ThriftServer

    conf = ThriftServer(Layout(load_platform_config(clean_env))).properties()
    assert "spark.sql.inMemoryColumnarStorage.compressed" not in conf


def test_a_c1_only_thrift_server_and_its_executors_get_room_for_compiled_code(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DAP_JVM_OPTIONS=-XX:TieredStopAtLevel=1`` (as the README suggests for short runs) reaches
    the Thrift Server too. With C1 alone its JVM reserves 48 MB for compiled code, which a
    ``dbt build`` fills; it gets the 240 MB of both compilers."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "platform"))
    from dap_platform.layout import Layout
    from dap_platform.thrift import ThriftServer

    monkeypatch.setenv("DAP_JVM_OPTIONS", "-XX:TieredStopAtLevel=1")
    conf = ThriftServer(Layout(load_platform_config(clean_env))).properties()
    for jvm in ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"):
        options = conf[jvm].split()
        assert "-XX:TieredStopAtLevel=1" in options and CODE_CACHE in options, (jvm, conf[jvm])


def test_spark_daemons_get_the_serial_collector_and_c1_unless_the_caller_picks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "platform"))
    from dap_platform.spark_cluster import daemon_java_options

    assert daemon_java_options(None).split() == ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    # The caller's options come last (the JVM takes the last of a repeated option) ...
    assert daemon_java_options("-XX:TieredStopAtLevel=4").split()[-1] == "-XX:TieredStopAtLevel=4"
    # ... and a collector they name replaces ours: a JVM given two collectors does not start.
    chosen = daemon_java_options("-XX:+UseG1GC -Dx=1").split()
    assert "-XX:+UseSerialGC" not in chosen and chosen.count("-XX:+UseG1GC") == 1

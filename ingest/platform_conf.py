"""The platform profile: Hive metastore on PostgreSQL (or a thrift metastore), tables on S3.

Everything is resolved from environment variables when asked (never at import), with defaults that
match the local platform started by ``make platform-up`` (``platform/platformctl.py``):

==============================  ==============================================================
``DAP_PLATFORM_DIR``            state of the local platform (default ``<DAP_STATE_DIR>/platform``)
``DAP_PLATFORM_JARS_DIR``       the platform's own built jar (default ``<platform dir>/jars``);
                                hadoop-aws and the AWS SDK come from ``DAP_JARS_DIR`` (``make jars``)
``DAP_S3_ENDPOINT``             S3 API endpoint (default ``http://127.0.0.1:<DAP_S3_PORT>``, the
                                local SeaweedFS); ``aws`` uses AWS's own regional endpoints
``DAP_S3_PATH_STYLE``           path-style bucket addressing (default true, false for ``aws``)
``AWS_REGION``                  region for signing (default ``us-east-1``)
``DAP_S3_PRUNE_EMPTY_FOLDERS``  use the S3A file system that removes the empty folders SeaweedFS
                                keeps after deletes and renames (default true unless ``aws``)
``DAP_WAREHOUSE_URI``           warehouse root (default ``s3a://warehouse/hive``)
``DAP_METASTORE_URIS``          an existing Hive metastore service (``thrift://host:9083``);
                                when set, no JDBC settings are used
``DAP_METASTORE_JDBC_URL``      metastore database (default the local PostgreSQL)
``DAP_METASTORE_USER``          metastore database user (default ``hive``)
``DAP_METASTORE_JDBC_DRIVER``   its JDBC driver class (default ``org.postgresql.Driver``)
``DAP_METASTORE_PASSWORD``      its password: read by the JVM from its environment at connect
                                time, never written into the Spark configuration
``DAP_JDBC_DRIVER_JAR``         JDBC driver jar (default Debian's ``/usr/share/java/postgresql.jar``)
``DAP_SPARK_MASTER_PORT``       the local standalone cluster's master (default 7077); the platform
                                profile's default ``spark.master`` is ``spark://127.0.0.1:<port>``
``DAP_SPARK_UI_PORT``           the master's web UI (default 8180; worker N at +N)
``DAP_SPARK_WORKERS``           workers (default 2), each ``DAP_SPARK_WORKER_CORES`` (4) cores and
                                ``DAP_SPARK_WORKER_MEMORY`` (4g) for executors
``DAP_SPARK_CORES_MAX``         cores per application on a standalone cluster (default 2), in
                                executors of ``DAP_EXECUTOR_CORES`` (2) cores and
                                ``DAP_EXECUTOR_MEMORY`` (2g): one executor per application
``DAP_S3_IDENTITY``             the local platform's S3 identity for this process: ingest (default),
                                dbt or analyst (see docs/platform.md)
==============================  ==============================================================

S3 credentials come from the standard AWS chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
profiles, instance roles). When neither they nor ``DAP_METASTORE_PASSWORD`` are set and the local
platform has generated its dev secrets (``<platform dir>/secrets.env``), those are exported into
this process's environment so the Spark JVM started from it inherits them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import ConfigError, ServiceError
from ingest.services.process import port_open
from ingest.settings import Settings, _bad_env, _env, _env_int, _env_memory, _env_port

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.env"
SECRET_VARS = ("DAP_METASTORE_PASSWORD",)
# The local platform's S3 identities (least privilege, see docs/platform.md): each a profile in
# the generated AWS credentials file. ingest writes landing + raw + ingest_meta, dbt the modelled
# databases, analyst reads only. The admin keys (buckets, recovery, uploads) stay with platformctl.
S3_CREDENTIALS_FILE = "s3-credentials"
S3_IDENTITIES = ("ingest", "dbt", "analyst")
S3_PROFILE_VARS = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CREDENTIAL_PROFILES_FILE", "AWS_PROFILE")
# From Maven Central via `make jars` (jars/jars.lock), at the versions of pyspark 3.5.9's Hadoop client.
HADOOP_AWS_JARS = ("hadoop-aws-3.3.4.jar", "aws-java-sdk-bundle-1.12.262.jar")
PRUNING_FS_JAR = "dap-s3a-pruning.jar"
PRUNING_FS_CLASS = "dap.platform.PruningS3AFileSystem"


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def _flag(name: str, default: bool) -> bool:
    """A yes/no setting: true/false, 1/0, yes/no or on/off in any case; any other value (a typo
    such as ``ture``) is a ConfigError, never silently false."""
    text = _env(name, "true" if default else "false")
    value = text.strip().lower()
    if value not in _TRUE + _FALSE:
        raise _bad_env(name, text, f"true or false (or 1/0, yes/no, on/off; default {str(default).lower()})")
    return value in _TRUE


@dataclass(frozen=True)
class PlatformConfig:
    """Where the platform's services are and how Spark reaches them."""

    platform_dir: Path
    pg_port: int
    s3_port: int
    thrift_host: str
    thrift_port: int
    s3_endpoint: str | None  # None: the AWS SDK's own endpoint resolution
    s3_path_style: bool
    s3_region: str
    prune_empty_folders: bool
    warehouse_uri: str
    metastore_uris: str | None
    metastore_jdbc_url: str
    metastore_user: str
    metastore_jdbc_driver: str
    jdbc_driver_jar: str
    spark_master_port: int = 7077
    spark_ui_port: int = 8180
    spark_workers: int = 2
    # Room for two applications' executors (DAP_EXECUTOR_CORES, _MEMORY) on each worker, so the
    # Thrift Server and two ingest runs hold executors at once, and an application whose worker
    # is lost gets a new executor on the other one.
    spark_worker_cores: int = 4
    spark_worker_memory: str = "4g"

    @property
    def spark_master_url(self) -> str:
        """The local platform's standalone cluster."""
        return f"spark://127.0.0.1:{self.spark_master_port}"

    @property
    def local_s3(self) -> bool:
        """True for the S3 server of the local platform (a loopback endpoint)."""
        host = (self.s3_endpoint or "").split("://", 1)[-1].split(":", 1)[0].split("/", 1)[0]
        return host in ("127.0.0.1", "localhost", "::1", "[::1]")

    @property
    def jars_dir(self) -> Path:
        return Path(_env("DAP_PLATFORM_JARS_DIR", str(self.platform_dir / "jars"))).resolve()

    @property
    def secrets_file(self) -> Path:
        return self.platform_dir / SECRETS_FILE

    @property
    def s3_credentials_file(self) -> Path:
        return self.platform_dir / S3_CREDENTIALS_FILE

    @property
    def warehouse_bucket(self) -> str:
        return self.warehouse_uri.split("://", 1)[1].split("/", 1)[0]

    def extra_jars(self, maven_jars: Path) -> list[str]:
        """Jars the driver needs on its class path: s3a, the AWS SDK, the JDBC driver."""
        jars = [str(maven_jars / name) for name in HADOOP_AWS_JARS]
        if self.prune_empty_folders:
            jars.append(str(self.jars_dir / PRUNING_FS_JAR))
        if not self.metastore_uris:
            jars.append(self.jdbc_driver_jar)
        return jars


def default_platform_dir(state_dir: Path | None = None) -> Path:
    base = state_dir if state_dir is not None else Path(_env("DAP_STATE_DIR", ".state")).resolve()
    return Path(_env("DAP_PLATFORM_DIR", str(base / "platform"))).resolve()


def load_platform_config(state_dir: Path | None = None) -> PlatformConfig:
    """Resolve the platform settings from the environment (see the module docstring)."""
    pg_port = _env_port("DAP_PG_PORT", 15432)
    s3_port = _env_port("DAP_S3_PORT", 8333)
    endpoint_setting = _env("DAP_S3_ENDPOINT", f"http://127.0.0.1:{s3_port}")
    on_aws = endpoint_setting.lower() == "aws"
    return PlatformConfig(
        platform_dir=default_platform_dir(state_dir),
        pg_port=pg_port,
        s3_port=s3_port,
        thrift_host=_env("DAP_THRIFT_HOST", "127.0.0.1"),
        thrift_port=_env_port("DAP_THRIFT_PORT", 10000),
        s3_endpoint=None if on_aws else endpoint_setting.rstrip("/"),
        s3_path_style=_flag("DAP_S3_PATH_STYLE", not on_aws),
        s3_region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        prune_empty_folders=_flag("DAP_S3_PRUNE_EMPTY_FOLDERS", not on_aws),
        warehouse_uri=_env("DAP_WAREHOUSE_URI", "s3a://warehouse/hive").rstrip("/"),
        metastore_uris=_env("DAP_METASTORE_URIS", "") or None,
        metastore_jdbc_url=_env("DAP_METASTORE_JDBC_URL", f"jdbc:postgresql://127.0.0.1:{pg_port}/metastore"),
        metastore_user=_env("DAP_METASTORE_USER", "hive"),
        metastore_jdbc_driver=_env("DAP_METASTORE_JDBC_DRIVER", "org.postgresql.Driver"),
        jdbc_driver_jar=_env("DAP_JDBC_DRIVER_JAR", "/usr/share/java/postgresql.jar"),
        spark_master_port=_env_port("DAP_SPARK_MASTER_PORT", 7077),
        spark_ui_port=_env_port("DAP_SPARK_UI_PORT", 8180),
        spark_workers=_env_int("DAP_SPARK_WORKERS", 2),
        spark_worker_cores=_env_int("DAP_SPARK_WORKER_CORES", 4),
        spark_worker_memory=_env_memory("DAP_SPARK_WORKER_MEMORY", "4g"),
    )


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (no quoting, ``#`` comments) as a dict; missing file: empty."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip()
    return values


def s3_identity() -> str:
    """The local platform's S3 identity for this process (``DAP_S3_IDENTITY``, default ingest)."""
    identity = _env("DAP_S3_IDENTITY", "ingest")
    if identity not in S3_IDENTITIES:
        raise ConfigError(
            f"DAP_S3_IDENTITY={identity!r} is not an S3 identity of the local platform",
            hint=f"one of: {', '.join(S3_IDENTITIES)}",
        )
    return identity


def s3_profile_env(config: PlatformConfig, identity: str) -> dict[str, str]:
    """Environment that makes the AWS SDKs (boto3, S3A's SDK v1) use ``identity``'s keys.

    Names a file (mode 600) and a profile in it: no key is in the environment or a Spark setting.
    """
    path = str(config.s3_credentials_file)
    return {
        "AWS_SHARED_CREDENTIALS_FILE": path,
        "AWS_CREDENTIAL_PROFILES_FILE": path,
        "AWS_PROFILE": identity,
    }


def export_dev_secrets(config: PlatformConfig) -> list[str]:
    """Point this process at the local platform's generated dev credentials, for what is not set.

    Only for the local platform's loopback S3 endpoint: elsewhere the AWS chain decides. S3: the
    ``DAP_S3_IDENTITY`` profile of the generated credentials file, unless AWS keys or a profile are
    set already; the metastore password from ``secrets.env``. Returns the names exported (never
    the values).
    """
    if not config.local_s3:
        return []
    exported = []
    for key, value in read_env_file(config.secrets_file).items():
        if key in SECRET_VARS and not os.environ.get(key):
            os.environ[key] = value
            exported.append(key)
    chosen = any(os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
    if not chosen and config.s3_credentials_file.is_file():
        os.environ.update(s3_profile_env(config, s3_identity()))
        exported += list(S3_PROFILE_VARS)
    # Nothing on a local endpoint needs the EC2 metadata service: keep the SDKs from probing it.
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    os.environ.setdefault("AWS_REGION", config.s3_region)
    if exported:
        log.debug(
            "using local platform dev credentials from %s (%s)", config.platform_dir, ", ".join(exported)
        )
    return exported


def hadoop_s3a_conf(config: PlatformConfig, scratch_dir: Path) -> dict[str, str]:
    """Hadoop (``fs.s3a.*``) settings, without the ``spark.hadoop.`` prefix."""
    conf = {
        "fs.s3a.path.style.access": str(config.s3_path_style).lower(),
        "fs.s3a.buffer.dir": str(scratch_dir / "s3a"),
        "hadoop.tmp.dir": str(scratch_dir / "hadoop"),
        # S3 has no atomic rename; keep the v1 committer (one rename at job commit) and let the
        # ingest commit protocol (ingest.commit) provide exactly-once.
        "fs.s3a.connection.maximum": "64",
        "fs.s3a.attempts.maximum": "5",
        "fs.s3a.retry.limit": "5",
    }
    if config.s3_endpoint is not None:
        conf["fs.s3a.endpoint"] = config.s3_endpoint
        conf["fs.s3a.connection.ssl.enabled"] = str(config.s3_endpoint.startswith("https")).lower()
    # The local platform: keys from the environment, else the identity's profile in the generated
    # credentials file (AWS_CREDENTIAL_PROFILES_FILE + AWS_PROFILE); no instance-metadata probing.
    # Elsewhere the SDK's full default chain: environment, web identity, profile, container/instance role.
    conf["fs.s3a.aws.credentials.provider"] = (
        "com.amazonaws.auth.EnvironmentVariableCredentialsProvider,"
        "com.amazonaws.auth.profile.ProfileCredentialsProvider"
        if config.local_s3
        else "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"
    )
    if config.local_s3:
        # Identities are scoped to key prefixes: keep parent directory markers (S3A would otherwise
        # delete "hive/" and "hive/raw.db/" after every write, which is no identity's business).
        conf["fs.s3a.directory.marker.retention"] = "keep"
    if config.prune_empty_folders:
        conf["fs.s3a.impl"] = PRUNING_FS_CLASS
    return conf


def hive_metastore_conf(config: PlatformConfig, scratch_dir: Path) -> dict[str, str]:
    """Hive client settings, without the ``spark.hadoop.`` prefix."""
    conf = {
        # The schema is created once by `platformctl` (DataNucleus SchemaTool); lazy creation by
        # several Spark processes at once deadlocks on PostgreSQL.
        "datanucleus.schema.autoCreateAll": "false",
        "hive.metastore.schema.verification": "true",
        # as for the embedded metastore (ingest.spark_session): Iceberg tables may drop a column
        "hive.metastore.disallow.incompatible.col.type.changes": "false",
        # Hive's local dirs default to per-session paths under java.io.tmpdir (the scratch dir):
        # keep them so. One fixed dir shared by every Thrift session is deleted by whichever
        # session closes first ("Couldn't create directory ..." for the next one to open).
        "hive.exec.scratchdir": str(scratch_dir / "hive"),
    }
    if config.metastore_uris:
        conf["hive.metastore.uris"] = config.metastore_uris
        return conf
    conf.update(
        {
            "javax.jdo.option.ConnectionURL": config.metastore_jdbc_url,
            "javax.jdo.option.ConnectionDriverName": config.metastore_jdbc_driver,
            "javax.jdo.option.ConnectionUserName": config.metastore_user,
            # Hadoop resolves ${env.NAME} when the value is read: the secret stays in the
            # environment and never enters a config file, a command line or a log.
            "javax.jdo.option.ConnectionPassword": "${env.DAP_METASTORE_PASSWORD}",
        }
    )
    return conf


def require_metastore_password(settings: Settings) -> None:
    """Before the JVM starts: a driver that opens the metastore database itself (no
    ``DAP_METASTORE_URIS``) needs its password. Without one every metastore call fails deep in
    Hive, with pages of Java stack traces; the usual cause is a ``DAP_STATE_DIR`` whose platform
    dir (``<state dir>/platform`` by default) is not the running platform's. Call it after
    ``platform_spark_conf``, which exports the local platform's dev secrets when it finds them."""
    config = load_platform_config(settings.state_dir)
    if config.metastore_uris or os.environ.get("DAP_METASTORE_PASSWORD"):
        return
    raise ConfigError(
        "no password for the metastore database: DAP_METASTORE_PASSWORD is not set, and there are no "
        f"local platform secrets at {config.secrets_file}",
        where="the platform profile (DAP_PROFILE=platform)",
        hint="start the local platform (make platform-up); if it runs under another state dir, set "
        "DAP_PLATFORM_DIR to its platform dir (default: <DAP_STATE_DIR>/platform); for your own "
        "metastore, set DAP_METASTORE_PASSWORD or DAP_METASTORE_URIS",
    )


def _addresses(urls: str) -> list[tuple[str, int]]:
    """(host, port) of each URL in a comma-separated list (``thrift://h:9083,thrift://h2:9083``,
    ``spark://h1:7077,h2:7077``, ``jdbc:postgresql://h:5432/db``); those without a port are skipped."""
    found = []
    scheme = urls.removeprefix("jdbc:").split("://", 1)[0]
    for part in urls.removeprefix("jdbc:").split(","):
        url = urlsplit(part if "://" in part else f"{scheme}://{part}")
        try:
            port = url.port
        except ValueError:
            continue
        if url.hostname and port:
            found.append((url.hostname, port))
    return found


def _reachable(addresses: list[tuple[str, int]]) -> bool:
    """True when one of ``addresses`` accepts a TCP connection within 3 s (or there is none)."""
    return any(port_open(port, host, timeout=3) for host, port in addresses) or not addresses


def require_reachable_services(settings: Settings) -> None:
    """Before the JVM starts: the metastore and the Spark master answer on their ports. A driver
    started without them waits a minute for the metastore (Hive retries), then fails with Java
    stack traces; a stopped platform is the usual cause."""
    config = load_platform_config(settings.state_dir)
    checks = [
        (
            "the metastore" if config.metastore_uris else "the metastore database",
            config.metastore_uris or config.metastore_jdbc_url,
            "DAP_METASTORE_URIS" if config.metastore_uris else "DAP_METASTORE_JDBC_URL",
        ),
    ]
    if settings.spark_master.startswith("spark://"):
        checks.append(("the Spark master", settings.spark_master, "DAP_SPARK_MASTER"))
    for what, url, setting in checks:
        master = setting == "DAP_SPARK_MASTER"  # the cluster alone can be down (compute-down)
        if not _reachable(_addresses(url)):
            raise ServiceError(
                f"{what} is not reachable at {url}",
                where=f"the platform profile (DAP_PROFILE=platform), {setting}",
                hint=f"start the local platform ({'make platform-compute-up' if master else 'make platform-up'}); "
                f"for your own platform, check {setting}",
            )


def platform_spark_conf(settings: Settings) -> dict[str, str]:
    """Spark settings layered over ``ingest.spark_session.spark_conf`` for the platform profile.

    Pure apart from one side effect: the local platform's dev secrets are exported into this
    process's environment when the AWS chain and ``DAP_METASTORE_PASSWORD`` are not set.
    """
    config = load_platform_config(settings.state_dir)
    export_dev_secrets(config)
    scratch = settings.scratch_dir
    class_path = ":".join(config.extra_jars(settings.jars_dir))
    conf = {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": config.warehouse_uri,
        "spark.driver.extraClassPath": class_path,
        "spark.executor.extraClassPath": class_path,
        "spark.sql.hive.metastore.version": "2.3.9",
        "spark.sql.hive.metastore.jars": "builtin",
    }
    if config.local_s3 and config.s3_credentials_file.is_file() and not os.environ.get("AWS_ACCESS_KEY_ID"):
        # Executors in other JVMs (a cluster's workers) use the same identity as this driver.
        identity = os.environ.get("AWS_PROFILE") or s3_identity()
        for key, value in {**s3_profile_env(config, identity), "AWS_EC2_METADATA_DISABLED": "true"}.items():
            conf[f"spark.executorEnv.{key}"] = value
    if settings.spark_master.startswith(("local", "spark://127.0.0.1:", "spark://localhost:")):
        # Everything listens on the loopback interface only (the driver too: executors on this
        # machine's workers connect back to it there).
        conf["spark.driver.bindAddress"] = "127.0.0.1"
        conf["spark.driver.host"] = "127.0.0.1"
    if settings.spark_master.startswith("spark://"):
        # A standalone cluster: each application takes at most DAP_SPARK_CORES_MAX cores, so the
        # Thrift Server and ingest runs share the workers. By default in one executor: every
        # executor JVM loads the same classes and JIT-compiles the same code, so on one machine
        # a second one repeats that work (W1 from S3: 59-62 s in one two-core executor, 72-74 s
        # in two one-core ones; bench/RESULTS.md, session 36).
        conf["spark.cores.max"] = str(_env_int("DAP_SPARK_CORES_MAX", 2))
        conf["spark.executor.cores"] = str(_env_int("DAP_EXECUTOR_CORES", 2))
        conf["spark.executor.memory"] = _env_memory("DAP_EXECUTOR_MEMORY", "2g")
        # A lost executor's tasks run again elsewhere; a job fails only after 4 attempts of a task.
        conf["spark.task.maxFailures"] = "4"
    for key, value in {**hadoop_s3a_conf(config, scratch), **hive_metastore_conf(config, scratch)}.items():
        conf[f"spark.hadoop.{key}"] = value
    return conf

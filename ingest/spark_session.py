"""Build the Spark session for a profile: project-local state, UTC, few shuffle partitions.

Tables are Apache Iceberg tables in the Hive metastore (see ``ingest.tables.catalog``).
Embedded Derby admits one JVM at a time, so ingest and dbt (session mode) run one after the other
against the same ``<state>/metastore_db``; ``spark_conf`` is shared with ``profiles/profiles.yml``
by construction (same keys, same locations).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import class_archive, jvm_functions
from ingest.errors import ConfigError
from ingest.settings import Settings, jvm_option, make_state_dir, picks_collector
from ingest.sources.kafka_jars import KAFKA_JARS
from ingest.tables.catalog import ICEBERG_RUNTIME_JAR, ensure_lock_schema, iceberg_jar, iceberg_spark_conf
from ingest.tables.lock import start_lock_housekeeping

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")


def _collector(settings: Settings) -> str:
    """The parallel (throughput) collector for a local driver, unless ``jvm_options`` pick one.

    The local driver runs every task: a batch job on a few cores, where the JVM's default (G1)
    pays for short pauses it does not need. W1 alone, alternating: 39.9-44.0 s with the parallel
    collector (one run 51.7 s), 44.1-50.0 s with G1 (bench/RESULTS.md, session 38). A second
    collector option would stop the JVM ("multiple garbage collectors selected"), so one named
    in ``DAP_JVM_OPTIONS`` (the suite's serial collector) replaces this one.
    """
    # profiles/profiles.yml tests the dbt session's options the same way, in Jinja.
    if not settings.spark_master.startswith("local") or picks_collector(settings.jvm_options):
        return ""
    return "-XX:+UseParallelGC"


def spark_conf(settings: Settings) -> dict[str, str]:
    """Spark configuration for ``settings`` (pure: no Spark started)."""
    scratch = settings.scratch_dir
    conf = {
        "spark.master": settings.spark_master,
        "spark.app.name": "ingest",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Every query's plan is rendered into a listener event for the UI, off here; "formatted"
        # (the default) numbers and lists each operator, a cost in every small query.
        "spark.sql.ui.explainMode": "simple",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        # Spark lists the files it is given in a job of one task per file above 32 files (10,000
        # tasks at most): 29 s of task overhead for 5,000 files. A few tasks list them as well.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
        "spark.driver.memory": settings.driver_memory,
        "spark.local.dir": str(scratch),
        "spark.driver.extraJavaOptions": " ".join(
            option
            for option in (
                jvm_option("-Djava.io.tmpdir", scratch),
                jvm_option("-Dderby.system.home", settings.state_dir),
                jvm_option("-Dderby.stream.error.file", settings.state_dir / "derby.log"),
                jvm_option("-Dlog4j2.configurationFile", LOG_CONFIG.as_uri()),
                _collector(settings),
                settings.spark_jvm_options,
            )
            if option
        ),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": settings.warehouse_dir,
        # JSON keys that differ only by case must stay distinct columns (see ingest.naming).
        "spark.sql.caseSensitive": "true",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.parquet.compression.codec": "snappy",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={settings.metastore_dir};create=true"
        ),
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
        # The metastore compares a table's columns before and after a change by position: a
        # dropped column (``ingest rollback``) shifts the ones after it, which it refuses. Every
        # table here is Iceberg's, which maps columns by id, not position (Iceberg's own tests
        # turn the check off too).
        "spark.hadoop.hive.metastore.disallow.incompatible.col.type.changes": "false",
        "spark.hadoop.hive.exec.scratchdir": str(scratch / "hive"),
        "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    }
    conf.update(iceberg_spark_conf())
    iceberg = str(settings.jars_dir / ICEBERG_RUNTIME_JAR)
    functions = str(settings.jars_dir / jvm_functions.JAR)  # ingest's own SQL functions
    # Spark's Kafka source (``ingest stream``), when `make jars` has fetched it.
    kafka = [str(settings.jars_dir / jar) for jar in KAFKA_JARS if (settings.jars_dir / jar).is_file()]
    if settings.profile == "platform":
        from ingest.platform_conf import platform_spark_conf

        conf.update(platform_spark_conf(settings))
        if settings.jvm_options:
            conf["spark.executor.extraJavaOptions"] = " ".join(
                p for p in (conf.get("spark.executor.extraJavaOptions", ""), settings.spark_jvm_options) if p
            )
        # On the class path, not in spark.jars: the Thrift Server's session threads do not see
        # jars added at run time (NoClassDefFoundError for Iceberg classes).
        for key in ("spark.driver.extraClassPath", "spark.executor.extraClassPath"):
            conf[key] = ":".join(p for p in (iceberg, functions, *kafka, conf.get(key, "")) if p)
    else:
        conf["spark.jars"] = ",".join([iceberg, functions, *kafka])  # shipped to any executors
        # On the driver's class path from the start too (ingest.class_archive.embedded_class_path):
        # Hadoop loads the local file system class below as the JVM starts.
        conf["spark.driver.extraClassPath"] = functions
        if settings.spark_master.startswith("local"):
            # Local files (the embedded warehouse, scratch) get their permission without a `chmod`
            # process each (ingest/java/dap/ingest/LocalFileSystemWithoutShell.java): a tiny run
            # in a warm session started about 80 (bench/RESULTS.md, session 51). Only where the
            # driver is the executor: another machine's executors need not have the jar yet.
            conf["spark.hadoop.fs.file.impl"] = jvm_functions.LOCAL_FILE_SYSTEM
        # Opening a local file costs far less than reading the 4 MB Spark assumes: pack small
        # files into fewer tasks. 5,000 files of 8 KB: 40 tasks at 1 MB, not 157 (the read
        # 66 -> 57 s); 20,000 files of 2.5 KB: 20 tasks at 128 KB, not 157, and every job over
        # the cached records has as many (W2's run 99-107 s -> 77-99 s; bench/RESULTS.md).
        conf["spark.sql.files.openCostInBytes"] = str(128 * 1024)
    # Ingest caches its records and its rows (each is read by several jobs) and drops them at the
    # end of the source. Compressing the columnar cache is CPU for memory held a few seconds:
    # W1's rows cache took 12.4 s compressed, 9.4 s not, on the local driver (bench/RESULTS.md,
    # session 38); W1 from S3 on the platform's 2g executors 56-57 s against 52-53 s (session 44).
    # Beyond memory, the caches spill to local disk (MEMORY_AND_DISK). The Thrift Server, whose
    # cached tables live for hours, keeps Spark's default (platform/dap_platform/thrift.py).
    conf["spark.sql.inMemoryColumnarStorage.compressed"] = "false"
    return conf


def _make_state_dirs(settings: Settings) -> None:
    """The state dir and Spark's scratch dir in it; one that cannot be made is a ConfigError."""
    for path in (settings.state_dir, settings.scratch_dir):
        make_state_dir(path, settings.state_dir)


def _get_or_create(builder: SparkSession.Builder, settings: Settings) -> SparkSession:
    """``builder.getOrCreate()``; a JVM that exits before Spark starts is a ConfigError, not
    pyspark's traceback. The JVM has already printed why (an unknown or refused option, no Java)."""
    from pyspark.errors import PySparkRuntimeError

    try:
        return builder.getOrCreate()
    except PySparkRuntimeError as exc:
        if exc.getErrorClass() != "JAVA_GATEWAY_EXITED":
            raise
        options = settings.jvm_options or "(none)"
        raise ConfigError(
            "Spark's JVM exited before it started; the lines above are the JVM's own message",
            where=f"DAP_JVM_OPTIONS: {options}; JAVA_HOME: {os.environ.get('JAVA_HOME') or '(not set)'}",
            hint="fix or remove the JVM option it names in DAP_JVM_OPTIONS, or point JAVA_HOME at a JDK 17",
        ) from None


# The classes pyspark looks up by their short name through the gateway's view, hundreds of times
# a run (``F.col`` looks up ``functions`` each time). A short name is tried against each of the
# view's package imports in turn, and every miss is a ClassNotFoundException after a search of
# every jar: six misses before ``org.apache.spark.sql.functions``. Named once here, each lookup
# finds its class at once (bench/RESULTS.md, session 52).
_LOOKED_UP_CLASSES = (
    "org.apache.spark.sql.functions",
    "org.apache.spark.sql.SparkSession",
    "org.apache.spark.sql.SparkSession$",
    "org.apache.spark.api.python.PythonUtils",
)


def _import_looked_up_classes(spark: SparkSession) -> None:
    from py4j.java_gateway import java_import

    for name in _LOOKED_UP_CLASSES:
        java_import(spark.sparkContext._jvm, name)


def build_spark(settings: Settings, app_name: str = "ingest") -> SparkSession:
    """Start (or reuse) the Spark session for ``settings``."""
    from pyspark.sql import SparkSession

    iceberg_jar(settings.jars_dir)  # clear errors before the JVM starts
    jvm_functions.functions_jar(settings.jars_dir)
    _make_state_dirs(settings)
    # The JVM writes derby.log into its working dir unless told otherwise; keep it in state.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if settings.spark_master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # bind the driver to loopback only
    conf = spark_conf(settings)
    if settings.profile == "platform":
        from ingest.platform_conf import require_metastore_password, require_reachable_services

        require_metastore_password(settings)
        require_reachable_services(settings)
    archive = class_archive.driver_options(settings)  # Spark's classes, already parsed: a faster start
    if archive:
        conf["spark.driver.extraJavaOptions"] += f" {archive}"
    class_archive.add_executor_options(conf, settings)  # the local platform's executors
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.app.name", app_name)
    log.info("starting Spark (%s profile, state in %s)", settings.profile, settings.state_dir)
    spark = _get_or_create(builder.enableHiveSupport(), settings)
    spark.sparkContext.setLogLevel("ERROR")
    _import_looked_up_classes(spark)
    jvm_functions.register(spark)
    ensure_lock_schema(spark)
    start_lock_housekeeping(spark)
    return spark

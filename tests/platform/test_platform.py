"""Platform mode end to end: services up, Spark on s3a + PostgreSQL metastore, PyHive through the
Thrift Server, the fault tests (SIGKILL compute, restart storage and metastore), then down.

One module, one platform, tests in order (each builds on the state the previous one left).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import ROOT, SECRET_NAMES, TEST_DIR, TEST_ENV, Platform

pytestmark = [pytest.mark.platform, pytest.mark.slow]
BIN = Path(sys.executable).parent

SPARK_JOB = """
import json
from ingest.settings import load_settings
from ingest.spark_session import build_spark
spark = build_spark(load_settings(), "platform-test")
spark.sql("CREATE DATABASE IF NOT EXISTS analytics_plat_test")
df = spark.range(0, 1000).selectExpr("id", "cast(id % 3 as string) as part", "id * 2 as doubled")
for _ in range(2):  # the second overwrite is the one SeaweedFS's empty folders used to break
    df.write.mode("overwrite").format("parquet").partitionBy("part").saveAsTable("analytics_plat_test.numbers")
spark.sql("INSERT OVERWRITE TABLE analytics_plat_test.numbers PARTITION (part) "
          "SELECT id, id * 2 AS doubled, part FROM analytics_plat_test.numbers WHERE part = '1'")
row = spark.sql("SELECT count(*) AS n, sum(doubled) AS s FROM analytics_plat_test.numbers").first()
location = [r.data_type for r in spark.sql("DESCRIBE TABLE EXTENDED analytics_plat_test.numbers").collect()
            if r.col_name == "Location"][0]
print("RESULT " + json.dumps({"n": row.n, "s": row.s, "location": location}))
spark.stop()
"""
EXPECTED = (1000, sum(range(1000)) * 2)
SESSIONS_MART = "marts.fct_recording_sessions"  # one row per recording session


def listening_addresses(pids: set[int]) -> set[str]:
    """Local addresses of the TCP sockets the given processes (and their children) listen on."""
    inodes: set[str] = set()
    every = {int(p) for p in os.listdir("/proc") if p.isdigit()}
    family = set(pids)
    for pid in every:  # add children (postgres backends, the JVM under spark-submit, ...)
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid in pids:
            family.add(pid)
    for pid in family:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    addresses = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                host_hex, port_hex = fields[1].split(":")
                # /proc/net/tcp* print each 32-bit word of the address in host (little-endian) order
                raw = b"".join(bytes.fromhex(host_hex[i : i + 8])[::-1] for i in range(0, width, 8))
                address = ipaddress.ip_address(raw)
                if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                    address = address.ipv4_mapped
                addresses.add(f"{address}:{int(port_hex, 16)}")
    return addresses


def test_platform_up_is_healthy_idempotent_and_loopback_only(platform: Platform) -> None:
    print(f"\nplatform startup (s): {platform.startup}")
    status = platform.status()
    assert all(item["healthy"] for item in status.values()), status
    again = time.monotonic()
    platform.ctl("up")  # a second `up` finds everything running and changes nothing
    assert time.monotonic() - again < 60
    assert {name: item["pid"] for name, item in platform.status().items()} == {
        name: item["pid"] for name, item in status.items()
    }
    pids = {int(item["pid"]) for item in status.values()}
    addresses = listening_addresses(pids)
    assert addresses, "no listening sockets found for the platform processes"
    assert all(a.startswith(("127.0.0.1:", "::1:")) for a in addresses), addresses
    ports = {int(a.rsplit(":", 1)[1]) for a in addresses}
    wanted = ("DAP_PG_PORT", "DAP_S3_PORT", "DAP_THRIFT_PORT", "DAP_SPARK_MASTER_PORT", "DAP_SPARK_UI_PORT")
    assert {int(TEST_ENV[name]) for name in wanted} <= ports
    # The standalone cluster: a master and two workers, their cores free for applications.
    assert [name for name in status if name.startswith("spark-")] == [
        "spark-master",
        "spark-worker-1",
        "spark-worker-2",
    ]
    cluster = platform.cluster()
    assert [w["state"] for w in cluster["workers"]] == ["ALIVE", "ALIVE"]
    assert [app["name"] for app in cluster["activeapps"]] == [
        "dap-thrift-server"
    ]  # the Thrift Server runs on it


def test_secrets_are_generated_private_and_never_logged(platform: Platform) -> None:
    secrets_file = TEST_DIR / "secrets.env"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    values = [platform.secrets[name] for name in SECRET_NAMES]
    assert all(len(v) >= 16 for v in values)
    texts = [
        p for p in TEST_DIR.rglob("*") if p.is_file() and p.suffix in (".log", ".conf", ".properties", "")
    ]
    for path in [*texts, *TEST_DIR.glob("logs/*")]:
        if (
            path.name in ("secrets.env", "s3.json", "s3-credentials")
            or "data" in path.parts
            or path.stat().st_size > 50_000_000
        ):
            continue
        content = path.read_bytes()
        for value in values:
            assert value.encode() not in content, f"a secret appears in {path}"
    for name, item in platform.status().items():
        cmdline = Path(f"/proc/{item['pid']}/cmdline").read_bytes()
        assert not any(v.encode() in cmdline for v in values), f"a secret is on {name}'s command line"
    tracked = subprocess.run(["git", "ls-files", str(TEST_DIR)], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout == ""


def test_spark_writes_s3a_tables_into_the_postgres_metastore(platform: Platform) -> None:
    # A modelled database (analytics*): the dbt identity's to write, as the Thrift Server does.
    result = platform.run_python(SPARK_JOB, DAP_S3_IDENTITY="dbt")
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.split("RESULT ", 1)[1].splitlines()[0])
    assert (out["n"], out["s"]) == EXPECTED
    assert out["location"] == "s3a://warehouse/hive/analytics_plat_test.db/numbers"
    keys = platform.keys("warehouse", "hive/analytics_plat_test.db/numbers/")
    assert sorted({k.split("/")[3] for k in keys}) == ["part=0", "part=1", "part=2"]
    assert not [k for k in keys if "_temporary" in k or ".spark-staging" in k]
    assert platform.psql(
        'SELECT "TBL_NAME" FROM "TBLS" JOIN "DBS" USING ("DB_ID") WHERE "NAME" = \'analytics_plat_test\''
    ) == ("numbers")
    assert platform.psql('SELECT count(*) FROM "PARTITIONS"') == "3"


def test_a_platform_driver_and_its_executor_start_from_the_class_archive_of_its_class_path(
    platform: Platform, tmp_path: Path
) -> None:
    """The platform's driver has the pinned and the platform's jars before Spark's on its class
    path, so the embedded driver's archive is of no use to it: it maps one made for that class
    path (the fixture made it, as ``make platform-up`` does), with no option naming it. The
    local cluster's workers start executors with the same class path: they map it too."""
    assert "SharedArchiveFile" not in platform.env["DAP_JVM_OPTIONS"]
    log = tmp_path / "classes-%p.log"  # one file per JVM: the driver's and its executor's
    options = f"{platform.env['DAP_JVM_OPTIONS']} -Xlog:class+load=info:file={log}"
    result = subprocess.run(
        [str(BIN / "ingest"), "status"],
        env={**platform.env, "DAP_PROFILE": "platform", "DAP_JVM_OPTIONS": options},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    logs = [path.read_text() for path in tmp_path.glob("classes-*.log")]
    # The driver is the JVM spark-submit started; the executor, the one its worker started.
    for main_class, at_least in (
        ("deploy.SparkSubmit", 5000),
        ("executor.CoarseGrainedExecutorBackend", 3000),
    ):
        jvms = [text for text in logs if f"] org.apache.spark.{main_class} source:" in text]
        assert len(jvms) == 1, f"{len(jvms)} of {len(logs)} JVMs ran {main_class}"
        source = re.search(r"\] org\.apache\.spark\.sql\.SparkSession source: (.*)$", jvms[0], re.M)
        assert source and source.group(1) == "shared objects file (top)", (
            main_class,
            source and source.group(1),
        )
        mapped = jvms[0].count("source: shared objects file (top)")
        assert mapped > at_least, f"{main_class}: only {mapped} classes came from the archive"


def test_pyhive_reads_the_same_tables_through_the_thrift_server(platform: Platform) -> None:
    assert platform.query("SELECT count(*), sum(doubled) FROM analytics_plat_test.numbers") == [EXPECTED]
    assert platform.query(
        "SELECT part, count(*) FROM analytics_plat_test.numbers GROUP BY part ORDER BY part"
    ) == [
        ("0", 334),
        ("1", 333),
        ("2", 333),
    ]


def test_the_thrift_server_asks_for_a_user_and_password(platform: Platform) -> None:
    from pyhive import hive

    port = int(platform.env["DAP_THRIFT_PORT"])
    attempts = {
        "wrong password": lambda: platform.connect("analyst", "not-the-password"),
        "empty password": lambda: platform.connect("analyst", ""),
        "unknown user": lambda: platform.connect("nobody", platform.secrets["DAP_SQL_ANALYST_PASSWORD"]),
        "another user's password": lambda: platform.connect(
            "analyst", platform.secrets["DAP_SQL_DBT_PASSWORD"]
        ),
        "no password": lambda: hive.connect(host="127.0.0.1", port=port, username="analyst"),
    }

    def all_refused() -> None:
        for what, attempt in attempts.items():
            with pytest.raises(Exception, match="Error validating the login") as refused:
                attempt().close()
            assert refused.value is not None, what

    all_refused()
    assert platform.query("SELECT current_user()", user="dbt") == [("dbt",)]
    assert platform.query("SELECT current_user()", user="analyst") == [("analyst",)]
    # The server now remembers those two logins (checked by one HMAC): only for the right password.
    all_refused()
    users = TEST_DIR / "thrift" / "users"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert platform.secrets["DAP_SQL_ANALYST_PASSWORD"] not in users.read_text()


def _s3_as(platform: Platform, identity: str) -> Any:
    import boto3

    prefix = f"DAP_S3_{identity.upper()}_"
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{platform.env['DAP_S3_PORT']}",
        region_name="us-east-1",
        aws_access_key_id=platform.secrets[prefix + "ACCESS_KEY_ID"],
        aws_secret_access_key=platform.secrets[prefix + "SECRET_ACCESS_KEY"],
    )


def _allowed(call: Any) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied", error.response
        return False
    return True


def test_s3_identities_have_least_privilege(platform: Platform) -> None:
    credentials = TEST_DIR / "s3-credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    table = "hive/analytics_plat_test.db/numbers/"
    existing = platform.keys("warehouse", table)[0]
    analyst, ingest, dbt = (_s3_as(platform, name) for name in ("analyst", "ingest", "dbt"))
    # The analyst reads and lists, and can neither write nor delete anywhere.
    assert analyst.get_object(Bucket="warehouse", Key=existing)["ContentLength"] > 0
    assert analyst.list_objects_v2(Bucket="warehouse", Prefix=table)["KeyCount"] > 0
    for bucket, key in (
        ("warehouse", table + "x.parquet"),
        ("landing", "camera/x.jsonl"),
        ("warehouse", "hive/raw.db/x"),
    ):
        assert not _allowed(lambda b=bucket, k=key: analyst.put_object(Bucket=b, Key=k, Body=b"x"))
    assert not _allowed(lambda: analyst.delete_object(Bucket="warehouse", Key=existing))
    bulk = analyst.delete_objects(Bucket="warehouse", Delete={"Objects": [{"Key": existing}]})
    assert not bulk.get("Deleted") and bulk["Errors"][0]["Code"] == "AccessDenied", bulk  # per key
    assert not _allowed(
        lambda: analyst.copy_object(
            Bucket="warehouse", Key=table + "copy", CopySource=f"warehouse/{existing}"
        )
    )
    assert platform.keys("warehouse", table).count(existing) == 1  # still there
    # ingest writes landing, raw and ingest_meta, not the modelled databases; dbt the reverse.
    assert _allowed(lambda: ingest.put_object(Bucket="landing", Key="probe/x", Body=b"x"))
    assert _allowed(lambda: ingest.put_object(Bucket="warehouse", Key="hive/raw.db/probe/x", Body=b"x"))
    assert _allowed(lambda: ingest.delete_object(Bucket="warehouse", Key="hive/raw.db/probe/x"))
    assert not _allowed(lambda: ingest.put_object(Bucket="warehouse", Key="hive/marts.db/probe/x", Body=b"x"))
    assert not _allowed(lambda: ingest.delete_object(Bucket="warehouse", Key=existing))
    assert _allowed(lambda: dbt.put_object(Bucket="warehouse", Key="hive/marts.db/probe/x", Body=b"x"))
    assert _allowed(lambda: dbt.delete_object(Bucket="warehouse", Key="hive/marts.db/probe/x"))
    assert not _allowed(lambda: dbt.put_object(Bucket="warehouse", Key="hive/raw.db/probe/x", Body=b"x"))
    assert not _allowed(lambda: dbt.put_object(Bucket="landing", Key="probe/y", Body=b"x"))
    platform.s3().delete_object(Bucket="landing", Key="probe/x")


def test_sigkill_thrift_server_mid_write_then_restart_keeps_every_table(platform: Platform) -> None:
    big = "hive/analytics_plat_test.db/big/"
    errors: list[BaseException] = []

    def long_ctas() -> None:
        try:
            platform.query(
                "CREATE TABLE analytics_plat_test.big USING parquet AS "
                "SELECT id, sha2(cast(id AS string), 256) AS h FROM range(0, 40000000, 1, 24)"
            )
        except BaseException as error:  # noqa: BLE001 - the kill is expected to break it
            errors.append(error)

    writer = threading.Thread(target=long_ctas, daemon=True)
    writer.start()
    deadline = time.monotonic() + 240
    while not platform.keys("warehouse", big) and time.monotonic() < deadline and writer.is_alive():
        time.sleep(1)
    assert platform.keys("warehouse", big), "the write never started"
    platform.ctl("kill", "thrift")
    writer.join(60)
    assert errors, "the CREATE TABLE finished before the kill; make it bigger"
    assert platform.status()["thrift"]["running"] is False
    assert platform.keys("warehouse", big), "the killed write should have left its debris"

    restart = platform.ctl("start", "thrift")
    assert (
        "removed the debris of an aborted write: s3a://warehouse/hive/analytics_plat_test.db/big/"
        in restart.stderr
    )
    assert platform.query("SELECT count(*), sum(doubled) FROM analytics_plat_test.numbers") == [EXPECTED]
    platform.query("CREATE TABLE analytics_plat_test.big USING parquet AS SELECT id FROM range(0, 10)")
    assert platform.query("SELECT count(*) FROM analytics_plat_test.big") == [(10,)]


def test_restarting_postgres_and_seaweedfs_loses_nothing(platform: Platform) -> None:
    before_keys = sorted(platform.keys("warehouse", "hive/"))
    platform.ctl("restart", "postgres")
    platform.ctl("restart", "seaweedfs")
    assert all(item["healthy"] for item in platform.status().values())
    assert sorted(platform.keys("warehouse", "hive/")) == before_keys
    # The running Thrift Server reconnects to both (the metastore pool and s3a retry).
    assert platform.query("SELECT count(*), sum(doubled) FROM analytics_plat_test.numbers") == [EXPECTED]
    assert platform.query("SELECT count(*) FROM analytics_plat_test.big") == [(10,)]
    assert sorted(row[1] for row in platform.query("SHOW TABLES IN analytics_plat_test")) == [
        "big",
        "numbers",
    ]


def test_a_create_whose_metastore_connection_dies_while_it_waits_for_its_lock_succeeds(
    platform: Platform,
) -> None:
    """The database connection under a new Iceberg table's commit lock check dies mid-statement (an
    administrator, a failover, a connection pool closing it) while the commit waits for another
    holder's lock: the metastore retries the check on a new connection and the CREATE succeeds.
    Hive's TxnHandler calls such errors non-retryable unless hive.txn.retryable.sqlex.regex names
    them; Iceberg retries a failed commit to an existing table, but not a create, which then fails
    with TABLE_OR_VIEW_ALREADY_EXISTS (a seed's re-create in `dbt build` once failed so)."""
    table = "analytics_plat_test.lock_retry"
    _plant_a_commit_lock(platform, "analytics_plat_test", "lock_retry", host="live-holder", idle_seconds=0)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            platform.query(
                f"CREATE TABLE {table} USING iceberg AS SELECT id, doubled FROM analytics_plat_test.numbers"
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    writer = threading.Thread(target=create, daemon=True)
    writer.start()
    waiting_lock = (
        "SELECT hl_lock_ext_id FROM hive_locks WHERE hl_table = 'lock_retry' AND hl_lock_state = 'w'"
    )
    deadline = time.monotonic() + 120
    while not platform.psql(waiting_lock) and time.monotonic() < deadline:
        assert writer.is_alive(), f"the CREATE ended before it waited for the held lock: {errors}"
        time.sleep(0.2)
    assert platform.psql(waiting_lock), "the CREATE's commit never waited for the held lock"
    # Its next lock check blocks on this session's row lock; then that check's connection dies.
    holder = platform.psql_session()
    assert holder.stdin is not None
    holder.stdin.write(
        f"BEGIN;\nSELECT 1 FROM hive_locks WHERE hl_lock_ext_id = ({waiting_lock}) FOR UPDATE;\n"
    )
    holder.stdin.flush()
    checking = (
        "SELECT pid, query FROM pg_stat_activity WHERE datname = 'metastore'"
        " AND wait_event_type = 'Lock' AND query ILIKE '%hive_locks%'"
    )
    try:
        while not (blocked := platform.psql(checking)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert blocked, "the waiting commit never checked its lock again"
        print(f"\nkilling the connection of: {blocked}")
        assert platform.psql(f"SELECT pg_terminate_backend({blocked.split('|')[0]})") == "t"
    finally:
        holder.stdin.write("COMMIT;\n")
        holder.stdin.close()
        holder.wait(30)
    platform.psql("DELETE FROM hive_locks WHERE hl_host = 'live-holder'")  # the holder's commit ends
    writer.join(300)
    assert not writer.is_alive(), "the CREATE never finished"
    assert not errors, str(errors[0])[-3000:]
    assert platform.query(f"SELECT count(*), count(DISTINCT id), sum(doubled) FROM {table}") == [
        (EXPECTED[0], EXPECTED[0], EXPECTED[1])
    ]
    assert platform.psql("SELECT count(*) FROM hive_locks") == "0"  # its lock released, none orphaned


def test_landing_discovery_on_s3(platform: Platform, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for rel in (
        "camera/2026-01-05/a.jsonl",
        "camera/2026-01-06/b.jsonl.gz",
        "camera/_tmp/x.jsonl",
        "camera/2026-01-06/.hidden",
        "_ground_truth/counts.json",
    ):
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_text(rel)
    code = f"""
import json
from ingest.landing_s3 import upload_dir, discover_s3
n = upload_dir({str(landing)!r}, "s3a://landing/disco")
files = discover_s3("s3a://landing/disco/camera")
glob = discover_s3("s3://landing/disco/*/2026-01-06/*")
print("RESULT " + json.dumps([n, [f.__dict__ for f in files], [f.uri for f in glob]]))
"""
    result = platform.run_python(code, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    count, files, globbed = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert count == 5
    assert [f["uri"] for f in files] == [
        "s3a://landing/disco/camera/2026-01-05/a.jsonl",
        "s3a://landing/disco/camera/2026-01-06/b.jsonl.gz",
    ]
    assert all(re.fullmatch(r"etag:[0-9a-f]{32}", f["fingerprint"]) for f in files)
    assert [f["size"] for f in files] == [
        len("camera/2026-01-05/a.jsonl"),
        len("camera/2026-01-06/b.jsonl.gz"),
    ]
    assert globbed == ["s3a://landing/disco/camera/2026-01-06/b.jsonl.gz"]


RAW_TABLES = {
    "camera": "raw.camera_events",
    "drone": "raw.drone_telemetry",
    "app": "raw.app_events",
    "shop": "raw.shop_orders",
    "crm": "raw.crm_contacts",
}


def _dbt(platform: Platform, tmp_path: Path, *args: str) -> list[str]:
    return [
        str(BIN / "dbt"),
        *args,
        "--target",
        "thrift",
        "--profiles-dir",
        str(ROOT / "profiles"),
        "--project-dir",
        str(ROOT),
        "--target-path",
        str(tmp_path / "dbt-target"),
        "--log-path",
        str(tmp_path / "dbt-logs"),
    ]


def _read_until_models_created(build: subprocess.Popen[str], models: int = 3) -> tuple[list[str], bool]:
    """A running dbt's output lines up to its ``models``-th created model, and whether it got that
    far (False: the build ended first). The rest of its output is left unread."""
    assert build.stdout is not None
    output, created = [], 0
    for line in build.stdout:
        output.append(line)
        created += " OK created " in line
        if created >= models:
            return output, True
    return output, False


def _raw_counts(platform: Platform) -> dict[str, int]:
    return {name: platform.query(f"SELECT count(*) FROM {table}")[0][0] for name, table in RAW_TABLES.items()}


@pytest.fixture(scope="module")
def landed(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The sample landing data generated, uploaded to s3a://landing and ingested from there."""
    landing = tmp_path_factory.mktemp("sample") / "landing"
    generated = subprocess.run(
        [str(BIN / "ingest"), "generate", "--landing", str(landing)],
        env=platform.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr[-3000:]
    platform.ctl("upload", str(landing), "s3a://landing")
    run = subprocess.run(
        [str(BIN / "ingest"), "run", "--config", str(ROOT / "ingest.yml"), "--json"],
        env={**platform.env, "DAP_PROFILE": "platform", "DAP_LANDING": "s3a://landing"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    return {"landing": landing, "counts": json.loads((landing / "_ground_truth" / "counts.json").read_text())}


def test_ingest_from_s3_landing_into_the_s3_warehouse(platform: Platform, landed: dict[str, object]) -> None:
    counts = landed["counts"]
    assert isinstance(counts, dict)
    sources = counts["sources"]
    assert _raw_counts(platform) == {name: sources[name]["raw_rows"] for name in RAW_TABLES}
    listed = ", ".join(f"'{name}'" for name in RAW_TABLES)  # the binary sources land files too
    files = platform.query(
        "SELECT count(*) FROM ingest_meta.files WHERE file_uri LIKE 's3a://landing/%' "
        f"AND fingerprint LIKE 'etag:%' AND source IN ({listed})"
    )
    assert files[0][0] == sum(sources[name]["files"] for name in RAW_TABLES)
    assert platform.keys("warehouse", "hive/raw.db/camera_events/")


def _ingest(platform: Platform, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "ingest"), *args],
        env={**platform.env, "DAP_PROFILE": "platform"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_concurrent_runs_land_every_file_exactly_once(platform: Platform, tmp_path: Path) -> None:
    """Two `ingest run` processes over the same new files, at once: both succeed, no duplicates."""
    local = tmp_path / "landing"
    expected = set()
    for day in ("2026-02-01", "2026-02-02"):
        folder = local / "conc" / day
        folder.mkdir(parents=True)
        for part in range(6):
            lines = [{"id": f"{day}-{part}-{n}", "ts": f"{day}T08:00:00Z", "v": n} for n in range(25)]
            if part == 5 and day == "2026-02-02":
                for line in lines:
                    line["added"] = "late"  # a new column, added by whichever run gets there first
            (folder / f"part-{part}.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
            expected |= {x["id"] for x in lines}
    platform.ctl("upload", str(local), "s3a://landing")
    config = tmp_path / "conc.yml"
    config.write_text(
        "landing: s3a://landing\nsources:\n  conc: {path: conc, table: raw.conc, format: json, "
        "partition: {column: ts}}\n"
    )
    runs = [_ingest(platform, "run", "-c", str(config), "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=1500) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, (stdout[-2000:], stderr[-3000:])
    reports = [json.loads(stdout)["sources"][0] for stdout, _ in outputs]
    committed = sorted(f["file"] for r in reports for f in r["files"])
    assert len(committed) == 12 and len(set(committed)) == 12  # each file committed by one run only
    rows = platform.query("SELECT id, count(*) FROM raw.conc GROUP BY id")
    assert {row[0] for row in rows} == expected
    assert {row[1] for row in rows} == {1}
    files = platform.query(
        "SELECT count(*), count(DISTINCT file_uri) FROM ingest_meta.files WHERE table_name = 'raw.conc'"
    )
    assert files == [(12, 12)]
    assert platform.query("SELECT count(*) FROM raw.conc WHERE added = 'late'") == [(25,)]


def _app_cores(platform: Platform, name_prefix: str) -> int:
    """Executor cores the cluster master has granted the running applications named so."""
    apps = platform.cluster()["activeapps"]
    return sum(app["cores"] for app in apps if app["name"].startswith(name_prefix))


def test_sigkill_a_worker_during_an_ingest_run_gives_one_clean_result(
    platform: Platform, tmp_path: Path
) -> None:
    """The worker running an ingest run's executor SIGKILLed mid-run (the executor dies with it):
    the run completes through task retry in a new executor on the other worker, or fails clearly
    and the rerun gives exactly one copy of every row."""
    local = tmp_path / "landing"
    files, rows = 12, 6000
    for number in range(files):
        day = f"2026-03-0{1 + number % 3}"
        folder = local / "wk" / day
        folder.mkdir(parents=True, exist_ok=True)
        lines = (
            json.dumps(
                {"id": f"{number}-{n}", "ts": f"{day}T09:00:00Z", "payload": {"n": n, "text": "x" * 40}}
            )
            for n in range(rows)
        )
        (folder / f"part-{number}.jsonl").write_text("\n".join(lines) + "\n")
    platform.ctl("upload", str(local), "s3a://landing")
    config = tmp_path / "wk.yml"
    config.write_text(
        "landing: s3a://landing\nsources:\n  wk: {path: wk, table: raw.wk, format: json, partition: {column: ts}}\n"
    )
    run = _ingest(platform, "run", "-c", str(config), "--json")
    deadline = time.monotonic() + 300
    while _app_cores(platform, "ingest") < 2 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)  # the application has its executor's cores
    assert run.poll() is None, "the ingest run ended before it had its executors"
    time.sleep(3)  # into the run's jobs
    worker = platform.worker_running("ingest")  # its tasks must go elsewhere
    platform.ctl("kill", worker)
    stdout, stderr = run.communicate(timeout=900)
    outcome = "completed through task retry" if run.returncode == 0 else f"failed (exit {run.returncode})"
    print(f"\nworker SIGKILLed mid-run: the run {outcome}")
    if run.returncode != 0:
        assert "error" in (stdout + stderr).lower(), stderr[-3000:]  # a clear error, then one clean rerun
        print((stdout + stderr)[-1500:])
        rerun = _ingest(platform, "run", "-c", str(config), "--json")
        stdout, stderr = rerun.communicate(timeout=900)
        assert rerun.returncode == 0, stderr[-3000:]
    assert platform.query("SELECT count(*), count(DISTINCT id) FROM raw.wk") == [(files * rows, files * rows)]
    assert platform.query(
        "SELECT count(*), count(DISTINCT file_uri) FROM ingest_meta.files WHERE table_name = 'raw.wk'"
    ) == [(files, files)]
    platform.ctl("start", worker)
    assert all(item["healthy"] for item in platform.status().values())


def test_dbt_build_survives_a_sigkilled_thrift_server(
    platform: Platform, landed: dict[str, object], tmp_path: Path
) -> None:
    raw_before = _raw_counts(platform)
    # Every model, seed and data test, on the platform's storage and metastore. dbt's unit tests
    # are left to the end-to-end build (tests/e2e): they read only their fixtures, never a table,
    # so the same Spark gives the same answer here (they were a fifth of this build's SQL time).
    full_build = ("build", "--exclude", "resource_type:unit_test")
    build = subprocess.Popen(
        _dbt(platform, tmp_path, *full_build),
        env={**platform.env, "PYTHONUNBUFFERED": "1"},  # lines as they happen, not at exit
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, reached = _read_until_models_created(build)  # kill the compute once a few are built
    if reached:
        platform.ctl("kill", "thrift")
    # The build reports its first failed node, then the operator stops it: each remaining node
    # would wait out dbt's connect retries (3 x 10 s) before failing too, which is not the point.
    assert build.stdout is not None
    watchdog = threading.Timer(90, build.terminate)
    watchdog.start()
    failed = next((line for line in build.stdout if re.search(r"\d+ of \d+ ERROR ", line)), "")
    watchdog.cancel()
    build.terminate()
    build.wait(30)
    build.stdout.close()
    assert reached, "dbt build ended before the Thrift Server was killed:\n" + "".join(output)[-5000:]
    assert build.returncode != 0
    assert failed, "the build never reported a failed node after the Thrift Server was killed"
    assert platform.status()["thrift"]["running"] is False
    # The kill lands mid-commit only by chance; make sure the rerun meets what such a kill leaves
    # (as the seed firmware_releases' persist_docs commit once did): the dead server's Iceberg
    # commit lock, acquired and no longer heartbeated, on a table the rerun writes early.
    _plant_a_dead_commit_lock(platform, "seeds", "firmware_releases")
    platform.ctl("start", "thrift")
    assert _raw_counts(platform) == raw_before
    rerun = subprocess.run(
        _dbt(platform, tmp_path, *full_build),
        env=platform.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout[-5000:]
    assert _dead_locks(platform) == [], "the dead server's metastore locks never expired"
    docs = subprocess.run(
        _dbt(platform, tmp_path, "docs", "generate"),
        env=platform.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert docs.returncode == 0, docs.stdout[-3000:]
    assert (tmp_path / "dbt-target" / "catalog.json").exists()


def test_sigkill_a_worker_during_dbt_build_gives_one_clean_result(
    platform: Platform, landed: dict[str, object], tmp_path: Path
) -> None:
    """The worker running the Thrift Server's executor SIGKILLed during `dbt build`: the build
    completes through task retry, or fails clearly and the rerun succeeds; either way every model
    holds what a clean build of the same data holds (incremental models merged exactly once).

    The build writes: it builds the models of the camera and drone chains (two staging views
    and seven incremental models, the two marts among them). The data tests only read, and the
    previous test's full build ran them on these tables; the other models are built the same
    ways (they would double this test's time, for no other kind of write)."""
    modelled = [t for t in _iceberg_tables(platform) if t.split(".")[0] in ("marts", "intermediate")]
    assert SESSIONS_MART in modelled  # built, clean, by the previous test
    clean = _table_checksums(platform, modelled)
    deadline = time.monotonic() + 120
    while _app_cores(platform, "dap-thrift-server") < 2 and time.monotonic() < deadline:
        time.sleep(0.5)  # the Thrift Server has its executor's cores
    assert _app_cores(platform, "dap-thrift-server") >= 2, platform.cluster()["activeapps"]
    worker = platform.worker_running("dap-thrift-server")
    writes_only = (
        *("--select", "+fct_recording_sessions", "+fct_flights"),  # the camera and drone chains
        *("--exclude", "resource_type:test", "resource_type:unit_test"),
    )
    build = subprocess.Popen(
        _dbt(platform, tmp_path, "build", *writes_only),
        env={**platform.env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, killed = _read_until_models_created(build)  # into the tables, past the staging views
        if killed:
            platform.ctl("kill", worker)
        rest, _ = build.communicate(timeout=900)
        text = "".join(output) + rest
        assert killed, f"dbt build ended before the worker was killed:\n{text[-3000:]}"
        outcome = (
            "completed through task retry" if build.returncode == 0 else f"failed (exit {build.returncode})"
        )
        print(f"\nworker SIGKILLed mid-build: dbt build {outcome}")
        if build.returncode != 0:
            assert re.search(r"ERROR=[1-9]", text), text[-3000:]  # dbt's summary counts the failed nodes
            rerun = subprocess.run(
                _dbt(platform, tmp_path, "build", *writes_only), env=platform.env, cwd=ROOT,
                capture_output=True, text=True, timeout=1500, check=False,
            )  # fmt: skip
            assert rerun.returncode == 0, rerun.stdout[-5000:]
        assert _table_checksums(platform, modelled) == clean
    finally:  # the later tests need the whole cluster
        platform.ctl("start", worker, check=False)
    assert all(item["healthy"] for item in platform.status().values())


def _plant_a_dead_commit_lock(platform: Platform, database: str, table: str) -> None:
    """The HIVE_LOCKS row of an Iceberg commit whose process died: exclusive, acquired, heartbeated
    last 40 s ago (the dead server would have heartbeated up to the kill). It outlives the restart
    and still blocks the rerun, but ``hive.txn.timeout`` (60 s) is reached within 20 s, not 1 min."""
    _plant_a_commit_lock(platform, database, table, host="killed-thrift-server", idle_seconds=40)


def _plant_a_commit_lock(
    platform: Platform, database: str, table: str, *, host: str, idle_seconds: int
) -> None:
    """An exclusive, acquired HIVE_LOCKS row on ``database.table``, last heartbeated
    ``idle_seconds`` ago (it expires once that reaches ``hive.txn.timeout``)."""
    platform.psql(
        "BEGIN; INSERT INTO hive_locks (hl_lock_ext_id, hl_lock_int_id, hl_txnid, hl_db, hl_table,"
        " hl_lock_state, hl_lock_type, hl_last_heartbeat, hl_acquired_at, hl_user, hl_host,"
        " hl_heartbeat_count, hl_agent_info)"
        f" SELECT nl_next, 1, 0, '{database}', '{table}', 'a', 'e',"
        f" (extract(epoch FROM now() - interval '{idle_seconds} seconds') * 1000)::bigint,"
        f" (extract(epoch FROM now() - interval '{idle_seconds} seconds') * 1000)::bigint,"
        f" 'dap-test', '{host}', 1, 'dap-test' FROM next_lock_id;"
        " UPDATE next_lock_id SET nl_next = nl_next + 1; COMMIT;"
    )


def _dead_locks(platform: Platform) -> list[str]:
    rows = platform.psql(
        "SELECT hl_db || '.' || hl_table FROM hive_locks WHERE hl_host = 'killed-thrift-server'"
    )
    return rows.splitlines()


def _iceberg_tables(platform: Platform) -> list[str]:
    tables = []
    for database in ("raw", "ingest_meta", "marts", "intermediate", "seeds"):
        for row in platform.query(f"SHOW TABLES IN {database}"):
            name = f"{database}.{row[1]}"
            described = platform.query(f"DESCRIBE TABLE EXTENDED {name}")
            if any(r[0] == "Provider" and str(r[1]).lower() == "iceberg" for r in described):
                tables.append(name)
    return tables


def _table_checksums(platform: Platform, tables: list[str]) -> dict[str, tuple[int, int]]:
    """Rows and an order-independent hash of every value, per table (one query for all)."""
    union = " UNION ALL ".join(
        f"SELECT '{table}' AS t, count(*) AS n, "
        f"coalesce(sum(cast(xxhash64(to_json(struct(*))) AS decimal(38, 0))), 0) AS h FROM {table}"
        for table in tables
    )
    return {str(t): (int(n), int(h)) for t, n, h in platform.query(union)}


_SNAPSHOT: dict[str, tuple[int, int]] = {}  # every Iceberg table's checksum, for the next test


def test_compute_down_then_a_new_cluster_reads_every_table_back_identical(
    platform: Platform, landed: dict[str, object]
) -> None:
    tables = _iceberg_tables(platform)
    assert {"raw.camera_events", "ingest_meta.files", SESSIONS_MART} <= set(tables)
    before = _table_checksums(platform, tables)
    old = platform.status()
    started = time.monotonic()
    platform.ctl("compute-down")
    down = platform.status()
    compute = ["spark-master", "spark-worker-1", "spark-worker-2", "thrift"]
    assert not any(down[name]["running"] for name in compute), down
    assert down["postgres"]["healthy"] and down["seaweedfs"]["healthy"]  # storage and metastore stay
    platform.ctl("compute-up")
    print(f"\ncompute down + up: {time.monotonic() - started:.0f}s")
    new = platform.status()
    assert all(item["healthy"] for item in new.values()), new
    assert all(new[name]["pid"] != old[name]["pid"] for name in compute)  # new JVMs, not the old ones
    assert _table_checksums(platform, tables) == before
    _SNAPSHOT.update(before)


def test_catalog_rebuild_after_the_metastore_database_is_lost(
    platform: Platform, landed: dict[str, object]
) -> None:
    # The previous test's snapshot when it ran (nothing wrote since), else a fresh one.
    tables = sorted(_SNAPSHOT) or _iceberg_tables(platform)
    assert {"raw.camera_events", "raw.app_events", "ingest_meta.files"} <= set(tables)
    before = dict(_SNAPSHOT) or _table_checksums(platform, tables)
    platform.ctl("stop", "thrift")
    platform.psql("DROP DATABASE metastore WITH (FORCE)", database="postgres")
    platform.ctl("up")  # a new, empty metastore database and schema; the Thrift Server again
    assert platform.query("SHOW DATABASES") == [("default",)]  # every table is gone from the catalog
    rebuilt = _ingest(platform, "catalog", "rebuild", "--json")
    stdout, stderr = rebuilt.communicate(timeout=900)
    assert rebuilt.returncode == 0, stderr[-3000:]
    registered = {r["table"] for r in json.loads(stdout) if r["action"] == "registered"}
    assert set(tables) <= registered
    assert _table_checksums(platform, tables) == before


def test_pyhive_query_on_a_mart_matches_the_ground_truth(
    platform: Platform, landed: dict[str, object]
) -> None:
    counts = landed["counts"]
    assert isinstance(counts, dict)
    by_reason = counts["recording_sessions"]["by_end_reason"]
    rows = platform.query(f"SELECT end_reason, count(*) FROM {SESSIONS_MART} GROUP BY end_reason")
    assert dict(rows) == by_reason


def test_the_restarted_thrift_servers_executor_maps_the_class_archive(platform: Platform) -> None:
    """The Thrift Server was restarted (the SIGKILL tests above) after the fixture made the
    platform driver's class archive: its executor, with that driver's class path, maps it. A JVM
    whose class path does not fit an archive unmaps it after the check at start."""
    executors = []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if "CoarseGrainedExecutorBackend" in command and cwd.startswith(str(TEST_DIR)):
            executors.append(pid)
    assert len(executors) == 1, f"executors of the test platform: {executors}"  # the Thrift Server's
    maps = Path(f"/proc/{executors[0]}/maps").read_text()
    assert re.search(r"/cds/spark-platform-[0-9a-f]{16}\.jsa$", maps, re.M), "no class archive mapped"


def test_no_spark_jvm_of_the_platform_ran_out_of_code_space(platform: Platform) -> None:
    """The Thrift Servers, their executors and the ingest runs' executors kept their JIT compiler
    through every test above. A JVM whose code cache fills says so on its output, then runs new
    code interpreted; the next thread that needs code space fails (once a session close, which
    left every later close, dbt's at the end of each build, waiting forever)."""
    outputs = [*TEST_DIR.glob("logs/thrift-server.log"), *TEST_DIR.glob("spark/*/work/*/*/stderr")]
    assert len(outputs) > 1, "no Thrift Server log or executor output to read"
    full = [str(path) for path in outputs if "CodeCache is full" in path.read_text(errors="replace")]
    assert full == [], f"these JVMs filled their code cache: {full}"


def test_platform_down_leaves_nothing_running(platform: Platform) -> None:
    pids = {int(item["pid"]) for item in platform.status().values() if item["pid"]}
    platform.ctl("down")
    time.sleep(1)
    status = platform.status()
    assert not any(item["running"] for item in status.values()), status
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert listening_addresses(pids) == set()
    leftovers = subprocess.run(["pgrep", "-f", str(TEST_DIR)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], leftovers
    offset = int(TEST_ENV["DAP_SEAWEEDFS_PORT_OFFSET"])
    grpc_ports = {
        int(TEST_ENV["DAP_S3_PORT"]) + 10000,
        *(port + offset + 10000 for port in (9333, 9340, 8888, 23646)),
    }
    assert not [
        p for p in Path("/tmp").glob("seaweedfs-*-grpc-*.sock") if int(p.stem.rsplit("-", 1)[1]) in grpc_ports
    ]

"""PostgreSQL as the Hive metastore database: a private cluster on 127.0.0.1, schema created once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import pwd
import re
import shutil
import time
import zipfile
from pathlib import Path

from dap_platform.install import postgres_bin, spark_home
from dap_platform.layout import PROJECT_ROOT, Layout
from dap_platform.proc import PlatformError, run
from ingest.services.process import port_open, wait_until
from ingest.settings import _bad_env

log = logging.getLogger(__name__)

DATABASE = "metastore"
HIVE_SCHEMA_VERSION = "2.3.0"  # Spark 3.5's built-in Hive client is 2.3.9
# The metastore role as PostgreSQL keeps it: an unquoted name is folded to lowercase (`Hive` would
# create the role hive, and the metastore's login as Hive would fail), and a name is at most 63
# bytes (NAMEDATALEN). The SQL quotes it all the same, so a keyword such as `user` works too.
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
ROLE_RULE = "a PostgreSQL role name: a lowercase letter or '_', then up to 62 of [a-z0-9_] (default 'hive')"


def checked_role(user: str) -> str:
    """``user`` if it can be the local metastore's role (``DAP_METASTORE_USER``), else a ConfigError."""
    if not _ROLE.fullmatch(user):
        raise _bad_env("DAP_METASTORE_USER", user, ROLE_RULE)
    return user


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted: kept as written, never read as a keyword."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A PostgreSQL string literal (standard_conforming_strings: only quotes are doubled)."""
    return "'" + text.replace("'", "''") + "'"


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier: the server (and its log) never sees the password."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(hashlib.sha256(client_key).digest()).decode()}:{b64(server_key).decode()}"
    )


class Postgres:
    name = "postgres"

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.port = layout.config.pg_port
        self.data = layout.pg / "data"
        self.sockets = layout.pg / "run"
        self.log_file = layout.pg / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def bin(self) -> Path:
        return postgres_bin()

    # -- helpers -----------------------------------------------------------------------------
    def _owner(self) -> None:
        if self.user is None:
            return
        entry = pwd.getpwnam(self.user)
        for path in (self.layout.pg, self.sockets):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(self.layout.pg, 0o700)
        if run(["test", "-w", str(self.layout.pg)], user=self.user, check=False).returncode != 0:
            raise PlatformError(
                f"the {self.user} user cannot reach {self.layout.pg}",
                where="a parent directory is not traversable by other users (mode 700?)",
                hint="put the project (or DAP_PLATFORM_DIR) under a path like /work or /srv, "
                "or `chmod o+x` its parent directories",
            )

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser over the private Unix socket (peer auth)."""
        result = run(
            [
                str(self.bin / "psql"),
                "-h",
                str(self.sockets),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-f",
                "-",
            ],
            input_text=sql,
            user=self.user,
        )
        return result.stdout.strip()

    def pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError, IndexError):
            return None

    def healthy(self) -> bool:
        result = run(
            [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False
        )
        return result.returncode == 0

    # -- lifecycle ---------------------------------------------------------------------------
    def init(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        self._owner()
        log.info("initialising a PostgreSQL cluster in %s", self.data)
        run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            user=self.user,
        )
        conf = self.data / "postgresql.conf"
        conf.write_text(conf.read_text() + "\ninclude_if_exists = 'dap_platform.conf'\n")

    def write_settings(self) -> None:
        settings = (
            "# written by platformctl on every start\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.sockets}'\n"
            "unix_socket_permissions = 0700\n"
            "password_encryption = 'scram-sha-256'\n"
            "max_connections = 60\n"
            "shared_buffers = 64MB\n"
            "log_min_messages = warning\n"
            "log_min_error_statement = panic\n"  # statements (which could carry values) never logged
        )
        path = self.data / "dap_platform.conf"
        path.write_text(settings)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> float:
        self.init()
        self.write_settings()
        started = time.monotonic()
        if self.pid() is None:
            if port_open(self.port):
                raise PlatformError(
                    f"port {self.port} is taken by another process",
                    hint="stop it, or choose another port with DAP_PG_PORT",
                )
            run(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                user=self.user,
            )
        wait_until(self.healthy, 60, "PostgreSQL", self.log_file)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.pid() is None:
            return
        run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop"],
            user=self.user,
        )

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, 9)

    # -- metastore ---------------------------------------------------------------------------
    def ensure_metastore(self, user: str, password: str) -> None:
        """Role and database for the metastore (password synced from the dev secrets), then the schema."""
        role = quote_ident(checked_role(user))
        verifier = scram_verifier(password)
        self.psql(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {quote_literal(user)}) "
            f"THEN CREATE ROLE {role} LOGIN; END IF; END $$;\n"
            f"ALTER ROLE {role} LOGIN PASSWORD '{verifier}';\n"
        )
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
            self.psql(f"CREATE DATABASE {DATABASE} OWNER {role} ENCODING 'UTF8';")
        if not self.psql("SELECT 1 FROM information_schema.tables WHERE table_name = 'TBLS'", DATABASE):
            self.create_schema(user, password)
        if not self.psql("SELECT 1 FROM information_schema.tables WHERE table_name = 'hive_locks'", DATABASE):
            self.create_lock_tables(user)

    def create_lock_tables(self, user: str) -> None:
        """The metastore's lock tables (Iceberg commits and ingest's commit lock use them)."""
        log.info("creating the Hive metastore lock tables")
        sql = (PROJECT_ROOT / "platform" / "sql" / "hive-txn-locks.postgres.sql").read_text()
        tables = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", sql)
        owners = "".join(f"ALTER TABLE {t} OWNER TO {quote_ident(user)};\n" for t in tables)
        self.psql(f"BEGIN;\n{sql}\n{owners}COMMIT;\n", DATABASE)

    def create_schema(self, user: str, password: str) -> None:
        """Create the Hive metastore schema once, with DataNucleus SchemaTool over Hive's package.jdo."""
        log.info("creating the Hive metastore schema (DataNucleus SchemaTool)")
        jars = spark_home() / "jars"
        work = self.layout.cache / "schematool"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        metastore_jar = next(jars.glob("hive-metastore-*.jar"))
        with zipfile.ZipFile(metastore_jar) as archive:
            (work / "package.jdo").write_bytes(archive.read("package.jdo"))
        props = work / "datanucleus.properties"
        fd = os.open(props, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            # The same DataNucleus settings Hive's ObjectStore uses at run time.
            handle.write(
                "javax.jdo.option.ConnectionDriverName=org.postgresql.Driver\n"
                f"javax.jdo.option.ConnectionURL=jdbc:postgresql://127.0.0.1:{self.port}/{DATABASE}\n"
                f"javax.jdo.option.ConnectionUserName={user}\n"
                f"javax.jdo.option.ConnectionPassword={password}\n"
                "datanucleus.identifierFactory=datanucleus1\n"
                "datanucleus.rdbms.useLegacyNativeValueStrategy=true\n"
                "datanucleus.storeManagerType=rdbms\n"
                "datanucleus.rdbms.initializeColumnInfo=NONE\n"
                "datanucleus.transactionIsolation=read-committed\n"
            )
        try:
            run(
                [
                    "java",
                    f"-Djava.io.tmpdir={work}",
                    "-XX:-UsePerfData",
                    "-cp",
                    f"{jars}/*:{self.layout.config.jdbc_driver_jar}",
                    "org.datanucleus.store.schema.SchemaTool",
                    "-create",
                    "-api",
                    "JDO",
                    "-props",
                    str(props),
                    str(work / "package.jdo"),
                ],
                cwd=work,
            )
        finally:
            props.unlink(missing_ok=True)
        # Created up front too: DataNucleus would create it lazily, racing between Spark processes.
        self.psql(
            'CREATE TABLE IF NOT EXISTS "SEQUENCE_TABLE" ("SEQUENCE_NAME" varchar(255) NOT NULL, '
            '"NEXT_VAL" bigint NOT NULL, CONSTRAINT "SEQUENCE_TABLE_PK" PRIMARY KEY ("SEQUENCE_NAME"));\n'
            f'ALTER TABLE "SEQUENCE_TABLE" OWNER TO {quote_ident(user)};\n'
            'INSERT INTO "VERSION" ("VER_ID", "SCHEMA_VERSION", "VERSION_COMMENT") '
            f"SELECT 1, '{HIVE_SCHEMA_VERSION}', 'Hive release version {HIVE_SCHEMA_VERSION}' "
            'WHERE NOT EXISTS (SELECT FROM "VERSION");\n',
            DATABASE,
        )
        shutil.rmtree(work, ignore_errors=True)

    def table_locations(self) -> list[str]:
        """Every table and partition location registered in the metastore."""
        out = self.psql('SELECT "LOCATION" FROM "SDS" WHERE "LOCATION" IS NOT NULL', DATABASE)
        return [line for line in out.splitlines() if line]

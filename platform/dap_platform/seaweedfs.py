"""SeaweedFS (``weed mini``) as the S3 API server: 127.0.0.1 only, signed requests, buckets kept."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from dap_platform.install import weed_binary
from dap_platform.layout import BUCKETS, Layout, s3_keys, write_private, write_s3_credentials
from dap_platform.proc import PlatformError
from ingest.platform_conf import PlatformConfig
from ingest.services.process import pid_alive, port_open, read_pid, spawn, stop_pid, wait_until
from ingest.settings import _env_int

log = logging.getLogger(__name__)

# weed mini's other listeners (all bound to 127.0.0.1), each with its gRPC port at +10000; shifted
# together by DAP_SEAWEEDFS_PORT_OFFSET so a second platform (the tests') can run beside the first.
BASE_PORTS = {"master": 9333, "volume": 9340, "filer": 8888, "admin": 23646}
# What dbt builds (dbt_project.yml's fixed layer schemas, and the target schema analytics*).
DBT_DATABASES = "staging,intermediate,marts,seeds,analytics*"


def internal_ports() -> dict[str, int]:
    # Each listener's gRPC port (+10000) must stay a TCP port too.
    highest = 65535 - 10000 - max(BASE_PORTS.values())
    offset = _env_int("DAP_SEAWEEDFS_PORT_OFFSET", 0, minimum=0, maximum=highest)
    return {name: port + offset for name, port in BASE_PORTS.items()}


def grpc_socket_paths(s3_port: int) -> list[Path]:
    """The gRPC sockets weed mini puts in /tmp whatever its flags say (named by port).

    weed replaces a stale one when it starts; ``stop`` removes ours. An earlier version hid them
    in a private /tmp (a mount namespace with a directory bound over /tmp), which also hid a
    checkout or state dir under /tmp from weed and needed root: one plain process is simpler.
    """
    ports = {**internal_ports(), "s3": s3_port}
    return [Path(f"/tmp/seaweedfs-{kind}-grpc-{port + 10000}.sock") for kind, port in ports.items()]  # noqa: S108


def identity_actions(config: PlatformConfig) -> dict[str, list[str]]:
    """What each S3 identity may do, in SeaweedFS's action syntax (``Action:bucket/key-prefix*``).

    ingest reads everything and writes the landing bucket and the raw and ingest_meta databases;
    dbt (the Thrift Server) reads the warehouse and writes the modelled databases
    (``DAP_S3_DBT_DATABASES``); analyst reads and lists, nothing else; admin is platformctl's.
    """
    warehouse = config.warehouse_uri.split("://", 1)[1]  # bucket/prefix
    bucket = config.warehouse_bucket
    landing = BUCKETS[0]

    def write(database: str) -> str:
        return (
            f"Write:{warehouse}/{database}"
            if database.endswith("*")
            else f"Write:{warehouse}/{database}.db/*"
        )

    read_all = [f"{action}:{name}" for name in (landing, bucket) for action in ("Read", "List")]
    dbt_databases = [
        d.strip() for d in os.environ.get("DAP_S3_DBT_DATABASES", DBT_DATABASES).split(",") if d.strip()
    ]
    return {
        "admin": ["Admin", "Read", "Write", "List", "Tagging"],
        "ingest": [*read_all, f"Write:{landing}", write("raw"), write("ingest_meta")],
        "dbt": [f"Read:{bucket}", f"List:{bucket}", *(write(d) for d in dbt_databases)],
        "analyst": read_all,
    }


class SeaweedFS:
    name = "seaweedfs"
    marker = "weed"

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.port = layout.config.s3_port
        self.root = layout.seaweedfs
        self.log_file = layout.logs / "seaweedfs.log"
        self.pid_file = layout.run / "seaweedfs.pid"

    def pid(self) -> int | None:
        return read_pid(self.pid_file, self.marker)

    def write_s3_config(self, secrets_values: dict[str, str]) -> Path:
        """SeaweedFS's identity file (mode 600): the admin and the least-privilege identities."""
        identities = []
        for name, actions in identity_actions(self.layout.config).items():
            key_id, secret = s3_keys(secrets_values, name)
            identities.append(
                {
                    "name": name,
                    "credentials": [{"accessKey": key_id, "secretKey": secret}],
                    "actions": actions,
                }
            )
        path = self.root / "s3.json"
        write_private(path, json.dumps({"identities": identities}))
        write_s3_credentials(self.layout, secrets_values)
        return path

    def command(self, s3_config: Path) -> list[str]:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        weed = [
            str(weed_binary(self.layout)),
            f"-logdir={self.layout.logs}",
            "mini",
            f"-dir={self.root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-s3.port={self.port}",
            f"-s3.config={s3_config}",
            f"-bucket={','.join(BUCKETS)}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            f"-s3.localSocket={self.root / 's3.sock'}",
            *(f"-{name}.port={port}" for name, port in internal_ports().items()),
        ]
        return weed

    def healthy(self, client: object) -> bool:
        names = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}  # type: ignore[attr-defined]
        for bucket in BUCKETS:
            if bucket not in names:
                client.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        return all(client.head_bucket(Bucket=b) is not None for b in BUCKETS)  # type: ignore[attr-defined]

    def start(self, env: dict[str, str], secrets_values: dict[str, str], client: object) -> float:
        started = time.monotonic()
        pid = self.pid()
        if pid is None:
            for port in (self.port, *internal_ports().values()):
                if port_open(port):
                    raise PlatformError(
                        f"port {port} is taken by another process",
                        hint="stop it (or choose another S3 port with DAP_S3_PORT)",
                    )
            s3_config = self.write_s3_config(secrets_values)
            # Its identities come from s3.json only: weed would also turn AWS_* variables into an
            # extra admin identity (and log the key id).
            env = {k: v for k, v in env.items() if not k.startswith("AWS_") and k != "DAP_METASTORE_PASSWORD"}
            pid = spawn(
                self.command(s3_config),
                log_file=self.log_file,
                pid_file=self.pid_file,
                env=env,
                cwd=self.root,
            ).pid
        wait_until(
            lambda: port_open(self.port) and self.healthy(client),
            90,
            "SeaweedFS S3",
            self.log_file,
            alive=lambda: pid_alive(pid),
        )
        self.ensure_warehouse_root(client)
        return time.monotonic() - started

    def ensure_warehouse_root(self, client: Any) -> None:
        """The warehouse root as a folder: a Spark process creating the metastore's default
        database would otherwise create it, which no identity but the admin may."""
        root = self.layout.config.warehouse_uri.split("://", 1)[1].partition("/")[2]
        bucket = self.layout.config.warehouse_bucket
        if root and not client.list_objects_v2(Bucket=bucket, Prefix=root + "/", MaxKeys=1).get("KeyCount"):
            client.put_object(Bucket=bucket, Key=root + "/", Body=b"")

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout=30)
        self.pid_file.unlink(missing_ok=True)
        for socket_path in grpc_socket_paths(self.port):
            socket_path.unlink(missing_ok=True)

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, sig=9)

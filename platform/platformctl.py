#!/usr/bin/env python3
"""Start, stop and check the local platform: PostgreSQL metastore, SeaweedFS S3, a Spark standalone
cluster (master + workers), the Spark Thrift Server running on it, and the Kafka broker of the
real-time path.

    platformctl.py up | down | status [--json]
    platformctl.py compute-down | compute-up   stop / start only the Spark cluster and the Thrift Server
    platformctl.py start|stop|kill|restart postgres|seaweedfs|spark-master|spark-worker-N|thrift|kafka
    platformctl.py recover            clean the debris of killed writes out of the warehouse
    platformctl.py reset              stop and delete the platform data (keeps jars, secrets, the Kafka data)
    platformctl.py upload DIR URI     upload a local directory to S3 (e.g. the sample landing data)
    platformctl.py env                the non-secret settings to export for ingest and dbt
    platformctl.py exec -- CMD...     run CMD with those settings and dbt's SQL password (for dbt);
                                      exit 127 if CMD is not found, 126 if it cannot run
    platformctl.py conf               the platform profile's Spark settings (spark-defaults format)

Run it with the project's venv Python (``make platform-up`` does). All state lives under
``DAP_PLATFORM_DIR`` (default ``<project>/.state/platform``); every service listens on 127.0.0.1.
The Kafka broker is the checkout's one broker (``ingest.broker``, the same as ``make stream-up``):
data under ``$DAP_STATE_DIR/kafka``, port ``DAP_KAFKA_PORT`` (default 19092); ``up`` also creates
the topics of the JSON sources of ``$DAP_CONFIG`` (default ``ingest.yml``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, Protocol

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # dap_platform
sys.path.insert(1, str(HERE.parent))  # ingest, when the venv has no editable install yet

from dap_platform.install import install_all  # noqa: E402
from dap_platform.layout import (  # noqa: E402
    PROJECT_ROOT,
    Layout,
    ensure_dev_secrets,
    s3_keys,
    service_env,
    sql_password,
)
from dap_platform.postgres import Postgres, checked_role  # noqa: E402
from dap_platform.proc import PlatformError  # noqa: E402
from dap_platform.recovery import recover_warehouse  # noqa: E402
from dap_platform.seaweedfs import SeaweedFS  # noqa: E402
from dap_platform.spark_cluster import SparkMaster, SparkWorker  # noqa: E402
from dap_platform.thrift import ThriftServer  # noqa: E402

from ingest.broker import Broker, ensure_source_topics, load_broker_settings  # noqa: E402
from ingest.config import SourceConfig, load_config  # noqa: E402
from ingest.errors import ConfigError, IngestError  # noqa: E402
from ingest.platform_conf import load_platform_config  # noqa: E402

log = logging.getLogger("platformctl")
COMPUTE = ("spark-master", "spark-worker-1", "spark-worker-2", "thrift")  # stateless: compute-down/up
SERVICES = ("postgres", "seaweedfs", *COMPUTE, "kafka")  # in start order


class Service(Protocol):
    name: str
    port: int
    log_file: Path

    def pid(self) -> int | None: ...
    def stop(self) -> None: ...
    def kill(self) -> None: ...


class KafkaService:
    """The real-time path's broker (``ingest.broker``) seen as a platform service."""

    name = "kafka"

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.port = broker.settings.port
        self.log_file = broker.settings.log_file

    def pid(self) -> int | None:
        return self.broker.pid()

    def stop(self) -> None:
        self.broker.stop()

    def kill(self) -> None:
        self.broker.kill()


class Platform:
    def __init__(self) -> None:
        state_dir = Path(os.environ.get("DAP_STATE_DIR") or PROJECT_ROOT / ".state").resolve()
        config = load_platform_config(state_dir)
        os.environ["DAP_PLATFORM_DIR"] = str(config.platform_dir)  # children resolve the same dir
        checked_role(config.metastore_user)  # before any service starts, as the other DAP_* settings
        self.layout = Layout(config)
        self.postgres = Postgres(self.layout)
        self.seaweedfs = SeaweedFS(self.layout)
        self.thrift = ThriftServer(self.layout)
        self.kafka = Broker(load_broker_settings(state_dir))
        self.config_file = Path(os.environ.get("DAP_CONFIG") or PROJECT_ROOT / "ingest.yml")
        self.spark_master = SparkMaster(self.layout)
        self.workers = [
            SparkWorker(self.layout, n, self.spark_master) for n in range(1, config.spark_workers + 1)
        ]
        self.services: dict[str, Service] = {
            "postgres": self.postgres,
            "seaweedfs": self.seaweedfs,
            "spark-master": self.spark_master,
            **{worker.name: worker for worker in self.workers},
            "thrift": self.thrift,
            "kafka": KafkaService(self.kafka),
        }

    @property
    def compute(self) -> list[str]:
        """The stateless services: the cluster and the Thrift Server (start order)."""
        return [name for name in self.services if name not in ("postgres", "seaweedfs", "kafka")]

    def env(self) -> dict[str, str]:
        return service_env(self.layout, ensure_dev_secrets(self.layout))

    def s3(self) -> object:
        """A client with the dev credentials passed explicitly (this process's environment stays clean)."""
        import boto3
        from botocore.config import Config
        from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

        config = self.layout.config
        endpoint = config.s3_endpoint
        if endpoint is not None and not (
            is_valid_endpoint_url(endpoint) or is_valid_ipv6_endpoint_url(endpoint)
        ):
            raise ConfigError(
                f"DAP_S3_ENDPOINT is not a URL: {endpoint!r}",
                where="DAP_S3_ENDPOINT",
                hint="give scheme, host and port, e.g. http://127.0.0.1:8333 (or `aws` for AWS's own), "
                "or unset it for the local platform",
            )
        key_id, secret = s3_keys(ensure_dev_secrets(self.layout), "admin")
        return boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint,
            region_name=config.s3_region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
        )

    @contextmanager
    def reaching_s3(self, what: str) -> Iterator[None]:
        """S3 that does not answer or refuses (the platform is down, a bucket is missing): a
        PlatformError (exit 5) naming the endpoint, not botocore's traceback."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as exc:
            raise PlatformError(
                f"{what}: S3 at {self.layout.config.s3_endpoint or 'AWS'} failed: {exc}",
                where=f"DAP_S3_ENDPOINT={self.layout.config.s3_endpoint or 'aws'}",
                hint="is the platform up? platformctl status; start it with platformctl up "
                f"(SeaweedFS's log: {self.seaweedfs.log_file})",
            ) from None

    def start(self, name: str) -> float:
        if name == "kafka":  # no platform secrets: the broker listens on 127.0.0.1 without auth
            took = self.kafka.start()
            self.create_topics()
            log.info("%s is up (%.1fs)", name, took)
            return took
        env = self.env()
        if name == "postgres":
            took = self.postgres.start()
            self.postgres.ensure_metastore(self.layout.config.metastore_user, env["DAP_METASTORE_PASSWORD"])
        elif name == "seaweedfs":
            took = self.seaweedfs.start(env, ensure_dev_secrets(self.layout), self.s3())
        elif name == "spark-master":
            took = self.spark_master.start(env)
        elif name.startswith("spark-worker-"):
            took = self.worker(name).start(env)
        else:
            self.recover()
            took = self.thrift.start(env)
        log.info("%s is up (%.1fs)", name, took)
        return took

    def sources(self) -> list[SourceConfig]:
        """The sources of ``$DAP_CONFIG`` (none without the file); a bad config is a ConfigError."""
        if not self.config_file.is_file():
            return []
        return load_config(self.config_file, os.environ.get("DAP_LANDING") or "unused").sources

    def create_topics(self) -> None:
        """The topics of the config's JSON sources (the collector creates them too when it starts)."""
        if not self.config_file.is_file():
            log.info("no %s: no topics created", self.config_file)
            return
        ensure_source_topics(self.kafka.settings, self.sources())  # logs each topic it creates

    def worker(self, name: str) -> SparkWorker:
        for worker in self.workers:
            if worker.name == name:
                return worker
        raise PlatformError(f"no such worker: {name}", hint=f"DAP_SPARK_WORKERS={len(self.workers)}")

    def stop(self, name: str) -> None:
        self.service(name).stop()
        log.info("%s is stopped", name)

    def kill(self, name: str) -> None:
        self.service(name).kill()
        log.info("%s was sent SIGKILL", name)

    def service(self, name: str) -> Service:
        """The service called ``name``; another name is a usage error (exit 2), not a failed start."""
        if name not in self.services:
            close = difflib.get_close_matches(name, self.services, n=1)
            raise ConfigError(
                f"no such service: {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                where="SERVICE argument",
                hint=f"name one of: {', '.join(self.services)}",
            )
        return self.services[name]

    def compute_down(self) -> None:
        """Stop the cluster and the Thrift Server; storage and metastore keep running."""
        for name in reversed(self.compute):
            self.stop(name)

    def compute_up(self) -> dict[str, float]:
        """Start the cluster and the Thrift Server again (storage and metastore must be up)."""
        for name in ("postgres", "seaweedfs"):
            if self.service(name).pid() is None:
                raise PlatformError(f"{name} is not running", hint="start the whole platform: platformctl up")
        return self._start_all(self.compute)

    def up(self) -> dict[str, float]:
        started = time.monotonic()
        self.sources()  # the config's errors before any service starts, not after all of them
        self.layout.create()
        install_all(self.layout)
        timings = {"install": time.monotonic() - started}
        timings.update(self._start_all(list(self.services)))
        timings["total"] = time.monotonic() - started
        log.info("platform is up in %.1fs: %s", timings["total"], self.describe())
        return timings

    def _start_all(self, names: list[str]) -> dict[str, float]:
        """Start ``names`` in order; on a failure stop every one this call started, newest first."""
        timings: dict[str, float] = {}
        running_before = {name for name in names if self.service(name).pid() is not None}
        try:
            for name in names:
                timings[name] = self.start(name)
        except BaseException:
            # Leave nothing behind that this call started.
            for name in reversed(names):
                if name not in running_before:
                    try:
                        self.stop(name)
                    except Exception:  # report the original failure, not the clean-up's
                        log.exception("could not stop %s after a failed start", name)
            raise
        return timings

    def down(self) -> None:
        for name in reversed(self.services):
            self.stop(name)

    def reset(self) -> None:
        """Stop everything and delete all data (metastore, buckets, logs); keep jars and secrets."""
        self.down()
        layout = self.layout
        for path in (
            layout.pg,
            layout.seaweedfs,
            layout.thrift,
            layout.logs,
            layout.run,
        ):  # not the Kafka broker's data: `make stream-up` shares it (stream checkpoints point into it)
            shutil.rmtree(path, ignore_errors=True)
        log.info("platform data deleted under %s", layout.root)

    def recover(self) -> None:
        client = self.s3()  # the settings and the secrets first: a bad one is said before a service is
        for name in ("postgres", "seaweedfs"):
            if self.service(name).pid() is None:
                raise PlatformError(
                    f"recover: {name} is not running",
                    where=str(self.service(name).log_file),
                    hint="start the platform first: platformctl up (up runs recover itself)",
                )
        with self.reaching_s3("recover"):
            report = recover_warehouse(
                client, self.layout.config.warehouse_uri, self.postgres.table_locations()
            )
        for path in report.removed_dirs:
            log.info("removed the debris of an aborted write: %s", path)

    def status(self) -> dict[str, dict[str, object]]:
        probes: dict[str, Callable[[], bool]] = {
            "postgres": self.postgres.healthy,
            "seaweedfs": lambda: self.seaweedfs.healthy(self.s3()),
            "spark-master": self.spark_master.healthy,
            **{worker.name: worker.healthy for worker in self.workers},
            "thrift": self.thrift.healthy,
            "kafka": self.kafka.healthy,
        }
        result: dict[str, dict[str, object]] = {}
        for name, service in self.services.items():
            pid = service.pid()
            healthy = False
            if pid is not None:
                try:
                    healthy = bool(probes[name]())
                except Exception:  # noqa: BLE001 - status reports, never raises
                    healthy = False
            host = self.thrift.host if name == "thrift" else "127.0.0.1"
            result[name] = {
                "pid": pid,
                "running": pid is not None,
                "healthy": healthy,
                "port": service.port,
                "address": f"{host}:{service.port}",
            }
        return result

    def describe(self) -> str:
        config = self.layout.config
        return (
            f"S3 {config.s3_endpoint} (buckets landing, warehouse), metastore {config.metastore_jdbc_url}, "
            f"Spark {config.spark_master_url} ({len(self.workers)} workers), "
            f"JDBC jdbc:hive2://{config.thrift_host}:{config.thrift_port}/default, "
            f"Kafka {self.kafka.settings.bootstrap}"
        )

    def spark_conf(self) -> dict[str, str]:
        """The platform profile's Spark settings for an ingest run (spark-defaults; no secrets)."""
        from ingest.settings import load_settings
        from ingest.spark_session import spark_conf

        return spark_conf(load_settings(profile="platform"))

    def exports(self) -> dict[str, str]:
        config = self.layout.config
        return {
            "DAP_PROFILE": "platform",
            "DAP_PLATFORM_DIR": str(config.platform_dir),
            "DAP_LANDING": "s3a://landing",
            "DAP_SPARK_MASTER": config.spark_master_url,
            "DBT_THRIFT_HOST": config.thrift_host,
            "DBT_THRIFT_PORT": str(config.thrift_port),
            "DAP_KAFKA_BOOTSTRAP": self.kafka.settings.bootstrap,
        }


class ExecError(IngestError):
    """``exec``'s command could not be started: exit 127 when it is not found, 126 when it
    cannot run (as env(1) and the shells), so neither is mistaken for the command's own status."""

    def __init__(self, what: str, *, where: str, hint: str, exit_code: int) -> None:
        super().__init__(what, where=where, hint=hint)
        self.exit_code = exit_code


def _exec(cmd: list[str], env: dict[str, str]) -> NoReturn:
    """Replace this process with ``cmd`` (found on ``env``'s PATH); returns only by raising."""
    where = f"PATH={env.get('PATH', os.defpath)}" if "/" not in cmd[0] else cmd[0]
    try:
        os.execvpe(cmd[0], cmd, env)  # noqa: S606 - the user's own command
    except FileNotFoundError:
        raise ExecError(
            f"exec: command not found: {cmd[0]}",
            where=where,
            hint="check its spelling, e.g. platformctl exec -- dbt build --target thrift "
            "(dbt is in the project's .venv/bin: activate it or give the path)",
            exit_code=127,
        ) from None
    except OSError as exc:  # found, but not executable (permissions, not a program)
        raise ExecError(
            f"exec: cannot run {cmd[0]}: {exc.strerror or exc}",
            where=where,
            hint="give a program that this user may execute (chmod +x, or name the interpreter first)",
            exit_code=126,
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="platformctl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("down")
    sub.add_parser("status").add_argument("--json", action="store_true")
    sub.add_parser("compute-down")
    sub.add_parser("compute-up")
    for verb in ("start", "stop", "kill", "restart"):
        sub.add_parser(verb).add_argument("service", metavar="SERVICE", help=", ".join(SERVICES))
    sub.add_parser("recover")
    sub.add_parser("reset")
    upload = sub.add_parser("upload")
    upload.add_argument("local_dir")
    upload.add_argument("uri")
    sub.add_parser("env")
    run_cmd = sub.add_parser("exec")
    run_cmd.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("conf")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s platformctl %(message)s", datefmt="%H:%M:%S")
    for noisy in ("botocore", "boto3", "pyhive", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        platform = Platform()  # resolves DAP_* settings: a bad one is a ConfigError (exit 2)
        if args.command == "up":
            timings = platform.up()
            print(json.dumps({k: round(v, 1) for k, v in timings.items()}))
        elif args.command == "down":
            platform.down()
        elif args.command == "compute-down":
            platform.compute_down()
        elif args.command == "compute-up":
            timings = platform.compute_up()
            print(json.dumps({k: round(v, 1) for k, v in timings.items()}))
        elif args.command == "status":
            status = platform.status()
            if args.json:
                print(json.dumps(status))
            else:
                print(f"{'service':16} {'state':22} {'address':18} pid")
                for name, item in status.items():
                    state = (
                        "healthy"
                        if item["healthy"]
                        else ("running, not healthy" if item["running"] else "down")
                    )
                    print(f"{name:16} {state:22} {item['address']:18} {item['pid'] or '-'}")
            return 0 if all(item["healthy"] for item in status.values()) else 3
        elif args.command in ("start", "stop", "kill"):
            platform.service(args.service)  # a known name, or a clear error
            getattr(platform, args.command)(args.service)
        elif args.command == "restart":
            platform.service(args.service)
            platform.stop(args.service)
            platform.start(args.service)
        elif args.command == "recover":
            platform.recover()
        elif args.command == "reset":
            platform.reset()
        elif args.command == "upload":
            from ingest.landing_s3 import upload_dir

            client = platform.s3()
            with platform.reaching_s3(f"upload to {args.uri}"):
                count = upload_dir(args.local_dir, args.uri, client=client)
            print(f"uploaded {count} files to {args.uri}")
        elif args.command == "conf":
            for key, value in sorted(platform.spark_conf().items()):
                print(f"{key} {value}")
        elif args.command == "exec":
            cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
            if not cmd:
                parser.error("exec needs a command: platformctl exec -- dbt build --target thrift")
            env = {
                **os.environ,
                **platform.exports(),
                "DBT_THRIFT_USER": "dbt",
                "DBT_THRIFT_PASSWORD": sql_password(platform.layout, "dbt"),
            }
            _exec(cmd, env)
        elif args.command == "env":
            for key, value in platform.exports().items():
                print(f"export {key}={value}")
    except (PlatformError, IngestError) as error:
        log.error("%s", error)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

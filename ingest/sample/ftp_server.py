"""Serve a directory over FTP on 127.0.0.1 while one command runs: the sample's remote source.

``python -m ingest.sample.ftp_server --root DIR -- ingest run --pull --config ingest.yml``

starts pyftpdlib (read-only, on a free port unless ``--port``), runs the command with
``DAP_SAMPLE_FTP_PORT``, ``DAP_SAMPLE_FTP_USER`` and ``DAP_SAMPLE_FTP_PASSWORD`` in its
environment (a new random password each time: nothing to configure, nothing to leak), stops the
server and exits with the command's exit code. `make run` uses it to pull the sample's shop
exports. pyftpdlib comes with the ``dev`` extra.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

USER = "sample"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path, help="the directory to share (read-only)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    # configured here, so pyftpdlib does not set up its own INFO log of every command
    logging.basicConfig(level=logging.WARNING, format="sample FTP server: %(message)s")
    args.root.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, password, str(args.root), perm="elr")
    handler = type("SampleHandler", (FTPHandler,), {"authorizer": authorizer, "banner": "sample data"})
    server = FTPServer(("127.0.0.1", args.port), handler)
    port = server.address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2, "handle_exit": False})
    thread.start()
    print(f"sample FTP server: ftp://127.0.0.1:{port}/ sharing {args.root}", file=sys.stderr)
    try:
        env = {
            **os.environ,
            "DAP_SAMPLE_FTP_PORT": str(port),
            "DAP_SAMPLE_FTP_USER": USER,
            "DAP_SAMPLE_FTP_PASSWORD": password,
        }
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        server.ioloop.call_later(0, server.close_all)
        thread.join(10)
        print("sample FTP server stopped", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

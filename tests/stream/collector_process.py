"""The real collector (``python -m ingest collect``) in a subprocess, against the session broker."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ingest.broker import BrokerSettings

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
landing: {landing}
sources:
{sources}
"""


def write_config(path: Path, json_sources: list[str], csv_sources: tuple[str, ...] = ()) -> Path:
    lines = [f"  {s}: {{path: {s}, table: raw.{s}, format: json}}" for s in json_sources]
    lines += [f"  {s}: {{path: {s}, table: raw.{s}, format: csv}}" for s in csv_sources]
    path.write_text(CONFIG.format(landing=path.parent / "landing", sources="\n".join(lines)))
    return path


class Collector:
    def __init__(self, config: Path, broker: BrokerSettings, state_dir: Path, port: int, **env: str) -> None:
        self.token = secrets.token_urlsafe(32)
        self.url = f"http://127.0.0.1:{port}"
        self.config = config
        self.log_file = state_dir / "collector.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DAP_")},
            "DAP_STATE_DIR": str(state_dir),
            "DAP_JARS_DIR": os.environ.get("DAP_JARS_DIR", ""),
            "DAP_KAFKA_PORT": str(broker.port),
            "DAP_KAFKA_CONTROLLER_PORT": str(broker.controller_port),
            "DAP_COLLECTOR_PORT": str(port),
            "DAP_COLLECTOR_TOKENS": f"fleet-a={self.token}",
            "DAP_COLLECTOR_DELIVERY_TIMEOUT_MS": "3000",
            "DAP_COLLECTOR_RETRY_AFTER": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ingest", "collect", "--config", str(self.config)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"collector exited {self.process.returncode}:\n{self.log_file.read_text()}"
                )
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"collector not up after {timeout}s:\n{self.log_file.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def post(self, source: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(
            f"{self.url}/v1/events/{source}",
            content=body,
            headers={**self.auth, **(headers or {})},
            timeout=30,
        )

"""Run-time settings: resolved when a command runs (never at import), overridable by environment.

Two profiles share one code path:
- ``local`` (default): embedded Spark, Derby metastore and warehouse under a project-local state dir.
- ``platform``: the same code against a Hive metastore on PostgreSQL and an S3 warehouse
  (see ``platform/`` and ``ingest.platform_conf``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Profile = Literal["local", "platform"]


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value else default


@dataclass(frozen=True)
class Settings:
    """Where state lives and which deployment profile is active."""

    profile: Profile = "local"
    state_dir: Path = field(default_factory=lambda: Path(".state").resolve())
    landing: str = ""
    spark_master: str = "local[2]"
    shuffle_partitions: int = 4
    driver_memory: str = "4g"

    @property
    def warehouse_dir(self) -> str:
        return str(self.state_dir / "warehouse")

    @property
    def metastore_dir(self) -> Path:
        return self.state_dir / "metastore_db"

    @property
    def scratch_dir(self) -> Path:
        return self.state_dir / "spark-tmp"

    @property
    def jars_dir(self) -> Path:
        """The pinned jars fetched by ``make jars`` (``jars/fetch.sh``); ``DAP_JARS_DIR`` overrides."""
        return Path(_env("DAP_JARS_DIR", str(self.state_dir / "jars"))).resolve()


def load_settings(**overrides: object) -> Settings:
    """Resolve settings from ``DAP_*`` environment variables, then explicit overrides."""
    profile = _env("DAP_PROFILE", "local")
    if profile not in ("local", "platform"):
        from ingest.errors import ConfigError

        raise ConfigError(
            f"unknown profile {profile!r}",
            where="environment variable DAP_PROFILE",
            hint="use 'local' (embedded, the default) or 'platform'",
        )
    state_dir = Path(_env("DAP_STATE_DIR", ".state")).resolve()
    values: dict[str, object] = {
        "profile": profile,
        "state_dir": state_dir,
        "landing": _env("DAP_LANDING", str(state_dir / "landing")),
        "spark_master": _env("DAP_SPARK_MASTER", "local[2]"),
        "shuffle_partitions": int(_env("DAP_SHUFFLE_PARTITIONS", "4")),
        "driver_memory": _env("DAP_DRIVER_MEMORY", "4g"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(values["state_dir"], str):
        values["state_dir"] = Path(values["state_dir"]).resolve()
    return Settings(**values)  # type: ignore[arg-type]

"""Run-time settings: resolved when a command runs (never at import), overridable by environment.

Two profiles share one code path:
- ``local`` (default): embedded Spark, Derby metastore and warehouse under a project-local state dir.
- ``platform``: the same code against a Hive metastore on PostgreSQL and an S3 warehouse
  (see ``platform/`` and ``ingest.platform_conf``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.errors import ConfigError, StateError

CHECKOUT_STATE = Path(__file__).resolve().parents[1] / ".state"  # the Makefile's default STATE
Profile = Literal["local", "platform"]


# Spark takes a 32-bit count; far fewer than that is already more tasks than any cluster runs.
MAX_SHUFFLE_PARTITIONS = 100_000


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value else default


# Spark passes spark.driver.memory to the JVM as -Xmx, which takes a number and one unit letter.
_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$", re.IGNORECASE)
# What SparkContext accepts as a master URL (see docs/platform.md for the cluster ones).
_MASTER = re.compile(
    r"^(local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?|local-cluster\[.+\]|yarn|(spark|k8s|mesos)://.+)$"
)


def _bad_env(name: str, value: str, allowed: str) -> ConfigError:
    return ConfigError(
        f"environment variable {name}={value!r} is not valid; allowed: {allowed}",
        where=f"environment variable {name}",
        hint=f"set {name} to one of the allowed values, or unset it to use the default",
    )


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(name, default)
    if value not in choices:
        raise _bad_env(name, value, f"{' or '.join(repr(c) for c in choices)} (default {default!r})")
    return value


def _env_int(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    text = _env(name, str(default))
    try:
        value = int(text.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise _bad_env(name, text, f"a whole number {bounds} (default {default})")
    return value


def _env_match(name: str, default: str, pattern: re.Pattern[str], allowed: str) -> str:
    value = _env(name, default).strip()
    if not pattern.match(value):
        raise _bad_env(name, value, allowed)
    return value


def _env_jvm_options(name: str) -> str:
    """Extra JVM options. Spark refuses two kinds in a JVM's extraJavaOptions, with a Java stack
    trace once the JVM runs: the heap (-Xmx/-Xms) and its own settings (-Dspark.*)."""
    value = _env(name, "").strip()
    options = value.split()
    if any(option.startswith(("-Xmx", "-Xms")) for option in options):
        raise _bad_env(name, value, "JVM options other than -Xmx/-Xms (set the heap with DAP_DRIVER_MEMORY)")
    if any(option.startswith("-Dspark.") for option in options):
        raise _bad_env(
            name,
            value,
            "JVM options other than Spark settings (-Dspark.*), which Spark refuses as JVM options",
        )
    return value


def jvm_option(option: str, value: object) -> str:
    """``option=value`` for ``spark.*.extraJavaOptions``, the value double-quoted: Spark's launcher
    splits those options at whitespace outside quotes, so a path with a space (a state dir under
    "My Projects") would become two arguments and the JVM would not start."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'{option}="{escaped}"'


# JVM options that leave one JIT compiler: the JVM then reserves 48 MB for compiled code, not the
# 240 MB it reserves for both. Spark compiles new classes for every query, so a JVM that runs
# many (the Thrift Server under `dbt build`, a long local build) fills 48 MB: the platform tests'
# C1-only Thrift Server did within 36 s, then ran with its compiler disabled, and the next thread
# that needed code space got a VirtualMachineError ("Out of space in CodeCache for adapters"). In
# a session close that left Hive's function registry "pending" for good, so every later close
# (dbt's, at the end of each build) waited forever.
_ONE_COMPILER = re.compile(r"^-XX:(TieredStopAtLevel=[0-3]|-TieredCompilation)$")
CODE_CACHE = "-XX:ReservedCodeCacheSize=240m"


def with_code_cache(jvm_options: str) -> str:
    """``jvm_options``, plus the two-compiler code cache (``CODE_CACHE``) when they leave one
    compiler and name no cache size: a reservation, committed only as code is compiled."""
    options = jvm_options.split()
    if any(_ONE_COMPILER.match(o) for o in options) and not any(
        o.startswith("-XX:ReservedCodeCacheSize=") for o in options
    ):
        return f"{jvm_options} {CODE_CACHE}"
    return jvm_options


def picks_collector(jvm_options: str | None) -> bool:
    """Do these JVM options name a garbage collector (``-XX:+UseSerialGC``, ``-XX:+UseG1GC``...)?
    A JVM given two stops ("multiple garbage collectors selected"), so ours gives way to theirs."""
    return any(o.startswith("-XX:+Use") and o.endswith("GC") for o in (jvm_options or "").split())


def _env_port(name: str, default: int) -> int:
    """A TCP port: a whole number from 1 to 65535, else a ConfigError naming the variable."""
    return _env_int(name, default, maximum=65535)


def _env_memory(name: str, default: str) -> str:
    """A JVM memory size as Spark takes it (``512m``, ``4g``), else a ConfigError naming the variable."""
    return _env_match(
        name, default, _MEMORY, f"a number with a unit k, m, g or t, e.g. 512m or 4g (default {default})"
    )


@dataclass(frozen=True)
class Settings:
    """Where state lives and which deployment profile is active."""

    profile: Profile = "local"
    state_dir: Path = field(default_factory=lambda: Path(".state").resolve())
    landing: str = ""
    spark_master: str = "local[2]"
    shuffle_partitions: int = 4
    # 3g: W1 (1,000,000 records) runs as fast as with 4g, and the driver's peak RSS stays under
    # 4 GiB; with a 4g heap the parallel collector once grew it to 4.69 GiB (bench/RESULTS.md,
    # session 44). A cluster's driver runs no task and needs less.
    driver_memory: str = "3g"
    # Extra options for Spark's JVMs (driver; executors on a cluster). The test suite sets
    # -XX:TieredStopAtLevel=1: short runs on small data spend much of their CPU in the JIT.
    jvm_options: str = ""

    @property
    def spark_jvm_options(self) -> str:
        """``jvm_options`` as Spark's JVMs get them: with room for compiled code (``with_code_cache``)."""
        return with_code_cache(self.jvm_options)

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
        """The pinned jars fetched by ``make jars`` (``jars/fetch.sh``).

        ``DAP_JARS_DIR``, else ``<state dir>/jars`` when it exists, else the checkout's
        ``.state/jars`` (where ``make jars`` caches them), so a scratch state dir (a benchmark,
        a test) needs no second copy.
        """
        explicit = os.environ.get("DAP_JARS_DIR")
        if explicit:
            return Path(explicit).resolve()
        own = self.state_dir / "jars"
        return own if own.is_dir() else CHECKOUT_STATE / "jars"


def _default_master(profile: object) -> str:
    if profile == "platform":
        return f"spark://127.0.0.1:{_env_port('DAP_SPARK_MASTER_PORT', 7077)}"
    return "local[2]"


def load_settings(**overrides: object) -> Settings:
    """Resolve settings from ``DAP_*`` environment variables, then explicit overrides.

    A ``DAP_*`` value that is not valid is a ``ConfigError`` naming the variable and the allowed
    values, raised here, before Spark starts. Only variables without an override are read.
    """
    readers: dict[str, Callable[[], object]] = {
        "profile": lambda: _env_choice("DAP_PROFILE", "local", ("local", "platform")),
        # The platform profile's default is the local platform's standalone cluster.
        "spark_master": lambda: _env_match(
            "DAP_SPARK_MASTER",
            _default_master(values.get("profile")),
            _MASTER,
            "local, local[N], local[*], spark://HOST:PORT, yarn, k8s://URL (default local[2]; "
            "DAP_PROFILE=platform: the local platform's cluster)",
        ),
        "shuffle_partitions": lambda: _env_int("DAP_SHUFFLE_PARTITIONS", 4, maximum=MAX_SHUFFLE_PARTITIONS),
        "driver_memory": lambda: _env_memory("DAP_DRIVER_MEMORY", Settings.driver_memory),
        "jvm_options": lambda: _env_jvm_options("DAP_JVM_OPTIONS"),
    }
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    for key, read in readers.items():
        if key not in values:
            values[key] = read()
    state_dir = Path(str(values.get("state_dir") or _env("DAP_STATE_DIR", ".state"))).resolve()
    values["state_dir"] = state_dir
    values.setdefault("landing", _env("DAP_LANDING", str(state_dir / "landing")))
    return Settings(**values)  # type: ignore[arg-type]


def make_state_dir(path: Path, state_dir: Path) -> None:
    """Make ``path`` (the state dir or a dir in it); one that cannot be made is a ConfigError
    naming it and the state dir, not an ``OSError`` traceback."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file is in the way" if path.exists() or _file_above(path) else (exc.strerror or str(exc))
        raise ConfigError(
            f"cannot create the directory {path}: {why}",
            where=f"the state dir (--state-dir or DAP_STATE_DIR): {state_dir}",
            hint="point DAP_STATE_DIR at a directory this user can write (default: .state here)",
        ) from None


def _file_above(path: Path) -> bool:
    return any(parent.is_file() for parent in path.parents)


def required_jar(jars_dir: Path, name: str, what: str, hint: str) -> Path:
    """``jars_dir / name``, or a clear error (``what`` is missing; ``hint``) before any JVM starts."""
    jar = jars_dir / name
    if not jar.is_file():
        raise StateError(
            f"{what} is missing: {jar}",
            where="the jars dir (DAP_JARS_DIR, default <state dir>/jars)",
            hint=hint,
        )
    return jar

"""Per-fleet bearer tokens: loaded from a file or the environment, compared in constant time.

The tokens file (``DAP_COLLECTOR_TOKENS_FILE``, default ``$DAP_STATE_DIR/collector/tokens``) has
one fleet per line, ``<fleet> <token>``; blank lines and lines starting with ``#`` are ignored.
It must be readable by its owner only (mode 600), as ssh insists for its keys. When neither the
file nor ``DAP_COLLECTOR_TOKENS`` exists, ``ingest collect`` generates the file with one random
token for the fleet ``default``. ``DAP_COLLECTOR_TOKENS`` (``fleet=token,fleet2=token2``), when
set, is used instead of the file. Tokens are never logged, printed or put on a command line.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import ConfigError

MIN_LENGTH = 16
_FLEET = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Tokens:
    """Fleet name -> token. ``fleet_of`` compares against every token, whichever matches."""

    by_fleet: dict[str, str] = field(repr=False)

    def fleet_of(self, authorization: str | None) -> str | None:
        """The fleet whose token is in an ``Authorization: Bearer <token>`` header, else None."""
        if not authorization:
            return None
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return None
        given = presented.strip().encode()
        found = None
        for fleet, token in self.by_fleet.items():  # no early exit: the time does not tell which
            if hmac.compare_digest(given, token.encode()):
                found = fleet
        return found


def _check(fleet: str, token: str, where: str) -> None:
    if not _FLEET.match(fleet):
        raise ConfigError(
            f"fleet name {fleet!r} is not valid: letters, digits, '_', '.', '-' (at most 64)", where=where
        )
    if len(token) < MIN_LENGTH:  # the token itself is never shown
        raise ConfigError(
            f"the token of fleet {fleet!r} is shorter than {MIN_LENGTH} characters",
            where=where,
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )


def parse_env(text: str) -> Tokens:
    tokens: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        fleet, sep, token = item.partition("=")
        if not sep:
            raise ConfigError(
                "DAP_COLLECTOR_TOKENS: expected fleet=token[,fleet=token...]",
                where="environment variable DAP_COLLECTOR_TOKENS",
            )
        _check(fleet.strip(), token.strip(), "environment variable DAP_COLLECTOR_TOKENS")
        tokens[fleet.strip()] = token.strip()
    if not tokens:
        raise ConfigError("DAP_COLLECTOR_TOKENS is set but holds no token", where="environment")
    return Tokens(tokens)


def read_file(path: Path) -> Tokens:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"the tokens file is readable by others (mode {mode:o})",
            where=str(path),
            hint=f"chmod 600 {path}",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        bad_line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"the tokens file is not UTF-8 text (byte {error.start + 1}: {error.reason})",
            where=f"{path}, line {bad_line}",
            hint="write it as UTF-8 '<fleet> <token>' lines, or delete it and run `ingest collect` "
            "to generate a new one",
        ) from None
    except OSError as error:
        raise ConfigError(
            f"cannot read the tokens file: {error.strerror}",
            where=str(path),
            hint="make it a file readable by this user (mode 600), or point DAP_COLLECTOR_TOKENS_FILE elsewhere",
        ) from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        where = f"{path}, line {number}"
        if len(parts) != 2:
            raise ConfigError("expected '<fleet> <token>'", where=where)
        _check(parts[0], parts[1], where)
        if parts[0] in tokens:
            raise ConfigError(f"fleet {parts[0]!r} is listed twice", where=where)
        tokens[parts[0]] = parts[1]
    if not tokens:
        raise ConfigError(
            "the tokens file holds no token", where=str(path), hint="add '<fleet> <token>' lines"
        )
    return Tokens(tokens)


def _cannot_create(path: Path, error: OSError) -> ConfigError:
    return ConfigError(
        f"cannot create the tokens file: {error.strerror}",
        where=str(path),
        hint="create it by hand ('<fleet> <token>' lines, mode 600), point "
        "DAP_COLLECTOR_TOKENS_FILE at a writable place, or set DAP_COLLECTOR_TOKENS",
    )


def generate_file(path: Path, fleet: str = "default") -> bool:
    """A new tokens file (mode 600) with one random token for ``fleet``; False if it exists.

    Atomic: the token is written to a temporary file (mode 600) beside it, which is then
    hard-linked to ``path``. The link appears whole or not at all, and fails when ``path``
    exists, so of two collectors that start at once the first one's file is kept and both
    read that token (neither sees a half-written file, nor replaces a token already handed out).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise _cannot_create(path, error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(
                "# Collector bearer tokens, one fleet per line: <fleet> <token>. Generated; keep private.\n"
            )
            handle.write(f"{fleet} {secrets.token_urlsafe(32)}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    except OSError as error:  # a full disk, an I/O error, a file system without hard links
        raise _cannot_create(path, error) from None
    finally:
        os.unlink(temp)


def load_tokens(path: Path, *, generate: bool = False) -> tuple[Tokens, bool]:
    """The tokens from ``DAP_COLLECTOR_TOKENS`` or the file (generated first if ``generate`` and
    missing). Returns the tokens and whether the file was generated now."""
    env = os.environ.get("DAP_COLLECTOR_TOKENS")
    if env:
        return parse_env(env), False
    generated = False
    if not path.exists():
        if not generate:
            raise ConfigError(
                "no collector tokens: the tokens file does not exist and DAP_COLLECTOR_TOKENS is not set",
                where=str(path),
                hint="run `ingest collect` once to generate it, or set DAP_COLLECTOR_TOKENS",
            )
        generated = generate_file(path)  # False: another process generated it first
    return read_file(path), generated

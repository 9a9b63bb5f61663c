"""Column naming: deterministic, Spark/Hive-safe identifiers from arbitrary key paths.

Rules (see README "Names"):
- each key of a path is normalised (Unicode folded to ASCII, lowercased, every run of characters
  outside ``[a-z0-9]`` becomes one ``_``), and the keys are joined with ``_``;
- a key with nothing left (``"名前"``, ``"!!"``) becomes ``x`` + 8 hex chars of its hash;
- a name starting with a digit gets a ``c_`` prefix; names never start with ``_`` (reserved for
  the ingest columns) and never equal a reserved name (the partition column);
- names longer than ``MAX_LEN`` are cut and end in ``_`` + 8 hex chars of the full original path;
- when two different paths would get the same name, the one already in the table keeps it; among
  new paths, the one whose original text is already the normalised form wins, then the
  lexicographically smallest path; every other one gets ``_`` + 8 hex chars of its own path.
So the same set of paths always yields the same columns, whatever order records arrive in, and no
two columns can be one column to Spark or Hive (both case-insensitive).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MAX_LEN = 128
_NON_IDENT = re.compile(r"[^a-z0-9]+")
_HASH_LEN = 8

Path = tuple[str, ...]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_LEN]


def render_path(path: Sequence[str]) -> str:
    """A readable, unambiguous text form of a key path: ``record.attributes.iso``.

    Keys that contain a dot, a backtick or are empty are wrapped in backticks (backticks doubled),
    as Spark writes nested field references.
    """
    parts = []
    for key in path:
        if key == "" or "." in key or "`" in key:
            parts.append("`" + key.replace("`", "``") + "`")
        else:
            parts.append(key)
    return ".".join(parts)


def normalize_key(key: str) -> str:
    """Normalise one key; never empty."""
    folded = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    name = _NON_IDENT.sub("_", folded.lower()).strip("_")
    return name or "x" + _hash(key)


def candidate_name(path: Sequence[str], reserved: Iterable[str] = ()) -> str:
    """The name a path gets when nothing collides with it."""
    name = "_".join(normalize_key(key) for key in path)
    if name[0].isdigit():
        name = "c_" + name
    if name in set(reserved):
        name = f"{name}_{_hash(render_path(path))}"
    if len(name) > MAX_LEN:
        name = f"{name[: MAX_LEN - _HASH_LEN - 1]}_{_hash(render_path(path))}"
    return name


def quote_identifier(name: str) -> str:
    """Quote an identifier for Spark SQL: backticks, with embedded backticks doubled."""
    return "`" + name.replace("`", "``") + "`"


def quote_table(qualified: str) -> str:
    """Quote ``db.table`` (each part separately)."""
    return ".".join(quote_identifier(part) for part in qualified.split(".", 1))


def quote_string(value: str) -> str:
    """A Spark SQL string literal: single quotes, with backslashes and quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class NameAssignment:
    path: Path
    column: str
    is_new: bool


def assign_names(
    paths: Iterable[Path],
    existing: Mapping[Path, str],
    reserved: Iterable[str] = (),
) -> dict[Path, NameAssignment]:
    """Give every path a column name, keeping ``existing`` assignments stable.

    ``existing`` is the table's column map (original path -> column). ``reserved`` names (the
    partition column, the ingest columns) are never given to a data path.
    """
    reserved_set = set(reserved)
    used: dict[str, Path] = {column: path for path, column in existing.items()}
    result = {path: NameAssignment(path, column, False) for path, column in existing.items()}
    new_paths = sorted(
        (p for p in set(paths) if p not in existing),
        key=lambda p: (
            candidate_name(p, reserved_set),
            "_".join(p) != candidate_name(p, reserved_set),
            render_path(p),
        ),
    )
    for path in new_paths:
        name = candidate_name(path, reserved_set)
        if name in used or name in reserved_set:
            suffix = _hash(render_path(path))
            base = name[: MAX_LEN - _HASH_LEN - 1]
            name = f"{base}_{suffix}"
            counter = 2
            while name in used or name in reserved_set:  # a hash collision: vanishingly rare
                name = f"{base[: MAX_LEN - _HASH_LEN - 4]}_{suffix}_{counter}"
                counter += 1
        used[name] = path
        result[path] = NameAssignment(path, name, True)
    return result

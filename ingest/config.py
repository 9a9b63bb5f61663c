"""The sources config (YAML), validated with pydantic.

```yaml
landing: ${DAP_LANDING}            # base for relative source paths; an unset ${VAR} is an error
sources:
  camera:                          # source name: letters, digits, _ and - (no .)
    path: camera                   # dir, glob, or s3a:// prefix (relative to landing), or a list of them
    table: raw.camera_events
    format: json                   # json (lines, documents, arrays; .gz too) | csv | gpmf | ulog
    partition:
      column: event_ts             # original key path of the event time; its date partitions
      format: auto                 # auto (ISO 8601) | epoch_s | epoch_ms | epoch_us | epoch_ns |
                                   # a java.time pattern (dd/MM/yyyy HH:mm)
      fallback: landing_date       # landing_date (the yyyy-mm-dd folder) | ingest_date: for a record
                                   # without a column value, or with one that is not a time
    flatten: {max_depth: 4}
    arrays: {mode: json, explode: []}   # explode: [payload.pull_request.requested_reviewers]
    max_files_per_partition: 1
    schema_policy: evolve          # for new paths on an existing table (main and child tables):
                                   # evolve: add columns | frozen: values to _rescued_data |
                                   # freeze: fail the source | discard_row: quarantine the record |
                                   # discard_value: values out of the columns, to _rescued_data
    types: {zip: string, order.amount: "decimal(12,2)"}   # hints: win over inference for new columns
    ulog: {topics: [vehicle_gps_position]}   # format ulog: only these topics' child tables (default all)
    stream:                        # `ingest stream` (Spark Structured Streaming); omit: stream new files
      kind: kafka                  # kafka: the source's topic | files: new files under `path`
      topic: dap.events.camera     # default dap.events.<source> (the collector's); its dead letters
                                   # (dap.deadletter.<source>) are read too and quarantined
      bootstrap_servers: 127.0.0.1:19092  # default: the local broker's (DAP_KAFKA_BOOTSTRAP, ingest.broker)
      starting_offsets: earliest   # where a new query (no checkpoint yet) starts: earliest | latest
      max_offsets_per_trigger: 200000     # messages per micro-batch at most (default: all available)
      max_files_per_trigger: 1000  # kind files: files per micro-batch at most
```
"""

from __future__ import annotations

import codecs
import glob
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pyspark.sql.types import DataType

from ingest.errors import ConfigError
from ingest.event_time import NAMED_FORMATS, Fallback
from ingest.naming import Path as KeyPath
from ingest.naming import normalize_key
from ingest.pull.config import PullConfig
from ingest.schema_hints import hint_path, parse_hint_type
from ingest.schema_plan import SchemaPolicy

_TABLE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
TABLE_RULE = "table must be 'database.table' in lowercase [a-z0-9_]"
# Kafka's bootstrap.servers: host:port[,host:port...] (stream.bootstrap_servers, DAP_KAFKA_BOOTSTRAP).
BOOTSTRAP = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:[0-9]+(,[A-Za-z0-9.\-\[\]:]+:[0-9]+)*$")
BOOKKEEPING_DB = "ingest_meta"  # ingest.meta's tables (runs, files, quarantine...): never a source's target
# A source's name is part of its Kafka topics' names (dap.events.<source>, where a '.' would make
# them ambiguous), of its stream checkpoint's path and of its streaming query's name: one rule for
# every source, checked when the config is read, so no command gets halfway before it fails.
_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
SOURCE_RULE = "source name must be 1-200 of [A-Za-z0-9_-] (letters, digits, '_', '-'; no '.')"


def is_table_name(value: str) -> bool:
    """Does ``value`` name a table as ingest creates them (``database.table``, lowercase)?"""
    return bool(_TABLE.match(value))


def is_source_name(value: str) -> bool:
    """Can ``value`` name a source (and so its topics and its checkpoint directory)?"""
    return bool(_SOURCE.match(value))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartitionConfig(_Strict):
    column: str | None = None
    format: str = "auto"  # how the column writes its time: a NAMED_FORMATS or a java.time pattern
    fallback: Fallback = "landing_date"

    @field_validator("column")
    @classmethod
    def _a_key_path(cls, value: str | None) -> str | None:
        # An empty name (``column: ""``, ``a..b``) names no key: it would silently partition
        # every record by the fallback date instead of the event time the user meant.
        if value is not None and not all(value.split(".")):
            raise ValueError(
                f"must be a key path such as `ts` or `meta.event_ts` (no empty names), got {value!r}"
            )
        return value

    @field_validator("format")
    @classmethod
    def _a_format(cls, value: str) -> str:
        # A misspelt name would otherwise be taken for a pattern and read nothing.
        if value != value.strip():  # a record's text is trimmed: the pattern could never match it
            raise ValueError(f"must not start or end with a space, got {value!r}")
        if not value or (value.lower().startswith(("epoch", "auto")) and value not in NAMED_FORMATS):
            raise ValueError(
                f"must be {', '.join(NAMED_FORMATS)} or a java.time pattern such as dd/MM/yyyy, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _a_format_needs_a_column(self) -> PartitionConfig:
        if self.format != "auto" and self.column is None:
            raise ValueError(f"format {self.format} reads partition.column: name it (e.g. `column: ts`)")
        return self

    @property
    def key_path(self) -> KeyPath | None:
        return tuple(self.column.split(".")) if self.column else None


class FlattenConfig(_Strict):
    max_depth: int = Field(default=4, ge=1, le=32)


class ArraysConfig(_Strict):
    mode: Literal["json"] = "json"
    explode: list[str] = Field(default_factory=list)

    @field_validator("explode")
    @classmethod
    def _distinct_child_tables(cls, paths: list[str]) -> list[str]:
        # Each exploded array lands in the child table named after its path, normalised (lower
        # case, [a-z0-9_]); two paths with one name would share a table and one array's
        # elements would be skipped as already committed: refused here instead.
        seen: dict[str, str] = {}
        for path in paths:
            if not all(path.split(".")):
                raise ValueError(
                    f"must be key paths such as `tags` or `payload.items` (no empty names), got {path!r}"
                )
            suffix = "__" + "__".join(normalize_key(key) for key in path.split("."))
            if suffix in seen and seen[suffix] != path:
                raise ValueError(
                    f"{seen[suffix]!r} and {path!r} would both be exploded into the child table "
                    f"<table>{suffix}; explode only one of them (the other stays a JSON column)"
                )
            seen[suffix] = path
        return paths

    @property
    def explode_paths(self) -> frozenset[KeyPath]:
        return frozenset(tuple(p.split(".")) for p in self.explode)


_CSV_CHAR_EXAMPLES = {
    "delimiter": "e.g. ',', ';', '|' or a tab, written \"\\t\"",
    "quote": "e.g. '\"' or \"'\"",
    "escape": "e.g. '\"' (a quote doubled inside quotes) or a backslash",
    "comment": "e.g. '#' or '~'",
}


class CsvOptions(_Strict):
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    encoding: str = "UTF-8"
    null_values: list[str] = Field(default_factory=lambda: [""])
    header: Literal["auto", "first_line", "none"] = "auto"
    # A line that starts with it, where a record would start, is a comment: no record, not
    # counted, not quarantined (Spark's reader, the header guess and the count all skip it).
    comment: str | None = None

    # One character each: Spark's reader takes a longer `sep`, but the header sniffer (Python's
    # csv module) and the record counter (ingest.formats.record_count) split on one character, and
    # Spark takes one `quote` / `escape` character. An empty quote (Spark: "no quoting") is not
    # supported: the sniffer and the counter always honour a quote character.
    @field_validator("comment", mode="before")
    @classmethod
    def _comment_given(cls, value: object) -> object:
        # only a value given is checked: `comment: #` in YAML is `comment:` and a YAML comment
        if value is None:
            raise ValueError(
                'is empty: in YAML an unquoted # starts a comment; write it quoted (comment: "#")'
            )
        return value

    @field_validator("delimiter", "quote", "escape", "comment")
    @classmethod
    def _one_character(cls, value: str, info: ValidationInfo) -> str:
        # (an unset comment, None, is a default, never validated; a given None stops above)
        if len(value) != 1 or value in "\r\n":
            examples = _CSV_CHAR_EXAMPLES[str(info.field_name)]
            raise ValueError(
                f"must be exactly one character other than a line break ({examples}), got {value!r}"
            )
        return value

    # The header sniffer and the record counter decode with Python's codecs, Spark's reader with
    # the JVM's charsets: a name Python does not know would fail only inside a run.
    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
            b"a".decode(value, errors="replace")  # LookupError too for a bytes codec (base64)
        except LookupError:
            raise ValueError(f"must be a text encoding such as UTF-8 or ISO-8859-1, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _distinct(self) -> CsvOptions:
        if self.delimiter == self.quote:
            raise ValueError(f"delimiter and quote must differ, both are {self.delimiter!r}")
        for other in ("delimiter", "quote", "escape"):
            if self.comment is not None and self.comment == getattr(self, other):
                raise ValueError(f"comment and {other} must differ, both are {self.comment!r}")
        return self


class UlogOptions(_Strict):
    topics: list[str] = Field(default_factory=list)  # empty: every topic in the logs


class StreamConfig(_Strict):
    """How ``ingest stream`` reads a source: its Kafka topic, or new files under its ``path``."""

    kind: Literal["kafka", "files"] = "files"
    topic: str | None = None  # kafka: default dap.events.<source> (ingest.broker.topics)
    bootstrap_servers: str | None = None  # kafka: default the broker settings' (DAP_KAFKA_BOOTSTRAP)
    starting_offsets: Literal["earliest", "latest"] = "earliest"
    max_offsets_per_trigger: int | None = Field(default=None, ge=1)
    max_files_per_trigger: int = Field(default=1000, ge=1)

    @field_validator("bootstrap_servers")
    @classmethod
    def _bootstrap(cls, value: str | None) -> str | None:
        if value is not None and not BOOTSTRAP.match(value):  # "" too: it is not "use the default"
            raise ValueError(
                f"must be host:port[,host:port...] (leave it out for the local broker), got {value!r}"
            )
        return value

    @field_validator("topic")
    @classmethod
    def _topic_name(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z0-9._-]{1,249}$", value):
            raise ValueError(f"a Kafka topic name is 1-249 of [A-Za-z0-9._-], got {value!r}")
        return value


class SourceConfig(_Strict):
    name: str
    path: str | list[str]
    table: str
    format: Literal["json", "csv", "gpmf", "ulog"]
    # Files modified less than this many seconds ago wait for the next run (still being written).
    settle_seconds: float = Field(default=0, ge=0, allow_inf_nan=False)  # .inf: nothing would ever settle
    partition: PartitionConfig = PartitionConfig()
    flatten: FlattenConfig = FlattenConfig()
    arrays: ArraysConfig = ArraysConfig()
    csv: CsvOptions = CsvOptions()
    ulog: UlogOptions = UlogOptions()
    max_files_per_partition: int = Field(default=1, ge=1, le=1000)
    schema_policy: SchemaPolicy = "evolve"
    types: dict[str, str] = Field(default_factory=dict)
    pull: PullConfig | None = None  # fetch files into `path` first (`ingest pull`, `ingest run --pull`)
    stream: StreamConfig = StreamConfig()  # how `ingest stream` reads it (default: new files under `path`)

    @field_validator("name")
    @classmethod
    def _source_name(cls, value: str) -> str:
        if not is_source_name(value):
            raise ValueError(f"{SOURCE_RULE}; rename the source, got {value!r}")
        return value

    @field_validator("types")
    @classmethod
    def _hint_types(cls, value: dict[str, str]) -> dict[str, str]:
        for path, text in value.items():
            if not path or any(not key for key in path.split(".")):
                raise ValueError(f"types: {path!r} is not a key path like 'a' or 'a.b'")
            try:
                parse_hint_type(text)
            except ValueError as exc:
                raise ValueError(f"types.{path}: {exc}") from None
        return value

    @property
    def type_hints(self) -> dict[KeyPath, DataType]:
        return {hint_path(path): parse_hint_type(text) for path, text in self.types.items()}

    @property
    def patterns(self) -> list[str]:
        """Every landing path of the source: files, directories, globs, S3 prefixes."""
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @field_validator("path")
    @classmethod
    def _some_path(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("path must name at least one file, directory or glob")
        return value

    @model_validator(mode="after")
    def _pull_target(self) -> SourceConfig:
        if self.pull is not None and (not isinstance(self.path, str) or glob.has_magic(self.path)):
            raise ValueError(
                "a source with a pull block needs one landing directory as its path, not a list or a glob"
            )
        return self

    @model_validator(mode="after")
    def _policy_fits_format(self) -> SourceConfig:
        # A ULog message is a record of its topic table, not part of the log's record: dropping
        # "the record" would need a quarantine per topic row, which is not built.
        if self.format == "ulog" and self.schema_policy == "discard_row":
            raise ValueError(
                "schema_policy discard_row is not supported for format ulog; use frozen, freeze or discard_value"
            )
        return self

    @model_validator(mode="after")
    def _kafka_is_json(self) -> SourceConfig:
        if self.stream.kind == "kafka" and self.format != "json":
            raise ValueError("stream.kind kafka needs format json (a Kafka message is one JSON record)")
        return self

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        if not is_table_name(value):
            raise ValueError(f"{TABLE_RULE}, got {value!r}")
        if value.split(".")[0] == BOOKKEEPING_DB:
            raise ValueError(
                f"{BOOKKEEPING_DB} is ingest's own bookkeeping database; choose another, got {value!r}"
            )
        return value


class IngestConfig(_Strict):
    landing: str = ""
    sources: list[SourceConfig]

    def select(self, names: list[str] | None) -> list[SourceConfig]:
        if not names:
            return list(self.sources)
        known = {s.name: s for s in self.sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"unknown source(s): {', '.join(unknown)}",
                hint=f"configured sources: {', '.join(known)}",
            )
        return [known[n] for n in dict.fromkeys(names)]  # a source named twice runs once


_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
# pydantic puts these before the text of the exception a validator raised
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")
# error types whose message already says what the value was, or that have no value to show
_NO_INPUT_ECHO = {"value_error", "assertion_error", "missing", "extra_forbidden"}


def _expand(value: str, *, path: Path, setting: str, hint: str = "") -> str:
    """``~``, ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` expanded; a variable that is unset (or
    empty) without a default is a ConfigError."""

    def substitute(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        found = os.environ.get(name)
        if not found and match["default"] is not None:
            return str(match["default"])
        if not found:
            state = "is not set" if found is None else "is set but empty"
            raise ConfigError(
                f"environment variable {name} {state}; {setting} is {value!r}",
                where=f"{path}, {setting}",
                hint=f"export {name}=... before the run, or write the value into {path}{hint}",
            )
        return found

    return _VAR.sub(substitute, os.path.expanduser(value))


def describe_errors(exc: ValidationError, locate: Callable[[tuple[int | str, ...]], str]) -> str:
    """pydantic's errors as ``setting: message`` pairs, without pydantic's own prefixes."""
    problems = []
    for err in exc.errors():
        message, loc = err["msg"], err["loc"]
        for prefix in _LIBRARY_PREFIXES:
            message = message.removeprefix(prefix)
        # A validator of a mapping that names the key at fault ("types.zip: unknown type"): the
        # key joins the location, which is not named twice.
        deeper = _DEEPER_KEY.match(message)
        if loc and deeper and deeper["path"].startswith(f"{loc[-1]}."):
            loc = (*loc[:-1], *deeper["path"].split("."))
            message = message[deeper.end() :]
        if err["type"] == "list_type":
            message = "must be a list, written [a, b] (one value: [a])"
        if err["type"] not in _NO_INPUT_ECHO:
            shown = repr(err["input"])
            message += f", got {shown if len(shown) <= 80 else shown[:77] + '...'}"
        problems.append(f"{locate(loc)}: {message}")
    return "; ".join(problems)


_DEEPER_KEY = re.compile(r"(?P<path>[^:\s]+): ")


def _resolve(path: str, landing: str, *, config: Path, setting: str) -> str:
    path = _expand(path, path=config, setting=setting)
    if landing and not path.startswith(("/", "s3://", "s3a://")):
        return landing.rstrip("/") + "/" + path
    return path


def _expand_pull(value: Any, *, config: Path, setting: str) -> Any:
    """``${VAR}`` in a pull block's values (a port, a host); ``*_env`` settings are names, kept as written."""
    if isinstance(value, dict):
        return {
            k: v if str(k).endswith("_env") else _expand_pull(v, config=config, setting=f"{setting}.{k}")
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand_pull(v, config=config, setting=setting) for v in value]
    if isinstance(value, str):
        return _expand(value, path=config, setting=setting)
    return value


def _read_text(path: Path) -> str:
    """The config file's text; a path that is not a readable UTF-8 file is a ConfigError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}", where=str(path), hint="pass --config PATH"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"config path is a directory, not a file: {path}",
            where=str(path),
            hint="pass the YAML file itself, e.g. --config ingest.yml",
        ) from None
    except PermissionError:
        raise ConfigError(
            f"config file cannot be read (permission denied): {path}",
            where=str(path),
            hint="make it readable by the user running ingest, or pass another --config",
        ) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"config file is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} cannot be decoded",
            where=f"{path}, line {line}",
            hint="save the file as UTF-8",
        ) from None
    except OSError as exc:  # anything else the OS refuses (an I/O error, a name too long)
        raise ConfigError(
            f"cannot read the config file: {exc.strerror or exc}",
            where=str(path),
            hint="check the path given to --config",
        ) from None


def setting_line(text: str, setting: tuple[str, ...]) -> int | None:
    """The line (1-based) of ``setting`` (``("sources", "camera", "colour")``) in the YAML
    ``text``: of its key, or of the deepest enclosing key that is there (a missing setting is
    reported at its source). None if not even the first key is there."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in setting:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(
            ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None
        )
        if found is None:
            break
        line = found[0].start_mark.line + 1
        node = found[1]
    return line


def _at(path: Path, line: int | None) -> str:
    return f"{path}, line {line}" if line else str(path)


# The settings `ingest load` and `ingest plan PATHS` give an ad-hoc source from their own options.
ADHOC_GIVEN = ("name", "path", "table", "format")
# What they take as `--set KEY=VALUE`: a source block's other settings but the two an ad-hoc load
# of files has no use for (pull, stream).
ADHOC_SETTINGS = tuple(n for n in SourceConfig.model_fields if n not in {*ADHOC_GIVEN, "pull", "stream"})


def source_block(pairs: list[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` pairs as a source block of ingest.yml would hold them.

    ``csv.delimiter=;`` is ``{"csv": {"delimiter": ";"}}``; a ``types`` key is a key path, so
    ``types.order.amount=decimal(12,2)`` is ``{"types": {"order.amount": "decimal(12,2)"}}``.
    A VALUE that starts with a bracket, a brace or a quote is read as YAML, as in the file
    (``[a, b]`` a list, ``"\\t"`` a tab); any other is text. The settings themselves are
    checked by ``SourceConfig``, like a config file's.
    """
    block: dict[str, Any] = {}
    for pair in pairs:
        key, equals, text = pair.partition("=")
        key = key.strip()
        top, _, rest = key.partition(".")
        if not equals or not key:
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE", hint="e.g. --set csv.delimiter=';'")
        if top not in ADHOC_SETTINGS:
            raise ConfigError(
                f"--set {key}: not a setting of an ad-hoc source",
                hint="one of " + ", ".join(ADHOC_SETTINGS) + " (README: Config)",
            )
        path = [top, rest] if top == "types" and rest else key.split(".")
        node = block
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {part} was given a value of its own before")
        if path[-1] in node:
            raise ConfigError(f"--set {key}: given twice", hint="give each setting once")
        node[path[-1]] = _yaml_value(text)
    return block


def _yaml_value(text: str) -> Any:
    """A list, a mapping or a quoted string as YAML reads it; anything else as written (YAML
    would read ``|`` as an empty block, ``no`` as false; pydantic reads ``5`` as a number where
    a number is asked for)."""
    if not text.startswith(("[", "{", '"', "'")):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:  # a quote character alone (csv.quote=')
        return text


def load_config(path: Path, landing_override: str | None = None) -> IngestConfig:
    """Read and validate a config file; relative source paths resolve against ``landing``."""
    text = _read_text(path)
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        raise ConfigError(f"config is not valid YAML: {exc}", where=where) from None
    # Keys as YAML read them (a number, a date, null): sorted by their text.
    unknown = sorted(set(raw) - {"landing", "sources"}, key=str) if isinstance(raw, dict) else []
    if unknown:
        line = setting_line(text, (str(unknown[0]),))
        raise ConfigError(
            f"unknown top-level key(s) in the config: {', '.join(map(str, unknown))}",
            where=_at(path, line),
            hint="the top level has only 'landing' and 'sources'",
        )
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), dict):
        raise ConfigError(
            "config must be a mapping with a 'sources' mapping",
            where=str(path),
            hint="see README, section 'Config'",
        )
    given_landing = raw.get("landing")
    if given_landing is not None and not isinstance(given_landing, str) and not landing_override:
        raise ConfigError(
            f"landing must be one directory (a path or an s3a:// URI), got "
            f"{type(given_landing).__name__}: {given_landing!r}",
            where=_at(path, setting_line(text, ("landing",))),
            hint="write e.g. `landing: ${DAP_LANDING}`; a source lists several paths in its own `path:`",
        )
    landing = landing_override or _expand(
        str(given_landing or ""), path=path, setting="landing", hint=", or pass --landing"
    )
    sources = []
    for name, body in raw["sources"].items():
        if body is not None and not isinstance(body, dict):
            raise ConfigError(
                f"source {name!r} must be a mapping of settings, got {type(body).__name__}: {body!r}",
                where=f"{_at(path, setting_line(text, ('sources', str(name))))}, sources.{name}",
                hint="write e.g. `ev: {path: ev, table: raw.ev, format: json}`",
            )
        body = dict(body or {})
        given = body.get("path", name)
        setting = f"sources.{name}.path"
        resolved = (
            [_resolve(str(p), landing, config=path, setting=setting) for p in given]
            if isinstance(given, list)
            else _resolve(str(given), landing, config=path, setting=setting)
        )
        body.update(name=name, path=resolved)
        for block in ("pull", "stream"):
            if isinstance(body.get(block), dict):
                body[block] = _expand_pull(body[block], config=path, setting=f"sources.{name}.{block}")
        sources.append(body)
    try:
        return IngestConfig.model_validate({"landing": landing, "sources": sources})
    except ValidationError as exc:
        names = [str(body["name"]) for body in sources]

        def setting_of(loc: tuple[int | str, ...]) -> tuple[str, ...]:
            if len(loc) > 1 and loc[0] == "sources" and isinstance(loc[1], int):
                loc = ("sources", names[loc[1]], *loc[2:])
            return tuple(str(part) for part in loc)

        line = setting_line(text, setting_of(exc.errors()[0]["loc"]))  # the first listed setting's
        raise ConfigError(
            f"invalid config: {describe_errors(exc, lambda loc: '.'.join(setting_of(loc)))}",
            where=_at(path, line),
            hint="fix the listed settings",
        ) from None

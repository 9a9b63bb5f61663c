"""The sources config (ingest.config), without Spark: defaults, path resolution, and errors that
say what is wrong, where (file, line, setting) and what to do, with exit code 2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ingest.config import IngestConfig, SourceConfig, load_config, source_block
from ingest.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "sources.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def config_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.exit_code == 2
    assert str(path) in info.value.render()  # every config error names the file
    return info.value


def test_minimal_source_gets_the_documented_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        landing: /data/landing
        sources:
          camera: {table: raw.camera_events, format: json}
        """,
    )
    (source,) = load_config(path).sources
    assert source.name == "camera"
    assert source.path == "/data/landing/camera"  # path defaults to the source name under landing
    assert source.flatten.max_depth == 4
    assert source.arrays.mode == "json" and source.arrays.explode == []
    assert source.schema_policy == "evolve"
    assert source.max_files_per_partition == 1
    assert source.partition.column is None and source.partition.fallback == "landing_date"
    assert source.partition.format == "auto"
    assert source.csv.delimiter == "," and source.csv.null_values == [""]


def test_relative_paths_resolve_against_landing_absolute_and_s3_do_not(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        landing: /base/
        sources:
          a: {path: a/2026-*/*.jsonl, table: raw.a, format: json}
          b: {path: /abs/b, table: raw.b, format: csv}
          c: {path: "s3a://bucket/c/", table: raw.c, format: json}
        """,
    )
    paths = {s.name: s.path for s in load_config(path).sources}
    assert paths == {"a": "/base/a/2026-*/*.jsonl", "b": "/abs/b", "c": "s3a://bucket/c/"}


def test_landing_expands_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LANDING_DIR", "/from/env")
    path = write(tmp_path, "landing: ${TEST_LANDING_DIR}\nsources:\n  ev: {table: raw.ev, format: json}\n")
    assert load_config(path).sources[0].path == "/from/env/ev"


def test_landing_override_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "landing: /cfg\nsources:\n  ev: {table: raw.ev, format: json}\n")
    assert load_config(path, landing_override="/cli").sources[0].path == "/cli/ev"


def test_nested_options_and_explode_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        sources:
          gh:
            path: /gh
            table: raw.github_events
            format: json
            partition: {column: payload.created_at, format: epoch_ms, fallback: ingest_date}
            arrays: {explode: [payload.pull_request.requested_reviewers]}
            flatten: {max_depth: 2}
            schema_policy: frozen
        """,
    )
    (source,) = load_config(path).sources
    assert source.partition.key_path == ("payload", "created_at")
    assert source.partition.format == "epoch_ms"
    assert source.arrays.explode_paths == frozenset({("payload", "pull_request", "requested_reviewers")})
    assert source.flatten.max_depth == 2
    assert source.schema_policy == "frozen"


def test_missing_file_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    error = config_error(tmp_path / "nope.yml")
    assert "not found" in error.what
    assert error.hint and "--config" in error.hint


def test_a_directory_as_config_names_it_and_asks_for_the_file(tmp_path: Path) -> None:
    error = config_error(tmp_path)  # `ingest run --config .`
    assert error.what == f"config path is a directory, not a file: {tmp_path}"
    assert error.hint == "pass the YAML file itself, e.g. --config ingest.yml"


def test_an_unreadable_config_names_the_file_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "sources: {}\n")

    def denied(self: Path, *_args: object, **_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))  # root reads a chmod 000 file

    monkeypatch.setattr(Path, "read_text", denied)
    error = config_error(path)
    assert error.what == f"config file cannot be read (permission denied): {path}"
    assert error.hint == "make it readable by the user running ingest, or pass another --config"


def test_a_config_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("sources:\n  caf\u00e9: {table: raw.cafe, format: json}\n".encode("latin-1"))
    error = config_error(path)
    assert error.what == "config file is not UTF-8 text: byte 0xe9 cannot be decoded"
    assert error.where == f"{path}, line 2"
    assert error.hint == "save the file as UTF-8"


@pytest.mark.parametrize(
    "table",
    [
        "events",
        "Raw.Events",
        "raw.events.x",
        "raw.ev-ents",
        "raw.`x`",
        "raw.x; drop table y",
        "1raw.x",
        "raw.",
    ],
)
def test_bad_table_name_is_rejected_with_the_setting_and_value(tmp_path: Path, table: str) -> None:
    path = write(tmp_path, f"sources:\n  ev: {{path: /x, table: '{table}', format: json}}\n")
    error = config_error(path)
    assert "table" in error.what
    assert "database.table" in error.what
    assert repr(table) in error.what  # the offending value is quoted back


def test_unknown_key_in_a_source_is_rejected_by_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: json, flaten: {max_depth: 2}}\n"
    )
    error = config_error(path)
    assert "flaten" in error.what
    assert "Extra inputs are not permitted" in error.what


def test_unknown_top_level_keys_of_mixed_types_are_all_named(tmp_path: Path) -> None:
    """YAML reads `1:` as a number: the keys are named by their text, not sorted as values."""
    path = write(tmp_path, "landing: /x\n1: foo\nbar: 2\nsources: {}\n")
    error = config_error(path)
    assert error.what == "unknown top-level key(s) in the config: 1, bar"


def test_unknown_nested_key_is_rejected_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: json, flatten: {depth: 2}}\n")
    error = config_error(path)
    assert "flatten.depth" in error.what


@pytest.mark.parametrize(
    ("body", "setting"),
    [
        ("format: xml", "format"),
        ("format: json, schema_policy: loose", "schema_policy"),
        ("format: json, flatten: {max_depth: 0}", "flatten.max_depth"),
        ("format: json, max_files_per_partition: 0", "max_files_per_partition"),
        ("format: json, partition: {fallback: yesterday}", "partition.fallback"),
        ("format: json, partition: {column: ts, format: epoch_minutes}", "partition.format"),
        ("format: json, partition: {format: epoch_ms}", "partition"),
        ("format: json, partition: {column: ts, format: epoch_sec}", "partition.format"),
        ("format: json, partition: {column: ts, format: Auto}", "partition.format"),
        ("format: json, partition: {column: ts, format: ' '}", "partition.format"),
        ("format: csv, csv: {header: first_row}", "csv.header"),
        ("format: json, settle_seconds: .inf", "settle_seconds"),
        ("format: json, settle_seconds: .nan", "settle_seconds"),
        ("format: json, partition: {column: ''}", "partition.column"),
        ("format: json, partition: {column: meta..ts}", "partition.column"),
        ("format: json, arrays: {explode: ['']}", "arrays.explode"),
        ("format: json, stream: {kind: kafka, bootstrap_servers: ''}", "stream.bootstrap_servers"),
        ("format: json, stream: {kind: kafka, bootstrap_servers: no such host}", "stream.bootstrap_servers"),
        ("format: json, arrays: {explode: [a..b]}", "arrays.explode"),
    ],
)
def test_invalid_values_name_the_setting(tmp_path: Path, body: str, setting: str) -> None:
    path = write(tmp_path, f"sources:\n  ev: {{path: /x, table: raw.ev, {body}}}\n")
    assert setting in config_error(path).what


@pytest.mark.parametrize(
    ("csv", "setting", "shown"),
    [
        ('{delimiter: "||"}', "sources.ev.csv.delimiter", "got '||'"),
        ('{delimiter: ""}', "sources.ev.csv.delimiter", "got ''"),
        ('{delimiter: "\\n"}', "sources.ev.csv.delimiter", "got '\\n'"),
        ('{quote: ""}', "sources.ev.csv.quote", "got ''"),
        ("{quote: \"''\"}", "sources.ev.csv.quote", "got \"''\""),
        ('{escape: "\\\\\\\\"}', "sources.ev.csv.escape", "got '\\\\\\\\'"),
    ],
)
def test_csv_delimiter_quote_and_escape_are_one_character(
    tmp_path: Path, csv: str, setting: str, shown: str
) -> None:
    path = write(tmp_path, f"sources:\n  ev: {{path: /x, table: raw.ev, format: csv, csv: {csv}}}\n")
    what = config_error(path).what
    assert f"{setting}: must be exactly one character other than a line break (e.g. " in what
    assert what.endswith(shown)


def test_csv_delimiter_and_quote_must_differ(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'sources:\n  ev: {path: /x, table: raw.ev, format: csv, csv: {delimiter: "\'", quote: "\'"}}\n',
    )
    assert 'sources.ev.csv: delimiter and quote must differ, both are "\'"' in config_error(path).what


def test_a_csv_comment_is_one_character_of_its_own(tmp_path: Path) -> None:
    two = write(tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: csv, csv: {comment: '//'}}\n")
    assert "sources.ev.csv.comment: must be exactly one character other than a line break (e.g. '#'" in (
        config_error(two).what
    )
    same = write(tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: csv, csv: {comment: ','}}\n")
    assert "comment and delimiter must differ, both are ','" in config_error(same).what
    # YAML reads an unquoted # as the start of a comment: the setting would be silently off
    unquoted = write(
        tmp_path,
        "sources:\n  ev:\n    path: /x\n    table: raw.ev\n    format: csv\n    csv:\n      comment: #\n",
    )
    assert (
        'sources.ev.csv.comment: is empty: in YAML an unquoted # starts a comment; write it quoted (comment: "#")'
        in (config_error(unquoted).what)
    )


def test_a_tab_delimiter_and_a_single_quote_are_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'sources:\n  ev: {path: /x, table: raw.ev, format: csv, csv: {delimiter: "\\t", quote: "\'"}}\n',
    )
    (source,) = load_config(path).sources
    assert (source.csv.delimiter, source.csv.quote) == ("\t", "'")


def test_missing_required_settings_are_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  ev: {path: /x}\n")
    error = config_error(path)
    assert "table" in error.what and "format" in error.what
    assert "Field required" in error.what


def test_validation_error_names_the_source_not_its_index(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        sources:
          first: {path: /x, table: raw.first, format: json}
          second: {path: /y, table: Raw.Second, format: json}
        """,
    )
    assert "sources.second.table" in config_error(path).what


@pytest.mark.parametrize("name", ["cam.v2", "cam/v2", "..", "cam v2", "x" * 201])
def test_source_name_must_fit_a_topic_and_a_directory_whatever_the_format(tmp_path: Path, name: str) -> None:
    path = write(
        tmp_path,
        f"""
        sources:
          ok: {{path: /x, table: raw.ok, format: json}}
          '{name}': {{path: /y, table: raw.shop, format: csv}}
        """,
    )
    assert config_error(path).what == (
        f"invalid config: sources.{name}.name: source name must be 1-200 of [A-Za-z0-9_-] (letters, digits, "
        f"'_', '-'; no '.'); rename the source, got {name!r}"
    )


@pytest.mark.parametrize("name", ["cam", "Cam_2", "shop-eu", "x" * 200])
def test_source_names_of_letters_digits_underscores_and_dashes_are_fine(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"sources:\n  '{name}': {{path: /x, table: raw.ev, format: json}}\n")
    assert [s.name for s in load_config(path).sources] == [name]


def test_invalid_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  ev: {path: /x\n  table: raw.ev\n")
    error = config_error(path)
    assert "not valid YAML" in error.what
    assert error.where is not None and f"{path}, line " in error.where and "column" in error.where


@pytest.mark.parametrize("text", ["", "sources: [a, b]\n", "just text\n", "landing: /x\n"])
def test_config_without_a_sources_mapping(tmp_path: Path, text: str) -> None:
    error = config_error(write(tmp_path, text))
    assert "'sources'" in error.what
    assert error.hint


def test_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "landnig: /data\nsources:\n  ev: {path: ev, table: raw.ev, format: json}\n")
    assert "landnig" in config_error(path).what


@pytest.mark.parametrize("body", ["5", "[path, table]", "just-a-string"])
def test_source_that_is_not_a_mapping_is_a_config_error(tmp_path: Path, body: str) -> None:
    path = write(tmp_path, f"sources:\n  ev: {body}\n")
    error = config_error(path)
    assert "ev" in error.what


def test_source_with_empty_body_reports_missing_settings(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "sources:\n  ev:\n"))
    assert "Field required" in error.what


def test_select_unknown_source_lists_the_known_ones() -> None:
    config = IngestConfig(sources=[{"name": "a", "path": "/a", "table": "raw.a", "format": "json"}])
    with pytest.raises(ConfigError) as info:
        config.select(["b"])
    assert "b" in info.value.what
    assert info.value.hint and "a" in info.value.hint
    assert info.value.exit_code == 2


def test_config_is_immutable() -> None:
    config = IngestConfig(sources=[{"name": "a", "path": "/a", "table": "raw.a", "format": "json"}])
    with pytest.raises(Exception):  # noqa: B017, PT011 - pydantic's frozen instance error
        config.sources[0].table = "raw.b"  # type: ignore[misc]


def test_unset_variable_in_landing_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_UNSET_LANDING", raising=False)
    path = write(
        tmp_path, "landing: ${TEST_UNSET_LANDING}/x\nsources:\n  ev: {table: raw.ev, format: json}\n"
    )
    error = config_error(path)
    assert (
        error.what
        == "environment variable TEST_UNSET_LANDING is not set; landing is '${TEST_UNSET_LANDING}/x'"
    )
    assert error.where == f"{path}, landing"


def test_empty_variable_is_an_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_EMPTY_LANDING", "")
    path = write(tmp_path, "landing: $TEST_EMPTY_LANDING\nsources:\n  ev: {table: raw.ev, format: json}\n")
    assert config_error(path).what == (
        "environment variable TEST_EMPTY_LANDING is set but empty; landing is '$TEST_EMPTY_LANDING'"
    )


def test_landing_override_skips_the_config_landing_and_its_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_UNSET_LANDING", raising=False)
    path = write(tmp_path, "landing: ${TEST_UNSET_LANDING}\nsources:\n  ev: {table: raw.ev, format: json}\n")
    assert load_config(path, landing_override="/cli").sources[0].path == "/cli/ev"


def test_validation_messages_carry_no_library_prefix(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  ev: {path: /x, table: Raw.Ev, format: json}\n")
    error = config_error(path)
    assert "Value error" not in error.what
    assert error.what.startswith("invalid config: sources.ev.table: table must be")


def test_a_source_path_can_be_a_list_each_resolved_against_landing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        landing: /data/landing
        sources:
          ev: {path: [ev/a.jsonl, /abs/b, "ev/2026-*/*.json", "s3a://bucket/ev"], table: raw.ev, format: json}
          one: {table: raw.one, format: json}
        """,
    )
    ev, one = load_config(path).sources
    assert ev.patterns == [
        "/data/landing/ev/a.jsonl",
        "/abs/b",
        "/data/landing/ev/2026-*/*.json",
        "s3a://bucket/ev",
    ]
    assert one.patterns == ["/data/landing/one"]


def test_an_empty_path_list_is_a_config_error(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "sources:\n  ev: {path: [], table: raw.ev, format: json}\n"))
    assert "sources.ev.path" in error.render() and "at least one" in error.render()


def test_discard_row_is_refused_for_ulog_sources() -> None:
    from pydantic import ValidationError

    from ingest.config import IngestConfig

    source = {
        "name": "px4",
        "path": "/x",
        "table": "raw.px4",
        "format": "ulog",
        "schema_policy": "discard_row",
    }
    with pytest.raises(ValidationError, match="discard_row is not supported for format ulog"):
        IngestConfig(sources=[source])


@pytest.mark.parametrize("encoding", ["utf-99", "base64"])
def test_csv_encoding_must_be_a_known_text_encoding(tmp_path: Path, encoding: str) -> None:
    path = write(
        tmp_path, f"sources:\n  ev: {{path: /x, table: raw.ev, format: csv, csv: {{encoding: {encoding}}}}}\n"
    )
    assert (
        f"sources.ev.csv.encoding: must be a text encoding such as UTF-8 or ISO-8859-1, got '{encoding}'"
        in config_error(path).what
    )


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1", "windows-1252", "UTF-16LE"])
def test_csv_encodings_python_and_spark_both_know_are_accepted(tmp_path: Path, encoding: str) -> None:
    path = write(
        tmp_path, f"sources:\n  ev: {{path: /x, table: raw.ev, format: csv, csv: {{encoding: {encoding}}}}}\n"
    )
    (source,) = load_config(path).sources
    assert source.csv.encoding == encoding  # kept as written: Spark's reader takes the JVM's name


# -- the line of the setting at fault (README: "the file, line and setting") -----------------------

CAMERA = """\
landing: /data
sources:
  camera:
    path: camera
    table: raw.camera
    format: json
"""


@pytest.mark.parametrize(
    ("shop", "line", "setting"),
    [
        # an unknown key: reported at its own line
        ("  shop:\n    path: shop\n    table: raw.shop\n    format: json\n    colour: blue\n", 11, "colour"),
        # a bad value in a nested block: at its key's line
        ("  shop:\n    path: shop\n    table: raw.shop\n    format: csv\n    csv:\n      delimiter: '||'\n",
         12, "sources.shop.csv.delimiter"),
        # a setting that is missing: at its source's line
        ("  shop:\n    path: shop\n    table: raw.shop\n", 7, "sources.shop.format"),
    ],
)  # fmt: skip
def test_an_invalid_setting_is_reported_at_its_line(
    tmp_path: Path, shop: str, line: int, setting: str
) -> None:
    error = config_error(write(tmp_path, CAMERA + shop))
    assert error.where == f"{tmp_path / 'sources.yml'}, line {line}"
    assert setting in error.what


def test_an_unknown_top_level_key_and_a_source_that_is_no_mapping_are_reported_at_their_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, CAMERA + "landnig: /other\n")
    assert config_error(path).where == f"{path}, line 7"
    path = write(tmp_path, CAMERA + "  shop: 5\n")
    assert config_error(path).where == f"{path}, line 7, sources.shop"


def test_a_source_selected_twice_runs_once_in_the_order_first_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  a: {path: /a, table: raw.a, format: json}\n  b: {path: /b, table: raw.b, format: json}\n",
    )
    config = load_config(path)
    assert [s.name for s in config.select(["b", "a", "b"])] == ["b", "a"]


@pytest.mark.parametrize("landing", ["[/a, /b]", "{dir: /a}", "5"])
def test_a_landing_that_is_not_one_path_is_a_config_error_at_its_line(tmp_path: Path, landing: str) -> None:
    path = write(tmp_path, f"landing: {landing}\nsources:\n  ev: {{path: ev, table: raw.ev, format: json}}\n")
    error = config_error(path)
    assert "landing must be one directory" in error.what
    assert error.where == f"{path}, line 1"


def test_a_key_path_of_several_names_partitions_by_a_nested_key(tmp_path: Path) -> None:
    path = write(
        tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: json, partition: {column: meta.ts}}\n"
    )
    assert load_config(path).sources[0].partition.key_path == ("meta", "ts")


def test_two_exploded_arrays_whose_child_tables_would_share_a_name_are_refused(tmp_path: Path) -> None:
    """``tags`` and ``Tags`` both become ``<table>__tags``: one array's elements would be lost."""
    path = write(
        tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: json, arrays: {explode: [tags, Tags]}}\n"
    )
    error = config_error(path)
    assert "sources.ev.arrays.explode" in error.what
    assert "'tags' and 'Tags' would both be exploded into the child table <table>__tags" in error.what


def test_the_same_array_named_twice_is_one_child_table(tmp_path: Path) -> None:
    path = write(
        tmp_path, "sources:\n  ev: {path: /x, table: raw.ev, format: json, arrays: {explode: [a.b, a.b]}}\n"
    )
    assert load_config(path).sources[0].arrays.explode_paths == {("a", "b")}


def test_a_table_in_ingests_own_bookkeeping_database_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  ev: {path: /x, table: ingest_meta.runs, format: json}\n")
    error = config_error(path)
    assert "sources.ev.table" in error.what
    assert (
        "ingest_meta is ingest's own bookkeeping database; choose another, got 'ingest_meta.runs'"
        in error.what
    )


def test_set_options_read_as_a_source_block() -> None:
    """``ingest load --set KEY=VALUE``: a config's source block, VALUE read as YAML where it is."""
    pairs = [
        "csv.delimiter=;",
        'csv.quote="\'"',
        "csv.escape=\\",
        "csv.header=none",
        'csv.null_values=[NA, ""]',
        "partition.column=received at",
        "partition.format=dd/MM/yyyy HH:mm",
        "types.order.amount=decimal(12,2)",  # a types key is a key path
        "ulog.topics=[vehicle_status]",
        "settle_seconds=5",
        "schema_policy=frozen",
    ]
    block = source_block(pairs)
    assert block == {
        "csv": {"delimiter": ";", "quote": "'", "escape": "\\", "header": "none", "null_values": ["NA", ""]},
        "partition": {"column": "received at", "format": "dd/MM/yyyy HH:mm"},
        "types": {"order.amount": "decimal(12,2)"},
        "ulog": {"topics": ["vehicle_status"]},
        "settle_seconds": "5",  # a number to SourceConfig, as pydantic reads it
        "schema_policy": "frozen",
    }
    source = SourceConfig.model_validate(
        {**block, "name": "x", "path": "/in", "table": "raw.x", "format": "csv"}
    )
    assert (source.csv.delimiter, source.csv.header, source.partition.format, source.settle_seconds) == (
        ";",
        "none",
        "dd/MM/yyyy HH:mm",
        5.0,
    )
    # text as written: YAML would read "|" as an empty block, "no" as false
    assert source_block(["csv.delimiter=|", "csv.null_values=", "partition.column=no"]) == {
        "csv": {"delimiter": "|", "null_values": ""},
        "partition": {"column": "no"},
    }
    assert source_block(['csv.delimiter="\\t"']) == {"csv": {"delimiter": "\t"}}  # YAML's escape: a tab

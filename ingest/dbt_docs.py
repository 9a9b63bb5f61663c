"""The dbt docs site, with the lineage of raw columns: ``make docs`` runs ``python -m ingest.dbt_docs``.

1. ``dbt run-operation print_raw_column_lineage`` prints ``ingest_meta.column_map``: for every raw
   column ingest created from the data, its original path, type, first run, file and time.
2. ``dbt docs generate`` writes ``manifest.json`` (what YAML documents), ``catalog.json`` (the
   columns each relation has in the warehouse) and ``index.html`` to dbt's target path.
3. Every column that the catalog lists but no YAML describes (a column that arrived by dynamic
   DDL and was carried through) gets a description and ``meta`` in ``manifest.json`` from the
   raw column of the same name upstream: the docs site shows where it came from and when,
   before anyone writes YAML for it (``generate_raw_column_docs`` prints that YAML).

Steps 1 and 2 run in this process (``dbtRunner``), so on the local target they share one Spark
session and one JVM start. dbt's own files are only added to: a column YAML describes is never
changed. Step 3 is a pure function (``annotate``) over the three JSON documents.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict

from ingest import class_archive
from ingest.errors import ConfigError, IngestError, print_error

log = logging.getLogger(__name__)

LINEAGE_MARKER = "raw_column_lineage: "


class RawColumn(TypedDict):
    """One row of ``ingest_meta.column_map`` as ``print_raw_column_lineage`` prints it."""

    table_name: str
    column_name: str
    original_path: str
    data_type: str
    first_run_id: str
    first_source_file: str | None
    first_seen_at: str | None


def parse_lineage(output: str) -> list[RawColumn]:
    """The JSON after the marker line in ``dbt run-operation print_raw_column_lineage`` output."""
    for line in reversed(output.splitlines()):
        if line.startswith(LINEAGE_MARKER):
            rows: list[RawColumn] = json.loads(line[len(LINEAGE_MARKER) :])
            return rows
    raise ValueError(f"no line starting with {LINEAGE_MARKER!r} in the output of print_raw_column_lineage")


def describe(raw: RawColumn) -> str:
    """The docs site's text for a column that arrived by dynamic DDL and has no YAML entry."""
    seen = f"first seen {raw['first_seen_at']} UTC " if raw["first_seen_at"] else "first seen "
    source_file = f", file `{raw['first_source_file']}`" if raw["first_source_file"] else ""
    return (
        f"Dynamic DDL ({raw['table_name']}): original path `{raw['original_path']}` ({raw['data_type']}), "
        f"{seen}in run `{raw['first_run_id']}`{source_file}. "
        "Not described in YAML yet (see `generate_raw_column_docs`)."
    )


def _upstream_raw_tables(unique_id: str, manifest: Mapping[str, Any]) -> list[str]:
    """``schema.identifier`` of every source the node reads, directly or through other models."""
    sources: Mapping[str, Any] = manifest["sources"]
    nodes: Mapping[str, Any] = manifest["nodes"]
    seen: set[str] = set()
    stack = [unique_id]
    tables: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in sources:
            tables.add(f"{sources[current]['schema']}.{sources[current]['identifier']}".lower())
        elif current in nodes:
            stack.extend(nodes[current].get("depends_on", {}).get("nodes", []))
    return sorted(tables)


def _column_entry(template: Mapping[str, Any] | None, name: str, data_type: str | None) -> dict[str, Any]:
    """A manifest column for ``name``, shaped like the node's other columns."""
    entry: dict[str, Any] = {key: None for key in template} if template else {}
    entry.update(name=name, description="", meta={}, data_type=data_type, constraints=[], tags=[])
    if template and "config" in template:
        entry["config"] = {"meta": {}, "tags": []}
    return entry


def annotate(
    manifest: dict[str, Any], catalog: Mapping[str, Any], lineage: Iterable[RawColumn]
) -> list[tuple[str, str]]:
    """Describe every catalogued column without a YAML entry whose raw column is known.

    Models find the raw column upstream (through ``depends_on``), sources in their own table.
    Returns the (node, column) pairs it described.
    """
    by_table: dict[str, dict[str, RawColumn]] = {}
    for row in lineage:
        by_table.setdefault(row["table_name"].lower(), {}).setdefault(row["column_name"].lower(), row)
    described: list[tuple[str, str]] = []
    resources = [
        *((uid, node) for uid, node in manifest["nodes"].items() if node.get("resource_type") == "model"),
        *manifest["sources"].items(),
    ]
    catalogued = {**catalog.get("nodes", {}), **catalog.get("sources", {})}
    for unique_id, node in resources:
        columns_in_warehouse = catalogued.get(unique_id, {}).get("columns", {})
        if not columns_in_warehouse:
            continue
        documented = {name.lower() for name in node["columns"]}
        template = next(iter(node["columns"].values()), None)
        tables = _upstream_raw_tables(unique_id, manifest)
        for column in sorted(columns_in_warehouse.values(), key=lambda c: c.get("index", 0)):
            name = column["name"]
            raw = next(
                (by_table[t][name.lower()] for t in tables if name.lower() in by_table.get(t, {})), None
            )
            if name.lower() in documented or raw is None:
                continue
            entry = _column_entry(template, name, column.get("type"))
            entry["description"] = describe(raw)
            entry["meta"] = {
                "raw_table": raw["table_name"],
                "original_path": raw["original_path"],
                "first_run_id": raw["first_run_id"],
                "first_seen_at": raw["first_seen_at"],
                "first_source_file": raw["first_source_file"],
            }
            node["columns"][name] = entry
            described.append((unique_id, name))
    return described


def _dbt(args: list[str]) -> str:
    """Run one dbt command in this process and return what it printed on stdout.

    In-process, the Spark session the first command starts (the local target's session mode)
    serves the next one too: ``make docs`` starts one JVM, not one per dbt command. A failed
    command's output goes to stderr; dbt's failure is exit 1, an error that stopped it exit 2.
    """
    from dbt.cli.main import dbtRunner

    from ingest.dbt_console import dbt_error

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # the macro's print() and dbt's console lines
        try:
            result = dbtRunner().invoke(args)
            exception = result.exception
        except Exception as exc:  # dbtRunner returns what it catches; this is the net under it
            result, exception = None, exc
    if exception is not None:  # its message is in the error; dbt's copy on stdout is dropped
        error = dbt_error(args[0], args, exception, program="dbt")
        error.exit_code = 2  # dbt's exit code for an error, as ``ingest.dbt_console`` gives it
        raise error
    if result is None or not result.success:
        sys.stderr.write(printed.getvalue()[-4000:])
        raise SystemExit(f"dbt {' '.join(args)} failed (its output is above)")
    return printed.getvalue()


USAGE = "python -m ingest.dbt_docs [--target NAME]"


def parse_target(args: list[str]) -> str:
    """The dbt target of ``[--target NAME]`` (default ``local``); anything else is a ``ConfigError``."""
    target = "local"
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg.startswith("--target="):
            value: str | None = arg.partition("=")[2]
        elif arg == "--target":
            value = rest.pop(0) if rest and not rest[0].startswith("-") else None
        else:
            raise ConfigError(
                f"unknown argument {arg!r}",
                where=f"the command line: python -m ingest.dbt_docs {' '.join(args)}",
                hint=f"usage: {USAGE}",
            )
        if not value:
            raise ConfigError(
                "option --target needs a value: the name of a dbt target",
                where=f"the command line: python -m ingest.dbt_docs {' '.join(args)}",
                hint=f"usage: {USAGE} (the targets are in profiles/profiles.yml: local, thrift)",
            )
        target = value
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.dbt_docs [--target NAME]``: generate the docs and annotate them.

    A wrong option or a ``DAP_*`` setting that is not valid: one paragraph on stderr, exit 2.
    """
    args = list(argv if argv is not None else sys.argv[1:])
    if args in (["-h"], ["--help"]):
        print(f"usage: {USAGE}\n\n{(__doc__ or '').strip()}")
        return 0
    try:
        target = parse_target(args)
        class_archive.export_for_dbt()
    except IngestError as exc:
        print_error(exc)
        return exc.exit_code
    # This module's lines only: py4j, in this process now, says INFO at every connection it closes.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    target_path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    try:
        # run-operation first: it rewrites manifest.json too, without the compiled code docs generate adds
        lineage = parse_lineage(
            _dbt(["run-operation", "print_raw_column_lineage", "--target", target, "--quiet"])
        )
        _dbt(["docs", "generate", "--target", target, "--quiet"])
    except IngestError as exc:
        print_error(exc)
        return exc.exit_code
    manifest_path = target_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    catalog = json.loads((target_path / "catalog.json").read_text(encoding="utf-8"))
    described = annotate(manifest, catalog, lineage)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    log.info(
        "docs: %s (%d raw column(s) described from ingest_meta.column_map)",
        (target_path / "index.html").resolve(),
        len(described),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

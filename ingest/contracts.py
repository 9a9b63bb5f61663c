"""Schema contracts: what a source's ``schema_policy`` does with new paths, on every table it writes.

The plan (``ingest.schema_plan``) decides per table which new paths the policy keeps out; this
module turns that into what the user sees, over the parent records of the batch:

- ``freeze``: the source fails before anything is written (``SchemaError``, exit 1), naming the
  source, each table and every new path with the first file that has it;
- ``discard_row``: a record with a value at a new path, in the main table or in any child table
  of an exploded array, is quarantined whole (the record is the unit: it is neither in the main
  table nor in any child table), with a reason naming the paths;
- ``discard_value`` and ``frozen``: values move to ``_rescued_data`` (``ingest.transform``);
  ``discard_value`` counts them per path for the run report (``ingest_meta.runs``).

A table that does not exist yet is created from the first batch under every policy, so nothing
is "new" there. A null value does not carry a path (an all-null field creates no column either).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ingest.errors import SchemaError
from ingest.naming import Path, render_path
from ingest.schema_plan import TablePlan
from ingest.typing_rules import Reconcile


@dataclass(frozen=True)
class KeptOut:
    """A new path the policy keeps out of ``table``, and "this parent record has a value there"."""

    table: str
    path: str  # as the user wrote it: ``extra.note``, or ``items[].color`` inside an exploded array
    present: Column

    @property
    def label(self) -> str:
        return f"{self.path} ({self.table})"


def kept_out_in_table(plan: TablePlan, values: dict[Path, Column]) -> list[KeptOut]:
    """The main table's kept-out paths; ``values`` are the batch's values by path."""
    return [
        KeptOut(plan.table, render_path(c.field.path), values[c.field.path].isNotNull())
        for c in plan.kept_out
    ]


def kept_out_in_child(plan: TablePlan, array: Column, array_path: Path, scalar: bool) -> list[KeptOut]:
    """A child table's kept-out paths, as conditions on the parent record's ``array``."""
    found = []
    for c in plan.kept_out:
        has = _has_value(() if scalar else c.field.path)
        present = F.coalesce(F.exists(array, has), F.lit(False))
        found.append(KeptOut(plan.table, f"{render_path(array_path)}[].{render_path(c.field.path)}", present))
    return found


def _has_value(path: Path) -> Callable[[Column], Column]:
    """Does an array element have a value at ``path`` (``()``: the element itself, a scalar)?"""

    def has(element: Column) -> Column:  # one parameter: Spark passes the element only
        for key in path:
            element = element.getField(key)
        return element.isNotNull()

    return has


def freeze_error(source: str, parsed: DataFrame, kept_out: list[KeptOut]) -> SchemaError:
    """The error that fails a ``freeze`` source: every table, every new path, its first file."""
    good = parsed.where(F.col("_bad_reason").isNull())
    row = good.agg(
        *[F.min(F.when(k.present, F.col("_source_file"))).alias(f"f{i}") for i, k in enumerate(kept_out)]
    ).first()
    tables: dict[str, list[str]] = {}
    for k in kept_out:
        tables.setdefault(k.table, []).append(k.path)
    listed = "; ".join(f"{table}: {', '.join(paths)}" for table, paths in tables.items())
    where = "; ".join(f"{k.path} first in {row[f'f{i}'] if row else None}" for i, k in enumerate(kept_out))
    return SchemaError(
        f"source {source!r} has schema_policy freeze and its new files bring "
        f"{len(kept_out)} path(s) its tables have no column for: {listed}",
        where=where,
        hint=(
            "nothing of this source was committed; to accept the paths, run once with "
            "schema_policy: evolve (or frozen, discard_row, discard_value to keep them out), "
            "or remove them from the files"
        ),
    )


def discard_row_reasons(kept_out: list[KeptOut]) -> dict[str, Column]:
    """label -> presence, for ``transform.discard_rows``."""
    return {k.label: k.present for k in kept_out}


def discarded_value_counts(plan: TablePlan, parsed: DataFrame, values: dict[Path, Column]) -> dict[str, int]:
    """Values of each new path ``discard_value`` kept out of ``plan.table``'s columns (one job)."""
    paths = [c.field.path for c in plan.kept_out if c.action is Reconcile.DISCARD_VALUE]
    if not paths:
        return {}
    row = (
        parsed.where(F.col("_bad_reason").isNull())
        .agg(*[F.count(values[p]).alias(f"n{i}") for i, p in enumerate(paths)])
        .first()
    )
    return {render_path(p): int(row[f"n{i}"]) if row else 0 for i, p in enumerate(paths)}

"""Plan a batch against its table (plain Python): column names, types, DDL, schema changes.

Given the batch's flattened fields, the table's current columns and its column map, decide which
columns are new, what each is called, how incoming values reconcile with existing types, and the
exact DDL that brings the table up to date. Nothing here touches Spark, so ``ingest plan`` and the
unit tests use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql.types import DataType, DateType, LongType, StringType, StructField, StructType, TimestampType

from ingest.flatten import FlatField
from ingest.naming import Path, assign_names, quote_identifier, quote_table, render_path
from ingest.tables.catalog import table_properties
from ingest.typing_rules import Reconcile, canonical, reconcile

PARTITION_COLUMN = "event_date"
RESCUE_COLUMN = "_rescued_data"
INGEST_COLUMNS: tuple[StructField, ...] = (
    StructField("_ingest_run_id", StringType()),
    StructField("_source_file", StringType()),
    StructField("_source_line", LongType()),
    StructField("_ingested_at", TimestampType()),
    StructField(RESCUE_COLUMN, StringType()),
)
# Child tables (exploded arrays) also carry the element's index in its parent array; their
# ``_source_file`` + ``_source_line`` are the parent record's, i.e. the key back to the parent.
POSITION_COLUMN = StructField("_position", LongType())
RESERVED = frozenset({f.name for f in INGEST_COLUMNS} | {PARTITION_COLUMN, POSITION_COLUMN.name})


@dataclass(frozen=True)
class ColumnPlan:
    """How one incoming field lands: its column, the column's type, how values get there."""

    field: FlatField
    column: str
    table_type: DataType
    batch_type: DataType
    action: Reconcile
    is_new_column: bool
    is_new_mapping: bool


@dataclass(frozen=True)
class SchemaChange:
    table: str
    column: str
    data_type: str
    change: str  # create_table | add_column
    original_path: str


@dataclass
class TablePlan:
    table: str
    exists: bool
    columns: list[ColumnPlan]
    table_schema: StructType  # the full table schema after the DDL (data + ingest + partition)
    ddl: list[str] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)

    @property
    def new_mappings(self) -> list[ColumnPlan]:
        return [c for c in self.columns if c.is_new_mapping]


def plan_table(
    table: str,
    fields: list[FlatField],
    *,
    current: StructType | None,
    column_map: dict[Path, str],
    frozen: bool = False,
    child: bool = False,
) -> TablePlan:
    """Plan the batch ``fields`` against ``table`` (``current`` is None if it does not exist)."""
    current_types = {f.name: f.dataType for f in current.fields} if current else {}
    names = assign_names([f.path for f in fields], column_map, RESERVED)
    columns: list[ColumnPlan] = []
    new_columns: list[StructField] = []
    claimed: set[str] = set()
    for flat in fields:
        assignment = names[flat.path]
        batch_type = canonical(flat.stored_type)
        existing_type = current_types.get(assignment.column)
        if existing_type is None and assignment.column in claimed:
            existing_type = next(c.dataType for c in new_columns if c.name == assignment.column)
        if existing_type is None and frozen and current is not None:
            columns.append(
                ColumnPlan(
                    flat, assignment.column, batch_type, batch_type, Reconcile.RESCUE_ALL, False, False
                )
            )
            continue
        if existing_type is None:
            # The first landing day's type fixes the column; later days' values must fit it.
            column_type = canonical(flat.first_type) if flat.first_type is not None else batch_type
            new_columns.append(StructField(assignment.column, column_type))
            claimed.add(assignment.column)
            action = reconcile(column_type, batch_type)
            columns.append(
                ColumnPlan(flat, assignment.column, column_type, batch_type, action, True, assignment.is_new)
            )
        else:
            action = reconcile(existing_type, batch_type)
            columns.append(
                ColumnPlan(
                    flat, assignment.column, existing_type, batch_type, action, False, assignment.is_new
                )
            )
    if current is None:
        schema = StructType(
            [
                *INGEST_COLUMNS,
                *([POSITION_COLUMN] if child else []),
                *new_columns,
                StructField(PARTITION_COLUMN, DateType()),
            ]
        )
    else:
        data = [f for f in current.fields if f.name != PARTITION_COLUMN]
        schema = StructType([*data, *new_columns, StructField(PARTITION_COLUMN, DateType())])
    plan = TablePlan(table, current is not None, columns, schema)
    origin = {c.column: render_path(c.field.path) for c in columns}
    if current is None:
        plan.ddl.append(create_table_sql(table, schema))
        plan.changes.append(SchemaChange(table, "", "", "create_table", ""))
    elif new_columns:
        plan.ddl.append(add_columns_sql(table, new_columns))
    plan.changes.extend(
        SchemaChange(table, c.name, c.dataType.simpleString(), "add_column", origin[c.name])
        for c in new_columns
    )
    return plan


def _column_sql(field: StructField) -> str:
    return f"{quote_identifier(field.name)} {field.dataType.simpleString()}"


def create_table_sql(table: str, schema: StructType) -> str:
    columns = ",\n  ".join(_column_sql(f) for f in schema.fields)
    properties = ", ".join(f"'{k}' = '{v}'" for k, v in table_properties("_ingest_run_id").items())
    return (
        f"CREATE TABLE IF NOT EXISTS {quote_table(table)} (\n  {columns}\n)\n"
        f"USING iceberg\nPARTITIONED BY ({quote_identifier(PARTITION_COLUMN)})\n"
        f"TBLPROPERTIES ({properties})"
    )


def add_columns_sql(table: str, columns: list[StructField]) -> str:
    listed = ",\n  ".join(_column_sql(f) for f in columns)
    return f"ALTER TABLE {quote_table(table)} ADD COLUMNS (\n  {listed}\n)"

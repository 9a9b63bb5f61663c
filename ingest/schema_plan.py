"""Plan a batch against its table (plain Python): column names, types, DDL, schema changes.

Given the batch's flattened fields, the table's current columns, its column map and the source's
``schema_policy``, decide which columns are new (or which new paths the policy keeps out), what
each is called, how incoming values reconcile with existing types, which columns widen
losslessly, and the exact DDL that brings the table up to date. Nothing here touches Spark, so ``ingest plan`` and the
unit tests use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from pyspark.sql.types import DataType, DateType, LongType, StringType, StructField, StructType, TimestampType

from ingest.flatten import FlatField
from ingest.naming import Path, assign_names, quote_identifier, quote_table, render_path
from ingest.tables.catalog import table_properties
from ingest.typing_rules import Reconcile, canonical, promotion, reconcile

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


SchemaPolicy = Literal["evolve", "frozen", "freeze", "discard_row", "discard_value"]
SCHEMA_POLICIES: tuple[SchemaPolicy, ...] = get_args(SchemaPolicy)
# How a new path (a field the existing table has no column for) lands under each policy.
_NEW_PATH_ACTION: dict[SchemaPolicy, Reconcile] = {
    "frozen": Reconcile.RESCUE_ALL,  # kept in _rescued_data under the column name it would get
    "freeze": Reconcile.RESCUE_ALL,  # never written: the run fails for the source first
    "discard_row": Reconcile.DISCARD_ROW,
    "discard_value": Reconcile.DISCARD_VALUE,
}
DISCARDED_PREFIX = "discarded:"  # _rescued_data key of a value discard_value kept out of the columns
# _rescued_data key of an exploded array written empty (``"tags": []``): it has no element, so no
# child row; the parent row keeps its text under ``empty:`` and the array's path, or the tables
# could not tell it from a record without the key (``ingest.transform.to_table_rows``).
EMPTY_ARRAY_PREFIX = "empty:"
# SQL: does the row's _rescued_data hold anything but empty exploded arrays (a value that did not
# fit, was kept out of the columns or was written twice)? The run counts those rows as rescued, and
# the CLI's summary shows this query: an empty array is data kept, not a value that went wrong.
HAS_RESCUED_VALUES = (
    f"exists(map_keys(from_json({RESCUE_COLUMN}, 'map<string, string>')), "
    f"key -> key not like '{EMPTY_ARRAY_PREFIX}%')"
)


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
    kept_out: bool = False  # a new path the table's schema_policy keeps out of its columns


@dataclass(frozen=True)
class SchemaChange:
    table: str
    column: str
    data_type: str
    change: str  # create_table | add_column | widen_column
    original_path: str


@dataclass
class TablePlan:
    table: str
    exists: bool
    columns: list[ColumnPlan]
    table_schema: StructType  # the full table schema after the DDL (data + ingest + partition)
    ddl: list[str] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)
    policy: SchemaPolicy = "evolve"
    widened: list[StructField] = field(default_factory=list)  # existing columns, new (wider) type
    widened_from: dict[str, DataType] = field(default_factory=dict)  # column -> its type before

    @property
    def new_mappings(self) -> list[ColumnPlan]:
        return [c for c in self.columns if c.is_new_mapping]

    @property
    def kept_out(self) -> list[ColumnPlan]:
        """New paths the policy keeps out of the table (none under ``evolve`` or on creation)."""
        return [c for c in self.columns if c.kept_out]


def plan_table(
    table: str,
    fields: list[FlatField],
    *,
    current: StructType | None,
    column_map: dict[Path, str],
    policy: SchemaPolicy = "evolve",
    child: bool = False,
) -> TablePlan:
    """Plan the batch ``fields`` against ``table`` (``current`` is None if it does not exist).

    A table that does not exist yet is created from the batch under every policy; on an existing
    table, a new path adds a column only under ``evolve``, and ``_NEW_PATH_ACTION`` says where its
    values go otherwise. An existing column whose wanted type (the path's hint, else the batch's
    type) is a lossless Iceberg widening of its type is widened (``ALTER COLUMN ... TYPE``).
    """
    current_types = {f.name: f.dataType for f in current.fields} if current else {}
    names = assign_names([f.path for f in fields], column_map, RESERVED)
    columns: list[ColumnPlan] = []
    new_columns: list[StructField] = []
    widened: dict[str, DataType] = {}
    claimed: set[str] = set()
    for flat in fields:
        assignment = names[flat.path]
        batch_type = canonical(flat.stored_type)
        existing_type = current_types.get(assignment.column)
        if existing_type is None and assignment.column in claimed:
            existing_type = next(c.dataType for c in new_columns if c.name == assignment.column)
        if existing_type is None and policy != "evolve" and current is not None:
            action = _NEW_PATH_ACTION[policy]
            columns.append(
                ColumnPlan(flat, assignment.column, batch_type, batch_type, action, False, False, True)
            )
            continue
        if existing_type is None:
            # The first landing day's type (or the hint) fixes the column; later values must fit it.
            column_type = _new_column_type(flat, batch_type)
            new_columns.append(StructField(assignment.column, column_type))
            claimed.add(assignment.column)
            action = reconcile(column_type, batch_type)
            columns.append(
                ColumnPlan(flat, assignment.column, column_type, batch_type, action, True, assignment.is_new)
            )
        else:
            wanted = flat.first_type if flat.hinted and flat.first_type is not None else batch_type
            wider = promotion(widened.get(assignment.column, existing_type), wanted)
            if wider is not None and assignment.column in current_types:
                widened[assignment.column] = existing_type = wider
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
        data = [
            StructField(f.name, widened.get(f.name, f.dataType), f.nullable)
            for f in current.fields
            if f.name != PARTITION_COLUMN
        ]
        schema = StructType([*data, *new_columns, StructField(PARTITION_COLUMN, DateType())])
    widen_fields = [StructField(name, data_type) for name, data_type in widened.items()]
    plan = TablePlan(
        table,
        current is not None,
        columns,
        schema,
        policy=policy,
        widened=widen_fields,
        widened_from={name: current_types[name] for name in widened},
    )
    origin = {c.column: render_path(c.field.path) for c in columns}
    if current is None:
        plan.ddl.append(create_table_sql(table, schema))
        plan.changes.append(SchemaChange(table, "", "", "create_table", ""))
    elif new_columns:
        plan.ddl.append(add_columns_sql(table, new_columns))
    plan.ddl.extend(widen_column_sql(table, f) for f in widen_fields)
    plan.changes.extend(
        SchemaChange(table, c.name, c.dataType.simpleString(), "add_column", origin[c.name])
        for c in new_columns
    )
    plan.changes.extend(
        SchemaChange(table, f.name, f.dataType.simpleString(), "widen_column", origin[f.name])
        for f in widen_fields
    )
    return plan


def _new_column_type(flat: FlatField, batch_type: DataType) -> DataType:
    """A new column's type: the hint as written (``int``, ``float`` too), else the first day's type."""
    if flat.first_type is None:
        return batch_type
    return flat.first_type if flat.hinted else canonical(flat.first_type)


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


def widen_column_sql(table: str, column: StructField) -> str:
    """A lossless Iceberg type promotion: a metadata-only commit, old data files read as the new type."""
    return (
        f"ALTER TABLE {quote_table(table)} ALTER COLUMN {quote_identifier(column.name)} "
        f"TYPE {column.dataType.simpleString()}"
    )

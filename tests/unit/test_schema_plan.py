"""Planning a batch against its table (ingest.schema_plan), without Spark: names, types, DDL text,
schema changes, schema policies, lossless widening."""

from __future__ import annotations

import re

import pytest
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from ingest.flatten import FlatField
from ingest.naming import render_path
from ingest.schema_hints import apply_type_hints
from ingest.schema_plan import (
    INGEST_COLUMNS,
    PARTITION_COLUMN,
    RESCUE_COLUMN,
    SCHEMA_POLICIES,
    SchemaPolicy,
    add_columns_sql,
    create_table_sql,
    plan_table,
    widen_column_sql,
)
from ingest.typing_rules import Reconcile

INGEST_NAMES = [f.name for f in INGEST_COLUMNS]


def leaf(*path: str, data_type: object = LongType()) -> FlatField:
    return FlatField(tuple(path), data_type, "leaf")  # type: ignore[arg-type]


def existing_table(**columns: object) -> StructType:
    return StructType(
        [
            *INGEST_COLUMNS,
            *[StructField(name, data_type) for name, data_type in columns.items()],  # type: ignore[arg-type]
            StructField(PARTITION_COLUMN, DateType()),
        ]
    )


def test_first_batch_creates_the_table() -> None:
    fields = [leaf("id"), leaf("record", "userId"), leaf("ok", data_type=BooleanType())]
    plan = plan_table("raw.events", fields, current=None, column_map={})
    assert plan.exists is False
    assert [f.name for f in plan.table_schema.fields] == [
        *INGEST_NAMES,
        "id",
        "record_userid",
        "ok",
        PARTITION_COLUMN,
    ]
    assert plan.table_schema[PARTITION_COLUMN].dataType == DateType()
    assert plan.table_schema["record_userid"].dataType == LongType()
    assert len(plan.ddl) == 1
    ddl = plan.ddl[0]
    assert ddl.startswith("CREATE TABLE IF NOT EXISTS `raw`.`events` (")
    assert "USING iceberg" in ddl and "'format-version' = '2'" in ddl
    assert "PARTITIONED BY (`event_date`)" in ddl
    assert [(c.change, c.column, c.data_type, c.original_path) for c in plan.changes] == [
        ("create_table", "", "", ""),
        ("add_column", "id", "bigint", "id"),
        ("add_column", "record_userid", "bigint", "record.userId"),
        ("add_column", "ok", "boolean", "ok"),
    ]
    assert all(c.is_new_column and c.is_new_mapping and c.action is Reconcile.SAME for c in plan.columns)


def test_inferred_types_are_widened_in_the_table() -> None:
    plan = plan_table("raw.t", [leaf("n", data_type=IntegerType())], current=None, column_map={})
    assert plan.table_schema["n"].dataType == LongType()
    assert "`n` bigint" in plan.ddl[0]


def test_new_columns_on_an_existing_table_are_added_in_one_alter() -> None:
    current = existing_table(id=LongType(), name=StringType())
    column_map = {("id",): "id", ("name",): "name"}
    fields = [
        leaf("id"),
        leaf("name", data_type=StringType()),
        leaf("fw", data_type=StringType()),
        leaf("hdr", "iso"),
    ]
    plan = plan_table("raw.events", fields, current=current, column_map=column_map)
    assert plan.exists is True
    assert plan.ddl == [
        add_columns_sql("raw.events", [StructField("fw", StringType()), StructField("hdr_iso", LongType())])
    ]
    assert plan.ddl[0] == "ALTER TABLE `raw`.`events` ADD COLUMNS (\n  `fw` string,\n  `hdr_iso` bigint\n)"
    assert [(c.change, c.column, c.original_path) for c in plan.changes] == [
        ("add_column", "fw", "fw"),
        ("add_column", "hdr_iso", "hdr.iso"),
    ]
    # old columns keep their place; new ones come before the partition column
    assert [f.name for f in plan.table_schema.fields][-4:] == ["name", "fw", "hdr_iso", PARTITION_COLUMN]
    assert [c.column for c in plan.new_mappings] == ["fw", "hdr_iso"]


def test_nothing_new_means_no_ddl_and_no_changes() -> None:
    current = existing_table(id=LongType())
    plan = plan_table("raw.t", [leaf("id")], current=current, column_map={("id",): "id"})
    assert plan.ddl == []
    assert plan.changes == []
    assert plan.new_mappings == []
    assert plan.table_schema == current


def test_type_change_is_reconciled_not_altered() -> None:
    current = existing_table(code=LongType(), flag=BooleanType(), ratio=DoubleType())
    column_map = {("code",): "code", ("flag",): "flag", ("ratio",): "ratio"}
    fields = [
        leaf("code", data_type=StringType()),
        leaf("flag", data_type=DoubleType()),
        leaf("ratio", data_type=LongType()),
    ]
    plan = plan_table("raw.t", fields, current=current, column_map=column_map)
    assert plan.ddl == []
    actions = {c.column: (c.table_type, c.batch_type, c.action) for c in plan.columns}
    assert actions == {
        "code": (LongType(), StringType(), Reconcile.CAST_CHECKED),
        "flag": (BooleanType(), DoubleType(), Reconcile.RESCUE_ALL),
        "ratio": (DoubleType(), LongType(), Reconcile.CAST_CHECKED),
    }


def test_column_map_keeps_a_case_twin_off_the_existing_column() -> None:
    current = existing_table(userid=LongType())
    plan = plan_table(
        "raw.t", [leaf("userid", data_type=StringType())], current=current, column_map={("userId",): "userid"}
    )
    (column,) = plan.columns
    assert column.column != "userid"
    assert re.fullmatch(r"userid_[0-9a-f]{8}", column.column)
    assert column.is_new_column and column.action is Reconcile.SAME
    assert plan.changes[0].original_path == "userid"


def test_ddl_quotes_every_identifier() -> None:
    # names are normalised before they reach DDL, but the DDL writer must be safe on its own
    schema = StructType(
        [StructField("a`b; drop table x", StringType()), StructField(PARTITION_COLUMN, DateType())]
    )
    create = create_table_sql("raw.t", schema)
    assert "`a``b; drop table x` string" in create
    alter = add_columns_sql("raw.t", [StructField("x`y", LongType())])
    assert "`x``y` bigint" in alter
    assert alter.startswith("ALTER TABLE `raw`.`t` ADD COLUMNS")


def test_hostile_keys_reach_ddl_only_as_safe_names() -> None:
    keys = [
        "a`b; drop table x",
        "it's",
        'say "hi"',
        "semi;colon",
        "with space",
        "dotted.key",
        "名前",
        "k" * 1000,
    ]
    plan = plan_table("raw.t", [leaf(k, data_type=StringType()) for k in keys], current=None, column_map={})
    ddl = plan.ddl[0]
    body = ddl[ddl.index("(") + 1 : ddl.rindex(")\nUSING")]
    for line in body.split(",\n"):
        match = re.fullmatch(r"`([a-z0-9_]+)` (\w+)", line.strip())
        assert match, line
        assert len(match.group(1)) <= 128
    assert len(plan.columns) == len({c.column for c in plan.columns}) == len(keys)
    assert {c.original_path for c in plan.changes if c.change == "add_column"} == {
        render_path((k,)) for k in keys
    }


def test_schema_changes_record_each_original_path() -> None:
    fields = [leaf("a.b", "c"), leaf("a", "b", "c"), leaf("A", "B", "C")]
    plan = plan_table("raw.t", fields, current=None, column_map={})
    added = {c.original_path: c.column for c in plan.changes if c.change == "add_column"}
    assert set(added) == {"`a.b`.c", "a.b.c", "A.B.C"}
    assert len(set(added.values())) == 3


def test_frozen_table_rescues_new_fields_instead_of_altering() -> None:
    current = existing_table(id=LongType())
    fields = [leaf("id"), leaf("extra", data_type=BooleanType())]
    plan = plan_table("raw.t", fields, current=current, column_map={("id",): "id"}, policy="frozen")
    assert plan.ddl == []
    assert plan.changes == []
    assert plan.table_schema == current
    extra = next(c for c in plan.columns if c.field.path == ("extra",))
    assert extra.action is Reconcile.RESCUE_ALL
    assert extra.is_new_column is False
    assert plan.kept_out == [extra]


@pytest.mark.parametrize("policy", SCHEMA_POLICIES)
def test_every_policy_creates_a_new_table_from_the_first_batch(policy: SchemaPolicy) -> None:
    plan = plan_table("raw.t", [leaf("id"), leaf("extra")], current=None, column_map={}, policy=policy)
    assert len(plan.ddl) == 1 and plan.ddl[0].startswith("CREATE TABLE")
    assert {"id", "extra"} <= set(plan.table_schema.fieldNames())
    assert plan.kept_out == []


@pytest.mark.parametrize(
    ("policy", "action"),
    [
        ("frozen", Reconcile.RESCUE_ALL),
        ("freeze", Reconcile.RESCUE_ALL),
        ("discard_row", Reconcile.DISCARD_ROW),
        ("discard_value", Reconcile.DISCARD_VALUE),
    ],
)
def test_policies_other_than_evolve_keep_new_paths_out_of_an_existing_table(
    policy: SchemaPolicy, action: Reconcile
) -> None:
    current = existing_table(id=LongType())
    fields = [leaf("id"), leaf("extra", "note", data_type=StringType())]
    plan = plan_table("raw.t", fields, current=current, column_map={("id",): "id"}, policy=policy)
    assert (plan.ddl, plan.changes, plan.table_schema) == ([], [], current)
    assert [(c.field.path, c.action) for c in plan.kept_out] == [(("extra", "note"), action)]
    assert plan.new_mappings == []  # no column map row for a column that does not exist


def test_evolve_adds_the_column_and_keeps_nothing_out() -> None:
    current = existing_table(id=LongType())
    plan = plan_table("raw.t", [leaf("id"), leaf("extra")], current=current, column_map={("id",): "id"})
    assert plan.kept_out == [] and [c.column for c in plan.changes] == ["extra"]


@pytest.mark.parametrize(
    ("table_type", "batch_type", "widened"),
    [
        (IntegerType(), LongType(), LongType()),
        (FloatType(), DoubleType(), DoubleType()),
        (DecimalType(10, 2), DecimalType(38, 2), DecimalType(38, 2)),
        (LongType(), DoubleType(), None),  # not lossless: values are cast-checked and rescued
        (DecimalType(10, 2), DecimalType(38, 3), None),  # a scale change
        (DecimalType(10, 2), DoubleType(), None),
        (IntegerType(), StringType(), None),
    ],
)
def test_a_lossless_promotion_widens_the_column(
    table_type: DataType, batch_type: DataType, widened: DataType | None
) -> None:
    current = existing_table(n=table_type)
    plan = plan_table("raw.t", [leaf("n", data_type=batch_type)], current=current, column_map={("n",): "n"})
    (column,) = plan.columns
    if widened is None:
        assert plan.ddl == [] and plan.changes == [] and plan.widened == []
        assert column.table_type == table_type and column.action is not Reconcile.SAME
        return
    assert plan.ddl == [f"ALTER TABLE `raw`.`t` ALTER COLUMN `n` TYPE {widened.simpleString()}"]
    assert [(c.change, c.column, c.data_type, c.original_path) for c in plan.changes] == [
        ("widen_column", "n", widened.simpleString(), "n")
    ]
    assert plan.table_schema["n"].dataType == widened
    assert [f.name for f in plan.table_schema.fields] == [f.name for f in current.fields]
    assert (column.table_type, column.action) == (widened, Reconcile.SAME)


def test_a_hint_is_the_ceiling_and_a_wider_hint_widens() -> None:
    current = existing_table(n=IntegerType(), amount=DecimalType(10, 2))
    column_map = {("n",): "n", ("amount",): "amount"}
    fields = [leaf("n"), leaf("amount", data_type=DecimalType(38, 2))]
    kept = plan_table(
        "raw.t",
        apply_type_hints(fields, {("n",): IntegerType(), ("amount",): DecimalType(10, 2)}),
        current=current,
        column_map=column_map,
    )
    assert kept.ddl == []  # the hint still says int: bigint values are checked, misfits rescued
    assert {c.column: c.action for c in kept.columns} == {
        "n": Reconcile.CAST_CHECKED,
        "amount": Reconcile.CAST_CHECKED,
    }
    wider = plan_table(
        "raw.t",
        apply_type_hints(fields, {("n",): LongType(), ("amount",): DecimalType(20, 2)}),
        current=current,
        column_map=column_map,
    )
    assert [(c.column, c.data_type) for c in wider.changes] == [("n", "bigint"), ("amount", "decimal(20,2)")]


def test_a_hinted_int_column_is_created_as_int() -> None:
    fields = apply_type_hints(
        [leaf("n"), leaf("r", data_type=DoubleType())], {("n",): IntegerType(), ("r",): FloatType()}
    )
    plan = plan_table("raw.t", fields, current=None, column_map={})
    assert (plan.table_schema["n"].dataType, plan.table_schema["r"].dataType) == (IntegerType(), FloatType())
    assert {c.column: c.action for c in plan.columns} == {
        "n": Reconcile.CAST_CHECKED,
        "r": Reconcile.CAST_CHECKED,
    }


def test_widen_ddl_quotes_the_column() -> None:
    assert widen_column_sql("raw.t", StructField("a`b", LongType())) == (
        "ALTER TABLE `raw`.`t` ALTER COLUMN `a``b` TYPE bigint"
    )


def test_rescue_column_and_partition_are_never_data_columns() -> None:
    fields = [leaf(RESCUE_COLUMN, data_type=StringType()), leaf(PARTITION_COLUMN, data_type=StringType())]
    plan = plan_table("raw.t", fields, current=None, column_map={})
    names = [f.name for f in plan.table_schema.fields]
    assert names.count(RESCUE_COLUMN) == 1
    assert names.count(PARTITION_COLUMN) == 1
    assert names[-1] == PARTITION_COLUMN
    assert len(names) == len(set(names))

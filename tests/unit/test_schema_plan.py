"""Planning a batch against its table (ingest.schema_plan), without Spark: names, types, DDL text,
schema changes, the frozen policy."""

from __future__ import annotations

import re

from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from ingest.flatten import FlatField
from ingest.naming import render_path
from ingest.schema_plan import (
    INGEST_COLUMNS,
    PARTITION_COLUMN,
    RESCUE_COLUMN,
    add_columns_sql,
    create_table_sql,
    plan_table,
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
    plan = plan_table("raw.t", fields, current=current, column_map={("id",): "id"}, frozen=True)
    assert plan.ddl == []
    assert plan.changes == []
    assert plan.table_schema == current
    extra = next(c for c in plan.columns if c.field.path == ("extra",))
    assert extra.action is Reconcile.RESCUE_ALL
    assert extra.is_new_column is False


def test_frozen_policy_still_creates_a_new_table() -> None:
    plan = plan_table("raw.t", [leaf("id")], current=None, column_map={}, frozen=True)
    assert len(plan.ddl) == 1 and plan.ddl[0].startswith("CREATE TABLE")
    assert "id" in plan.table_schema.fieldNames()


def test_rescue_column_and_partition_are_never_data_columns() -> None:
    fields = [leaf(RESCUE_COLUMN, data_type=StringType()), leaf(PARTITION_COLUMN, data_type=StringType())]
    plan = plan_table("raw.t", fields, current=None, column_map={})
    names = [f.name for f in plan.table_schema.fields]
    assert names.count(RESCUE_COLUMN) == 1
    assert names.count(PARTITION_COLUMN) == 1
    assert names[-1] == PARTITION_COLUMN
    assert len(names) == len(set(names))

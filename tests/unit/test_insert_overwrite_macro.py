"""The ``insert_overwrite`` macro's REPLACE WHERE list, rendered with plain Jinja (no dbt, no Spark):
the warehouse calls it makes (columns, the partitions to replace) are stand-ins."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NoReturn

import jinja2

from ingest.naming import quote_string
from tests.conftest import ROOT

MACROS = ROOT / "macros"


def _render(partition_values: list[str]) -> str:
    """``get_insert_overwrite_sql`` on an Iceberg table partitioned by the string column ``d``."""

    def fail(message: str) -> NoReturn:
        raise AssertionError(message)

    columns = [SimpleNamespace(name=n, dtype="string", quoted=f"`{n}`") for n in ("id", "d")]
    settings: dict[str, Any] = {"unique_key": "id", "partition_by": "d", "file_format": "iceberg"}
    env = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    env.globals.update(
        {
            "return": lambda value: value,  # dbt's return(): here the macro's output is the value
            "adapter": SimpleNamespace(get_columns_in_relation=lambda _relation: columns),
            "config": SimpleNamespace(get=settings.get),
            "_is_iceberg_table": lambda _relation: True,
            "run_query": lambda _sql: SimpleNamespace(
                columns=[SimpleNamespace(values=lambda: partition_values)]
            ),
            "exceptions": SimpleNamespace(raise_compiler_error=fail),
            "model": SimpleNamespace(name="m"),
        }
    )
    source = "".join(
        (MACROS / name).read_text(encoding="utf-8")
        for name in ("utils/string_literal.sql", "incremental/get_insert_overwrite_sql.sql")
    )
    return env.from_string(source + "{{ get_insert_overwrite_sql('src', 'tgt', 'tgt') }}").render()


def test_string_partitions_are_spark_string_literals_even_with_backslashes_and_quotes() -> None:
    values = ["plain", "o'brien", "ends with \\", "x\\') or true --"]
    sql = _render(values)
    # backslashes doubled, then quotes escaped: each value stays one literal, the list stays a list
    assert f"replace where d in ({', '.join(quote_string(v) for v in values)})" in sql
    assert "'ends with \\\\'" in sql and "'x\\\\\\') or true --'" in sql

"""PyHive 0.7.0 against Spark 3.5's Thrift Server: statements that return no rows.

Spark 3.5 answers FetchResults for a command (CREATE, INSERT, a unit-test fixture, ...) with
``results.columns = None`` where Spark 3.3 sent one empty column; PyHive 0.7.0 then fails with
"'NoneType' object is not iterable" (apache/kyuubi#7106, dbt-labs/dbt-adapters#481). dbt-spark's
thrift method hits it in every ``run_query`` of such a statement: unit tests, hooks.

``platformctl up`` copies this file into the venv's site-packages with a ``.pth`` line that calls
``install()``: the patch is applied when (and only if) ``pyhive.hive`` is imported, and treats a
missing column list as "no rows". Remove it once PyHive ships the fix.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any


def patch(hive: ModuleType) -> None:
    cursor_class: Any = hive.Cursor
    if getattr(cursor_class, "_dap_columns_none_patch", False):
        return
    ttypes = hive.ttypes

    def _fetch_more(self: Any) -> None:
        assert self._state == self._STATE_RUNNING, "Should be running when in _fetch_more"
        assert self._operationHandle is not None, "Should have an op handle in _fetch_more"
        if not self._operationHandle.hasResultSet:
            raise hive.ProgrammingError("No result set")
        request = ttypes.TFetchResultsReq(
            operationHandle=self._operationHandle,
            orientation=ttypes.TFetchOrientation.FETCH_NEXT,
            maxRows=self.arraysize,
        )
        response = self._connection.client.FetchResults(request)
        hive._check_status(response)
        schema = self.description
        assert not response.results.rows, "expected data in columnar format"
        columns = [
            hive._unwrap_column(column, column_schema[1])
            for column, column_schema in zip(response.results.columns or [], schema or [], strict=False)
        ]
        new_data = list(zip(*columns, strict=False))
        self._data += new_data
        if not new_data:
            self._state = self._STATE_FINISHED

    cursor_class._fetch_more = _fetch_more
    cursor_class._dap_columns_none_patch = True


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of ``pyhive.hive`` so the module is patched once loaded."""

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "pyhive.hive":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader: Any = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            patch(module)

        loader.exec_module = exec_module
        return spec


def install() -> None:
    if "pyhive.hive" in sys.modules:
        patch(sys.modules["pyhive.hive"])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())

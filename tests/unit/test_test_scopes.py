"""How ``make test`` splits the suite between its xdist workers (tests/conftest.py)."""

from __future__ import annotations

from tests.conftest import test_scope as scope_of


def test_files_of_a_shared_service_directory_run_on_one_worker() -> None:
    assert scope_of("tests/e2e/test_dbt_pipeline.py::test_build_passes_every_test") == "tests/e2e"
    assert scope_of("tests/e2e/test_docs_site.py::test_model_page[x::y]") == "tests/e2e"
    assert scope_of("tests/platform/test_platform.py::test_up") == "tests/platform"
    assert scope_of("tests/stream/test_collector.py::test_401") == "tests/stream"


def test_any_other_file_is_its_own_unit_of_work() -> None:
    assert scope_of("tests/spark/test_rerun.py::test_a") == "tests/spark/test_rerun.py"
    assert scope_of("tests/spark/test_rerun.py::test_b[1]") == "tests/spark/test_rerun.py"
    assert scope_of("tests/unit/test_naming.py::TestX::test_y") == "tests/unit/test_naming.py"

"""One end-to-end pipeline per test session, shared by every e2e module (see ``pipeline.py``)."""

from __future__ import annotations

import pytest

from tests.e2e.pipeline import Pipeline, build_pipeline


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return build_pipeline(tmp_path_factory.mktemp("dbt-e2e"))

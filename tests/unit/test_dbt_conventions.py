"""The project's dbt-score rules (``dbt_score_rules``) on small hand-built models: no dbt, no Spark."""

from __future__ import annotations

from dbt_score import Model
from dbt_score.models import Column
from dbt_score.models import Test as DbtTest

from dbt_score_rules.conventions import has_primary_key_test, model_name_matches_its_layer


def _model(
    name: str, path: str, columns: list[Column] | None = None, tests: list[DbtTest] | None = None
) -> Model:
    return Model(
        unique_id=f"model.device_analytics.{name}",
        name=name,
        relation_name=None,
        description="One row per thing.",
        original_file_path=path,
        config={},
        meta={},
        columns=columns or [],
        package_name="device_analytics",
        database="",
        schema="marts",
        raw_code="select 1",
        language="sql",
        access="protected",
        group=None,
        tests=tests or [],
    )


def _column(name: str, *test_types: str) -> Column:
    return Column(name=name, description="", tests=[DbtTest(name=f"{t}_{name}", type=t) for t in test_types])


def _message(rule: type, model: Model) -> str | None:
    violation = rule().evaluate(model)
    return None if violation is None else violation.message


def test_marts_may_be_facts_dimensions_or_aggregates() -> None:
    for name in ("fct_app_events", "dim_devices", "agg_sales_daily"):
        assert _message(model_name_matches_its_layer, _model(name, f"models/marts/x/{name}.sql")) is None


def test_a_model_named_against_its_layer_is_flagged_with_the_expected_pattern() -> None:
    assert _message(
        model_name_matches_its_layer, _model("sales_report", "models/marts/shop/sales_report.sql")
    ) == ("A marts model is named fct_<entity>s, dim_<entity>s or agg_<grain>, not sales_report.")
    assert _message(
        model_name_matches_its_layer, _model("stg_app_events", "models/staging/app/stg_app_events.sql")
    ) == ("A staging model is named stg_<source>__<entity>s, not stg_app_events.")
    assert _message(model_name_matches_its_layer, _model("int_x", "models/intermediate/a/int_x.sql")) is None


def test_primary_key_is_unique_and_not_null_on_one_column_or_a_combination_test() -> None:
    path = "models/marts/app/fct_app_events.sql"
    keyed = _model("fct_app_events", path, [_column("app_event_id", "unique", "not_null")])
    combined = _model("agg_x", path, tests=[DbtTest(name="uc", type="unique_combination")])
    assert _message(has_primary_key_test, keyed) is None
    assert _message(has_primary_key_test, combined) is None
    half = _model(
        "fct_app_events", path, [_column("app_event_id", "unique"), _column("event_at", "not_null")]
    )
    assert _message(has_primary_key_test, half) == (
        "No primary-key test: add unique + not_null to the key column, or a unique_combination test."
    )

"""The house style's dbt conventions that dbt-score has no built-in rule for.

- ``model_name_matches_its_layer``: ``stg_<source>__<entity>`` under ``models/staging/``,
  ``int_`` under ``models/intermediate/``, ``fct_`` / ``dim_`` / ``agg_`` under ``models/marts/``.
- ``has_primary_key_test``: the grain is tested, by ``unique`` + ``not_null`` on one column or by a
  combination test (``unique_combination``, dbt-utils' ``unique_combination_of_columns``) on the
  model.

No ``from __future__ import annotations`` here: dbt-score reads each rule's argument type when
the module is imported.
"""

import re

from dbt_score import Model, RuleViolation, rule

LAYER_NAMES: dict[str, tuple[re.Pattern[str], str]] = {
    "staging": (re.compile(r"stg_[a-z0-9]+(_[a-z0-9]+)*__[a-z0-9_]+"), "stg_<source>__<entity>s"),
    "intermediate": (re.compile(r"int_[a-z0-9_]+"), "int_<entity>s_<verb>s"),
    "marts": (re.compile(r"(fct|dim|agg)_[a-z0-9_]+"), "fct_<entity>s, dim_<entity>s or agg_<grain>"),
}
COMBINATION_TESTS = {"unique_combination", "unique_combination_of_columns"}


def layer_of(path: str) -> str | None:
    """``models/marts/app/fct_app_events.sql`` -> ``marts``; None outside the three layers."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "models" and parts[1] in LAYER_NAMES:
        return parts[1]
    return None


@rule
def model_name_matches_its_layer(model: Model) -> RuleViolation | None:
    """A model's name says its layer: stg_ in staging, int_ in intermediate, fct_/dim_/agg_ in marts."""
    layer = layer_of(model.original_file_path)
    if layer is None:
        return RuleViolation(
            f"{model.original_file_path} is outside models/staging, models/intermediate and models/marts."
        )
    pattern, expected = LAYER_NAMES[layer]
    if not pattern.fullmatch(model.name):
        return RuleViolation(f"A {layer} model is named {expected}, not {model.name}.")
    return None


@rule
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """The model's grain is tested: unique + not_null on one column, or a combination test."""
    if any(test.type in COMBINATION_TESTS for test in model.tests):
        return None
    for column in model.columns:
        types = {test.type for test in column.tests}
        if {"unique", "not_null"} <= types:
            return None
    return RuleViolation(
        "No primary-key test: add unique + not_null to the key column, or a unique_combination test."
    )

"""``ingest.dbt_docs.annotate``: what the docs site says about a column YAML does not describe."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.dbt_docs import RawColumn, annotate, parse_lineage

RAW = RawColumn(
    table_name="raw.app_events",
    column_name="properties_campaign_code",
    original_path="properties.campaign.code",
    data_type="string",
    first_run_id="20261201T004127Z-3a2941",
    first_source_file="/landing/app/2026-01-11/events_drift.jsonl",
    first_seen_at="2026-12-01 00:42:02",
)
SOURCE = "source.p.app.app_events"
STAGED = "model.p.stg_app__events"
FACT = "model.p.fct_app_events"


def _documented(name: str) -> dict[str, Any]:
    return {"name": name, "description": f"{name} as YAML says", "meta": {}, "data_type": None, "tags": []}


def _manifest() -> dict[str, Any]:
    return {
        "sources": {SOURCE: {"schema": "raw", "identifier": "app_events", "columns": {}}},
        "nodes": {
            STAGED: {
                "resource_type": "model",
                "depends_on": {"nodes": [SOURCE]},
                "columns": {"event_name": _documented("event_name")},
            },
            FACT: {
                "resource_type": "model",
                "depends_on": {"nodes": [STAGED]},
                "columns": {"event_name": _documented("event_name")},
            },
        },
    }


def _catalog(*columns: str) -> dict[str, Any]:
    table = {"columns": {c: {"name": c, "type": "string", "index": i} for i, c in enumerate(columns)}}
    return {"nodes": {STAGED: table, FACT: table}, "sources": {SOURCE: table}}


def test_a_carried_column_is_described_on_every_page_from_the_raw_column_upstream() -> None:
    manifest = _manifest()
    described = annotate(manifest, _catalog("event_name", "properties_campaign_code"), [RAW])
    assert sorted(described) == sorted(
        [
            (SOURCE, "properties_campaign_code"),
            (STAGED, "properties_campaign_code"),
            (FACT, "properties_campaign_code"),
        ]
    )
    column = manifest["nodes"][FACT]["columns"]["properties_campaign_code"]
    assert column["description"] == (
        "Dynamic DDL (raw.app_events): original path `properties.campaign.code` (string), first seen "
        "2026-12-01 00:42:02 UTC in run `20261201T004127Z-3a2941`, file "
        "`/landing/app/2026-01-11/events_drift.jsonl`. Not described in YAML yet (see `generate_raw_column_docs`)."
    )
    assert column["meta"]["first_run_id"] == "20261201T004127Z-3a2941"
    assert column["meta"]["original_path"] == "properties.campaign.code"
    assert column["data_type"] == "string"


def test_what_yaml_describes_is_never_changed_and_unknown_columns_are_left_alone() -> None:
    manifest = _manifest()
    documented = {**RAW, "column_name": "event_name", "original_path": "event_name"}
    described = annotate(manifest, _catalog("event_name", "landed_copies"), [RawColumn(**documented)])  # type: ignore[typeddict-item]
    assert described == [(SOURCE, "event_name")]  # the source has no YAML for it; the models do
    assert manifest["nodes"][FACT]["columns"] == {"event_name": _documented("event_name")}


def test_lineage_is_read_from_the_marker_line_only() -> None:
    output = 'some log line\nraw_column_lineage: [{"table_name": "raw.a"}]\n'
    assert parse_lineage(output) == [{"table_name": "raw.a"}]
    with pytest.raises(ValueError, match="raw_column_lineage: "):
        parse_lineage("Spark started\n")

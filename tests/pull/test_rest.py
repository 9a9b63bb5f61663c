"""REST pulls against a real paginated HTTP API on 127.0.0.1 that answers 429 and 500 at times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.pull.landing_writer import LocalTarget
from ingest.pull.runner import pull_sources
from tests.conftest import ingest_cli
from tests.pull.conftest import landed, write_config
from tests.pull.servers import Api

FAST = {"attempts": 4, "initial": 0.01, "max": 0.2}


def rest(api: Api, path: str = "/events", **extra: object) -> dict[str, object]:
    return {
        "kind": "rest",
        "url": api.url + path,
        "records": "data",
        "params": {"limit": "3"},
        "pagination": {"type": "cursor", "cursor_param": "cursor", "next_cursor": "next_cursor"},
        "incremental": {"field": "id", "param": "since"},
        "retry": FAST,
        **extra,
    }


def records_in(files: list[Path]) -> list[int]:
    return [json.loads(line)["id"] for f in files for line in f.read_text().splitlines()]


def pull(config: Path, state: Path) -> dict[str, object]:
    result = ingest_cli("pull", "--config", str(config), "--json", state_dir=state)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["sources"][0]  # type: ignore[no-any-return]


def test_cursor_pages_retries_and_incremental(api: Api, tmp_path: Path, landing: Path) -> None:
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": rest(api)}})
    api.faults = [429, 500, 503]  # the first three requests fail; retried (Retry-After: 0 on the 429)
    report = pull(config, tmp_path / "state")
    assert (report["status"], len(report["files"]), report["records"]) == ("pulled", 3, 7)  # type: ignore[arg-type]
    assert records_in(landed(landing, "events")) == [1, 2, 3, 4, 5, 6, 7]
    assert [q.get("cursor") for q in api.log] == [None, None, None, None, "3", "6"]

    api.records += [{"id": 8, "name": "r8"}, {"id": 9, "name": "r9"}]
    api.log.clear()
    report = pull(config, tmp_path / "state")
    assert (len(report["files"]), report["records"]) == (1, 2)  # type: ignore[arg-type]
    assert api.log == [{"path": "/events", "limit": "3", "since": "7"}]  # only new records asked for
    assert sorted(records_in(landed(landing, "events"))) == list(range(1, 10))

    api.log.clear()
    assert pull(config, tmp_path / "state")["status"] == "noop"
    assert api.log == [{"path": "/events", "limit": "3", "since": "9"}]


def test_numbered_pages_and_next_link(api: Api, tmp_path: Path, landing: Path) -> None:
    numbered = rest(
        api, "/pages", records=None, pagination={"type": "page", "size_param": "limit", "size": 3}
    )
    linked = rest(api, "/linked", records="items", pagination={"type": "next_link"})
    config = write_config(
        tmp_path / "ingest.yml", landing, {"numbered": {"pull": numbered}, "linked": {"pull": linked}}
    )
    sources = load_config(config).sources
    report = pull_sources(sources, work_dir=tmp_path / "state", progress=lambda *_: None)
    assert [(s.source, s.records, len(s.files)) for s in report.sources] == [
        ("numbered", 7, 3),
        ("linked", 7, 3),
    ]
    assert records_in(landed(landing, "numbered")) == list(range(1, 8))
    assert records_in(landed(landing, "linked")) == list(range(1, 8))


def test_gives_up_after_the_retries_and_goes_on_from_that_page(
    api: Api, tmp_path: Path, landing: Path
) -> None:
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": rest(api)}})
    sources = load_config(config).sources
    state = tmp_path / "state"

    def progress(_source: str, message: str) -> None:
        if message.startswith("page 1:"):  # page 1 landed; page 2 meets four 500s in a row
            api.faults[:] = [500, 500, 500, 500]

    report = pull_sources(sources, work_dir=state, progress=progress)
    result = report.sources[0]
    assert result.status == "failed" and "answered 500 4 times" in (result.error or "")
    assert len(result.files) == 1 and records_in(landed(landing, "events")) == [1, 2, 3]
    api.log.clear()
    report = pull_sources(sources, work_dir=state, progress=lambda *_: None)
    assert report.sources[0].resumed == 1
    assert api.log[0].get("cursor") == "3"  # the unfinished pull goes on at page 2
    assert records_in(landed(landing, "events")) == list(range(1, 8))


def test_crash_between_journal_and_rename_lands_the_page_once(
    api: Api, tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": rest(api)}})
    sources = load_config(config).sources
    publish = LocalTarget._publish
    crashed = {"done": False}

    def crash_on_second(self: LocalTarget, part: Path, rel: str) -> None:
        if "page-000002" in rel and not crashed["done"]:
            crashed["done"] = True
            raise KeyboardInterrupt("simulated crash after the journal record, before the rename")
        publish(self, part, rel)

    monkeypatch.setattr(LocalTarget, "_publish", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        pull_sources(sources, work_dir=tmp_path / "state", progress=lambda *_: None)
    assert records_in(landed(landing, "events")) == [1, 2, 3]
    assert len(list((landing / "events" / "_pulls").glob("*.json"))) == 2  # page 2's record, no file
    pull_sources(sources, work_dir=tmp_path / "state", progress=lambda *_: None)
    assert records_in(landed(landing, "events")) == list(range(1, 8))  # each record once
    assert len(landed(landing, "events")) == 3


def test_bearer_token_from_the_environment(api: Api, tmp_path: Path, landing: Path) -> None:
    api.token = "s3cr3t-token"
    source = rest(api, auth={"type": "bearer", "token_env": "EVENTS_TOKEN"})
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": source}})
    missing = ingest_cli("pull", "--config", str(config), state_dir=tmp_path / "state")
    assert missing.returncode == 2
    assert "environment variable EVENTS_TOKEN is not set" in missing.stderr
    assert "Traceback" not in missing.stderr
    wrong = ingest_cli(
        "pull", "--config", str(config), state_dir=tmp_path / "state", env={"EVENTS_TOKEN": "nope"}
    )
    assert wrong.returncode == 1 and "401: not authorised" in wrong.stdout
    right = ingest_cli(
        "pull", "--config", str(config), state_dir=tmp_path / "state", env={"EVENTS_TOKEN": api.token}
    )
    assert right.returncode == 0, right.stderr
    assert "7 record" not in right.stderr and api.token not in right.stdout + right.stderr
    assert records_in(landed(landing, "events")) == list(range(1, 8))


def test_a_secret_value_in_the_yaml_is_refused(api: Api, tmp_path: Path, landing: Path) -> None:
    source = rest(api, auth={"type": "bearer", "token": "abc"})
    config = write_config(tmp_path / "ingest.yml", landing, {"events": {"pull": source}})
    result = ingest_cli("pull", "--config", str(config), state_dir=tmp_path / "state")
    assert result.returncode == 2
    assert "sources.events.pull.rest.auth.bearer.token: Extra inputs are not permitted" in result.stderr

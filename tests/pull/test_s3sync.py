"""S3 sync from a second SeaweedFS bucket (its own credentials), into local and into S3 landing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.pull.runner import pull_sources
from tests.pull.conftest import landed, write_config
from tests.pull.servers import Seaweed


def s3_pull(seaweed: Seaweed, path: str = "exports") -> dict[str, object]:
    return {
        "kind": "s3",
        "endpoint": seaweed.endpoint,
        "bucket": "remote",
        "path": path,
        "access_key_env": "REMOTE_KEY_ID",
        "secret_key_env": "REMOTE_SECRET",
    }


@pytest.fixture
def remote_keys(seaweed: Seaweed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMOTE_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("REMOTE_SECRET", seaweed.secret_key)


def put(seaweed: Seaweed, key: str, ids: range) -> None:
    body = "".join(json.dumps({"id": i}) + "\n" for i in ids).encode()
    seaweed.client().put_object(Bucket="remote", Key=key, Body=body)


@pytest.mark.usefixtures("remote_keys")
def test_sync_by_etag_into_local_landing(seaweed: Seaweed, tmp_path: Path, landing: Path) -> None:
    put(seaweed, "exports/a.jsonl", range(0, 5))
    put(seaweed, "exports/day/b.jsonl", range(5, 9))
    config = write_config(tmp_path / "ingest.yml", landing, {"fleet": {"pull": s3_pull(seaweed)}})
    sources = load_config(config).sources
    state = tmp_path / "state"
    first = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (first.status, len(first.files)) == ("pulled", 2), first.error
    ids = sorted(
        json.loads(line)["id"] for f in landed(landing, "fleet") for line in f.read_text().splitlines()
    )
    assert ids == list(range(9))
    assert pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0].skipped == 2
    put(seaweed, "exports/a.jsonl", range(0, 6))  # new content, new ETag
    third = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (len(third.files), third.skipped) == (1, 1)


@pytest.mark.usefixtures("remote_keys")
def test_sync_into_s3_landing_and_wrong_credentials(
    seaweed: Seaweed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(seaweed, "other/c.jsonl", range(0, 3))
    # the landing zone's own S3 settings (ingest.platform_conf): here the same server, bucket "landing"
    monkeypatch.setenv("DAP_S3_ENDPOINT", seaweed.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    config = write_config(
        tmp_path / "ingest.yml", "s3a://landing/base", {"fleet": {"pull": s3_pull(seaweed, "other")}}
    )
    sources = load_config(config).sources
    state = tmp_path / "state"
    result = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert (result.status, len(result.files)) == ("pulled", 1), result.error
    from ingest.landing import discover

    [file] = discover(["s3a://landing/base/fleet"])
    assert file.uri == result.files[0] and file.size == len(b"".join(b'{"id": %d}\n' % i for i in range(3)))
    assert pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0].skipped == 1

    monkeypatch.setenv("REMOTE_SECRET", "wrong")
    failed = pull_sources(sources, work_dir=state, progress=lambda *_: None).sources[0]
    assert failed.status == "failed" and "SignatureDoesNotMatch" in (failed.error or "")
    assert "credentials in access_key_env / secret_key_env" in (failed.error or "")

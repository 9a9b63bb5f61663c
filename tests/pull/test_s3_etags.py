"""What an S3 landing file's ETag is now (``ingest.landing_s3.current_etags``, the check for
objects replaced while a run read them), against the pull tests' real SeaweedFS: each folder is
listed over the range of keys wanted, and what the listing does not reach is HEADed."""

from __future__ import annotations

from typing import Any

import pytest

from ingest import landing_s3
from ingest.landing_s3 import current_etags
from tests.pull.servers import Seaweed

BUCKET = "remote"


def head_etag(client: Any, key: str) -> str:
    return "etag:" + str(client.head_object(Bucket=BUCKET, Key=key)["ETag"]).strip('"')


@pytest.fixture
def folder(seaweed: Seaweed, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """30 objects in etags/day/, one in a subfolder with a wanted key's name; listings of 10 keys."""
    client = seaweed.client()
    keys = [f"etags/day/{n:02d}.jsonl" for n in range(30)]
    for n, key in enumerate(keys):
        client.put_object(Bucket=BUCKET, Key=key, Body=b'{"n": %d}\n' % n)
    client.put_object(Bucket=BUCKET, Key="etags/day/sub/05.jsonl", Body=b"another object")
    monkeypatch.setattr(landing_s3, "_PAGE_SIZE", 10)  # so 30 keys take several pages
    return client, keys


def test_every_object_of_a_folder_is_found_by_listing_it(folder: tuple[Any, list[str]]) -> None:
    client, keys = folder
    uris = [f"s3a://{BUCKET}/{key}" for key in keys]
    assert current_etags(uris, client) == {
        uri: head_etag(client, key) for uri, key in zip(uris, keys, strict=True)
    }


def test_objects_that_are_gone_or_replaced_show_as_such(folder: tuple[Any, list[str]]) -> None:
    client, keys = folder
    client.delete_object(Bucket=BUCKET, Key=keys[0])
    client.delete_object(Bucket=BUCKET, Key=keys[29])
    before = head_etag(client, keys[12])
    client.put_object(Bucket=BUCKET, Key=keys[12], Body=b'{"n": "new"}\n')
    uris = {f"s3a://{BUCKET}/{key}": key for key in keys}
    now = current_etags([*uris, f"s3a://{BUCKET}/etags/day/never.jsonl"], client)
    assert set(now) == set(uris) - {f"s3a://{BUCKET}/{keys[0]}", f"s3a://{BUCKET}/{keys[29]}"}
    assert now[f"s3a://{BUCKET}/{keys[12]}"] == head_etag(client, keys[12]) != before


def test_a_few_keys_far_apart_are_listed_where_cheap_and_headed_beyond(folder: tuple[Any, list[str]]) -> None:
    client, keys = folder
    wanted = [keys[3], keys[5], keys[27]]
    calls: list[str] = []
    client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    now = current_etags([f"s3a://{BUCKET}/{key}" for key in wanted], client)
    # One page (03..12) finds two; a second page would cost as much as one HEAD for the third.
    assert calls == ["ListObjectsV2", "HeadObject"]
    assert now == {f"s3a://{BUCKET}/{key}": head_etag(client, key) for key in wanted}

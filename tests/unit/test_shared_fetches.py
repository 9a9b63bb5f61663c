"""``record_count.SharedFetches`` without a server: what it keeps, for how long, and what a
reader gets when the other reader's fetch failed or the object changed. (Against real S3: the
pull tests' ``test_s3_shared_fetches.py``.)"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import IO

import boto3
import pytest
from botocore.exceptions import ClientError, IncompleteReadError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from ingest.formats import record_count
from ingest.formats.record_count import RawOpener, SharedFetches


class FakeStore(RawOpener):
    """Objects in memory, each GET counted; stands in for S3 in these units only."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        super().__init__()
        self.objects = objects
        self.gets: Counter[str] = Counter()
        self.gate = threading.Event()
        self.gate.set()

    def _get(self, uri: str, byte_range: str | None = None) -> IO[bytes]:
        self.gets[uri] += 1
        self.gate.wait(5)
        if uri not in self.objects:
            raise FileNotFoundError(f"no such object: {uri}")
        data = self.objects[uri]
        if byte_range:
            data = data[: int(byte_range.rsplit("-", 1)[1]) + 1]
        return io.BytesIO(data)


def test_kept_bytes_are_given_once_then_a_third_open_fetches_again() -> None:
    store = FakeStore({"s3a://b/a.csv": b"x,y\n1,2\n"})
    shared = SharedFetches({"s3a://b/a.csv": 8}, 4, store)
    assert shared.head("s3a://b/a.csv").read() == b"x,y\n1,2\n"  # whole: read_heads cuts it
    assert shared("s3a://b/a.csv").read() == b"x,y\n1,2\n"
    assert store.gets["s3a://b/a.csv"] == 1
    assert shared("s3a://b/a.csv").read() == b"x,y\n1,2\n"  # a batch read again: a new GET
    assert store.gets["s3a://b/a.csv"] == 2


def test_over_the_budget_nothing_more_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_count, "SHARED_BUDGET", 10)
    objects = {f"s3a://b/{n}.csv": bytes([48 + n]) * 6 for n in range(3)}
    store = FakeStore(objects)
    shared = SharedFetches({uri: 6 for uri in objects}, 4, store)
    # Each head's object is kept until the count takes it: only the first fits in 10 bytes; the
    # others' heads are ranged GETs, as a large object's.
    assert [shared.head(uri).read() for uri in objects] == [b"000000", b"1111", b"2222"]
    for uri in objects:
        assert shared(uri).read() == objects[uri]
    assert list(store.gets.values()) == [1, 2, 2]


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def _reading(read: Callable[[str], IO[bytes]], uri: str, into: list[object]) -> threading.Thread:
    def target() -> None:
        try:
            into.append(read(uri).read())
        except Exception as error:  # noqa: BLE001 - the test compares what each reader got
            into.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("there", [True, False], ids=["fetched", "gone"])
def test_a_reader_waits_for_the_other_ones_fetch_instead_of_fetching_twice(there: bool) -> None:
    store = FakeStore({"s3a://b/a.csv": b"a\n"} if there else {})
    shared = SharedFetches({"s3a://b/a.csv": 2}, 4, store)
    store.gate.clear()  # the first GET hangs until released
    heads: list[object] = []
    counts: list[object] = []
    first = _reading(shared.head, "s3a://b/a.csv", heads)
    _until(lambda: store.gets["s3a://b/a.csv"] == 1, "the first GET")
    waiting = threading.Event()
    wait = shared._fetching["s3a://b/a.csv"].wait
    shared._fetching["s3a://b/a.csv"].wait = lambda *a: (waiting.set(), wait(*a))[1]  # type: ignore[method-assign]
    second = _reading(shared, "s3a://b/a.csv", counts)
    assert waiting.wait(5), "the second reader did not wait for the first one's GET"
    store.gate.set()
    first.join(5)
    second.join(5)
    if there:
        assert heads == counts == [b"a\n"]
        assert store.gets["s3a://b/a.csv"] == 1
    else:  # the failed GET is not shared: the waiting reader makes its own, and gets its own error
        assert [type(e) for e in heads + counts] == [FileNotFoundError, FileNotFoundError]
        assert store.gets["s3a://b/a.csv"] == 2


def test_a_body_cut_short_is_an_error_not_a_shorter_file() -> None:
    """A connection that drops mid-body leaves fewer bytes than the object's length: botocore
    raises at the end of the stream, as it does for a reader alone, instead of a short count."""

    class CutStore(FakeStore):
        def _get(self, uri: str, byte_range: str | None = None) -> IO[bytes]:
            self.gets[uri] += 1
            return StreamingBody(io.BytesIO(b"x,y\n" * 100), content_length=800)  # 400 of 800 bytes

    shared = SharedFetches({"s3a://b/a.csv": 800}, 4, CutStore({}))
    with pytest.raises(IncompleteReadError):
        shared("s3a://b/a.csv")


def _stubbed() -> tuple[RawOpener, Stubber]:
    client = boto3.session.Session().client(
        "s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    return RawOpener(client), Stubber(client)


def test_s3_errors_read_as_a_reader_alone_would_see_them() -> None:
    """Through botocore's own stub: a missing key is a missing file; an unsatisfiable range (an
    empty object, or a server that refuses ranges past the end) is fetched whole instead."""
    opener, stub = _stubbed()
    wanted = {"Bucket": "b", "Key": "a.csv"}
    stub.add_client_error("get_object", "NoSuchKey", http_status_code=404, expected_params=wanted)
    for code in ("InvalidRange", "416"):
        stub.add_client_error(
            "get_object", code, http_status_code=416, expected_params={**wanted, "Range": "bytes=0-3"}
        )
        stub.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(b"ab"), content_length=2), "ContentLength": 2},
            expected_params=wanted,
        )
    stub.add_client_error("get_object", "AccessDenied", http_status_code=403, expected_params=wanted)
    with stub:
        with pytest.raises(FileNotFoundError, match="s3a://b/a.csv"):
            opener("s3a://b/a.csv")
        assert opener.prefix("s3a://b/a.csv", 4).read() == b"ab"
        assert opener.prefix("s3a://b/a.csv", 4).read() == b"ab"
        with pytest.raises(ClientError, match="AccessDenied"):
            opener("s3a://b/a.csv")
    stub.assert_no_pending_responses()


def test_an_object_grown_since_discovery_is_streamed_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_count, "SMALL_OBJECT", 8)
    store = FakeStore({"s3a://b/a.csv": b"0123456789abcdef"})
    shared = SharedFetches({"s3a://b/a.csv": 4}, 4, store)  # 4 bytes when listed
    assert shared.head("s3a://b/a.csv").read() == b"0123"  # then ranged, as any larger object
    assert shared("s3a://b/a.csv").read() == b"0123456789abcdef"


def test_a_large_objects_head_is_ranged_and_nothing_of_it_is_kept() -> None:
    store = FakeStore({"s3a://b/big.csv": b"z" * 100})
    shared = SharedFetches({"s3a://b/big.csv": record_count.SMALL_OBJECT + 1}, 4, store)
    assert shared.head("s3a://b/big.csv").read() == b"zzzz"
    assert shared("s3a://b/big.csv").read() == b"z" * 100
    assert store.gets["s3a://b/big.csv"] == 2

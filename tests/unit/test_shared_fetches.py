"""``record_count.SharedFetches`` without a server: what it keeps, for how long, and what a
reader gets when the other reader's fetch failed or the object changed. (Against real S3: the
pull tests' ``test_s3_shared_fetches.py``.)"""

from __future__ import annotations

import io
import threading
from collections import Counter
from typing import IO

import pytest

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
    for uri in objects:  # each head kept until the count takes it: only the first fits in 10 bytes
        assert shared.head(uri).read() == objects[uri]
    for uri in objects:
        assert shared(uri).read() == objects[uri]
    assert list(store.gets.values()) == [1, 2, 2]


def test_a_reader_waits_for_the_other_ones_fetch_instead_of_fetching_twice() -> None:
    store = FakeStore({"s3a://b/a.csv": b"a\n"})
    shared = SharedFetches({"s3a://b/a.csv": 2}, 4, store)
    store.gate.clear()  # the first GET hangs until released
    with_head: list[bytes] = []
    first = threading.Thread(target=lambda: with_head.append(shared.head("s3a://b/a.csv").read()))
    first.start()
    while not store.gets:
        pass
    second = threading.Thread(target=lambda: with_head.append(shared("s3a://b/a.csv").read()))
    second.start()
    store.gate.set()
    first.join(5)
    second.join(5)
    assert with_head == [b"a\n", b"a\n"]
    assert store.gets["s3a://b/a.csv"] == 1


def test_a_failed_fetch_leaves_the_other_reader_its_own_error() -> None:
    shared = SharedFetches({"s3a://b/gone.csv": 5}, 4, FakeStore({}))
    for read in (shared.head, shared):
        with pytest.raises(FileNotFoundError, match="gone.csv"):
            read("s3a://b/gone.csv")


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

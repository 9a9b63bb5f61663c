"""A CSV source's objects are read by the header guess and by the independent record count
(``record_count.SharedFetches``): against the pull tests' real SeaweedFS, each small object is
fetched once for both, a larger one's head is a ranged GET, and each reader still gets every
byte it would have read alone."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ingest import read_csv
from ingest.formats.record_count import SMALL_OBJECT, RawOpener, SharedFetches, count_input
from tests.pull.servers import Seaweed

BUCKET = "landing"


def _csv(rows: int, rng: random.Random) -> bytes:
    """A header and ``rows`` records, each with a quoted comma and random text (so that gzip
    cannot shrink a large file below ``SMALL_OBJECT``)."""
    lines = ["id,name,note"] + [f'{n},"{rng.choice("abc")},x",é{rng.getrandbits(64):x}' for n in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_small_objects_are_fetched_once_for_the_head_and_the_count(seaweed: Seaweed) -> None:
    rng = random.Random(11)
    client = seaweed.client()
    bodies: dict[str, tuple[bytes, int]] = {}  # key -> (stored bytes, records in it)
    for n in range(40):
        rows = rng.randint(1, 60)
        bodies[f"shared/day/small-{n:02d}.csv"] = (_csv(rows, rng), rows)
    big_rows = SMALL_OBJECT // 10  # well over SMALL_OBJECT bytes, gzipped too
    big = _csv(big_rows, rng)
    bodies["shared/day/big.csv"] = (big, big_rows)
    bodies["shared/day/big.csv.gz"] = (gzip.compress(big), big_rows)
    assert min(len(bodies[f"shared/day/big.csv{gz}"][0]) for gz in ("", ".gz")) > SMALL_OBJECT
    bodies["shared/day/small.csv.gz"] = (gzip.compress(_csv(5, rng)), 5)
    for key, (body, _rows) in bodies.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    gets: Counter[tuple[str, str]] = Counter()  # (key, range or "") -> GETs

    def count_get(params: dict[str, Any], **_: Any) -> None:
        gets[(params["Key"], params.get("Range", ""))] += 1

    client.meta.events.register("provide-client-params.s3.GetObject", count_get)
    uris = {f"s3a://{BUCKET}/{key}": key for key in bodies}
    shared = SharedFetches(
        {uri: len(bodies[key][0]) for uri, key in uris.items()}, read_csv.HEAD_BYTES, RawOpener(client)
    )

    # As the pipeline reads a CSV batch: the count on a thread beside the heads.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(count_input, list(uris), "csv", opener=shared)
        heads = list(read_csv.read_heads(list(uris), "UTF-8", shared.head))
        counted = counting.result()

    plain = {key: gzip.decompress(body) if key.endswith(".gz") else body for key, (body, _) in bodies.items()}
    assert heads == [plain[key][: read_csv.HEAD_BYTES].decode(errors="replace") for key in uris.values()]
    assert counted.unreadable == {}
    assert counted.records == {uri: bodies[key][1] for uri, key in uris.items()}
    wanted = Counter({(key, ""): 1 for key in bodies})
    wanted[("shared/day/big.csv", f"bytes=0-{read_csv.HEAD_BYTES - 1}")] = 1  # the head, ranged
    wanted[("shared/day/big.csv.gz", "")] = 2  # a gzip's head is gunzipped: streamed, not ranged
    assert gets == wanted


def test_the_head_of_an_empty_object_is_empty(seaweed: Seaweed) -> None:
    """A ranged GET of an empty object is refused (416) by S3; its head is then no bytes."""
    client = seaweed.client()
    client.put_object(Bucket=BUCKET, Key="shared/empty.csv", Body=b"")
    uri = f"s3a://{BUCKET}/shared/empty.csv"
    assert RawOpener(client).prefix(uri, 10).read() == b""
    assert list(read_csv.read_heads([uri], "UTF-8", SharedFetches({}, 10, RawOpener(client)).head)) == [""]

"""``read_csv.read_heads``: the first bytes of each CSV file, which the header guess reads."""

from __future__ import annotations

import gzip
import io
import random
import time
from pathlib import Path
from typing import IO

import pytest

from ingest import read_csv
from ingest.errors import InputError


def _landing(tmp_path: Path, rng: random.Random) -> dict[Path, bytes]:
    """Plain and gzip files, empty ones, two longer than ``HEAD_BYTES`` (one gzip), names with
    spaces and non-ASCII letters: path -> the head a reader must see."""
    expected: dict[Path, bytes] = {}
    for index in range(60):
        body = "".join(rng.choice('ab,é\n\r"') for _ in range(rng.randint(0, 300))).encode()
        path = tmp_path / f"file {index:02d} ü.csv"
        if index % 7 == 3:
            path = path.with_suffix(".csv.gz")
            path.write_bytes(gzip.compress(body))
        else:
            path.write_bytes(body)
        expected[path] = body
    for name, write in (("big.csv", bytes), ("big.csv.gz", gzip.compress)):
        body = bytes(rng.randrange(256) for _ in range(read_csv.HEAD_BYTES + 1000))
        (tmp_path / name).write_bytes(write(body))
        expected[tmp_path / name] = body[: read_csv.HEAD_BYTES]
    return expected


def test_local_heads_are_each_files_first_bytes_gunzipped_cut_and_in_the_order_given(tmp_path: Path) -> None:
    rng = random.Random(3)
    expected = _landing(tmp_path, rng)
    order = list(expected)
    rng.shuffle(order)

    heads = list(read_csv.read_heads([str(p) for p in order], "UTF-8"))

    assert heads == [expected[p].decode("utf-8", errors="replace") for p in order]


def test_s3_heads_come_back_in_the_order_given_whatever_order_the_threads_finish_in(
    tmp_path: Path,
) -> None:
    """Object-store heads are fetched on threads, a batch at a time; each answer still belongs
    to its own object. The opener stands in for S3 (the platform suite reads real S3 heads)."""
    rng = random.Random(5)
    expected = _landing(tmp_path, rng)
    by_uri = {f"s3a://landing/{p.name}": p for p in expected}
    uris = list(by_uri) * 3  # more than one batch in flight
    rng.shuffle(uris)
    delays = {uri: rng.random() / 200 for uri in by_uri}

    def opener(uri: str) -> IO[bytes]:
        time.sleep(delays[uri])  # later objects often answer first
        return io.BytesIO(by_uri[uri].read_bytes())

    assert len(uris) > read_csv.HEADS_IN_FLIGHT
    heads = list(read_csv.read_heads(uris, "UTF-8", opener))

    assert heads == [expected[by_uri[uri]].decode("utf-8", errors="replace") for uri in uris]


def test_heads_are_decoded_with_the_sources_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("prénom,âge\n".encode("latin-1"))
    assert list(read_csv.read_heads([str(path)], "ISO-8859-1")) == ["prénom,âge\n"]
    assert list(read_csv.read_heads([str(path)], "UTF-8")) == ["pr\ufffdnom,\ufffdge\n"]


def test_a_file_gone_or_a_gzip_cut_short_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    there, gone, cut = tmp_path / "there.csv", tmp_path / "gone.csv", tmp_path / "cut.csv.gz"
    there.write_text("a,b\n")
    cut.write_bytes(gzip.compress(b"a,b\n1,2\n" * 100)[:30])
    with pytest.raises(InputError) as opened:
        list(read_csv.read_heads([str(there), str(gone)], "UTF-8"))
    assert opened.value.where == str(gone)
    assert "cannot open landing file" in str(opened.value) and "moved or deleted" in str(opened.value)
    with pytest.raises(InputError) as read:
        list(read_csv.read_heads([str(cut)], "UTF-8"))
    assert read.value.where == str(cut)
    assert "cannot read landing file" in str(read.value) and "truncated or corrupt" in str(read.value)

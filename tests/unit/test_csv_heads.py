"""``read_csv.read_heads``: the first bytes of each CSV file, which the header guess reads."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from ingest import read_csv
from ingest.errors import InputError


def test_heads_are_each_files_first_bytes_gunzipped_cut_and_in_the_order_given(tmp_path: Path) -> None:
    """Plain and gzip files, empty ones, one longer than ``HEAD_BYTES`` and names with spaces and
    non-ASCII letters: each head is what the file (gunzipped) starts with, in the order asked."""
    rng = random.Random(3)
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
    big = tmp_path / "big.csv.gz"
    big.write_bytes(gzip.compress(b"x" * (read_csv.HEAD_BYTES + 1000)))
    expected[big] = b"x" * read_csv.HEAD_BYTES
    order = list(expected)
    rng.shuffle(order)

    heads = read_csv.read_heads([str(p) for p in order], "UTF-8")

    assert heads == [expected[p].decode("utf-8", errors="replace") for p in order]


def test_heads_are_decoded_with_the_sources_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("prénom,âge\n".encode("latin-1"))
    assert read_csv.read_heads([str(path)], "ISO-8859-1") == ["prénom,âge\n"]
    assert read_csv.read_heads([str(path)], "UTF-8") == ["pr\ufffdnom,\ufffdge\n"]


def test_a_file_that_cannot_be_opened_or_an_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    there, gone = tmp_path / "there.csv", tmp_path / "gone.csv"
    there.write_text("a,b\n")
    with pytest.raises(InputError) as raised:
        read_csv.read_heads([str(there), str(gone)], "UTF-8")
    assert raised.value.where == str(gone)
    assert "cannot open landing file" in str(raised.value)
    with pytest.raises(InputError, match="unknown csv.encoding 'klingon'"):
        read_csv.read_heads([str(there)], "klingon")

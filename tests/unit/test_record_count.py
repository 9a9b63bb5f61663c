"""The independent record counter: records per file from raw bytes (no Spark, no parsers)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingest.errors import InputError
from ingest.formats import record_count
from ingest.formats.record_count import CsvGrammar, count_records


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_json_lines_count_non_blank_lines_and_bad_lines_too(tmp_path: Path) -> None:
    uri = write(tmp_path / "a.jsonl", b'{"a": 1}\n\n  \r\n{"a": "x\\ny"}\r\nnot json\n{"b": [1,\n')
    assert count_records([uri], "json") == {uri: 4}


def test_json_lines_without_a_final_newline_and_with_a_bom(tmp_path: Path) -> None:
    uri = write(tmp_path / "a.jsonl", b'\xef\xbb\xbf{"a": 1}\n{"a": 2}')
    assert count_records([uri], "json") == {uri: 2}


def test_a_pretty_printed_object_is_one_record(tmp_path: Path) -> None:
    uri = write(tmp_path / "doc.json", json.dumps({"a": {"b": [1, 2]}, "c": "}{"}, indent=2).encode())
    assert count_records([uri], "json") == {uri: 1}


def test_a_json_array_of_objects_counts_its_elements(tmp_path: Path) -> None:
    elements = [{"a": "[,]"}, {"b": [1, {"c": 2}]}, {}, {"d": '\\"'}]
    uri = write(tmp_path / "arr.json", json.dumps(elements, indent=1).encode())
    empty = write(tmp_path / "empty.json", b"  [ ]\n")
    assert count_records([uri, empty], "json") == {uri: 4, empty: 0}


@pytest.mark.parametrize(
    "text",
    [
        b'[{"a": 1}, {"b": ',  # never closes
        b'[{"a": 1}, null]',  # an element that is not an object
        b'[{"a": 1}, "{\\"b\\": 2}"]',  # a string that looks like an object
        b'[{"a": 1}],',  # text after the closing bracket
        b'[{"a": 1}][{"b": 2}]',
        b'[{"a": 1},]',  # trailing comma
        b"[,]",
        b"[\x0c]",  # a form feed is not JSON whitespace
        b"[{'a': 1}, {'a': 2}]",  # single quotes: the reader refuses them too
    ],
)
def test_any_other_array_document_is_one_record(tmp_path: Path, text: bytes) -> None:
    uri = write(tmp_path / "bad.json", text)
    assert count_records([uri], "json") == {uri: 1}


@pytest.mark.parametrize("chunk", [1, 3, 64])
@pytest.mark.parametrize(
    ("text", "records"),
    [
        (b'\n [1, 2]\n{"a": 1}\n\n{"a": 2}\n', 3),  # JSON lines under a first line that is an array
        (b'[{"a": 1}, null]\r\n{"b": 2}', 2),
        (b'[{"a": 1}] trailing\n{"b": 2}\n', 2),  # the parser stops after the first value
        (b'["\x01", "]"]\n{"b": 2}\n', 2),  # a bracket inside a string does not count
        (b"[NaN, 'x']\n{\"b\": 2}\n", 2),  # not JSON, but it closes on its line: one bad line
        (b'[1,\n2]\n{"b": 2}\n', 1),  # it does not close on its line: the whole text is one record
        (b'["]\\\n"]\n{"b": 2}\n', 1),  # nor here: the line ends inside a string
    ],
)
def test_an_array_that_closes_on_the_first_line_starts_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, text: bytes, records: int
) -> None:
    monkeypatch.setattr(record_count, "CHUNK", chunk)
    uri = write(tmp_path / "lines.jsonl", text)
    assert count_records([uri], "json") == {uri: records}


@pytest.mark.parametrize("chunk", [1, 2, 5, 64])
def test_array_elements_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(record_count, "CHUNK", chunk)
    elements = [{"n": 12345678901234567890, "s": 'é " ]'}, {"big": "x" * 300}, {"f": 1.5e300}]
    uri = write(tmp_path / "arr.json", b"\xef\xbb\xbf " + json.dumps(elements).encode() + b" \n")
    cut = write(tmp_path / "cut.json", json.dumps(elements).encode()[:-2])
    assert count_records([uri, cut], "json") == {uri: 3, cut: 1}


def test_a_file_of_only_a_byte_order_mark_is_empty(tmp_path: Path) -> None:
    uri = write(tmp_path / "bom.json", b"\xef\xbb\xbf")
    assert count_records([uri], "json") == {uri: 0}


def test_gzip_is_read_transparently_and_a_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    body = b"".join(b'{"n": %d}\n' % i for i in range(5000))
    uri = write(tmp_path / "a.jsonl.gz", gzip.compress(body))
    assert count_records([uri], "json") == {uri: 5000}
    cut = write(tmp_path / "cut.jsonl.gz", gzip.compress(body)[:-100])
    with pytest.raises(InputError, match="truncated") as caught:
        count_records([cut], "json")
    assert caught.value.where == cut


def test_csv_counts_every_record_but_the_header_and_skips_empty_lines(tmp_path: Path) -> None:
    text = (
        "Report of 2026,,\r\n"  # a title row: a record (the reader quarantines it)
        "\r\n"
        "id,name,note\r\n"
        '1,"two\r\nlines",x\r\n'
        "\r\n"
        '2,"a ""quoted"" comma, here",\r\n'
        ",,\r\n"  # all fields empty: still a record
        "3,c,d"
    )
    uri = write(tmp_path / "a.csv", text.encode())
    assert count_records([uri], "csv") == {uri: 5}


def test_csv_records_end_at_lf_crlf_or_in_a_file_without_lf_at_cr(tmp_path: Path) -> None:
    mixed = write(tmp_path / "m.csv", b'a,b\r\n1,"x\r\ny"\n\r\n2,y\r\n3,z\n')
    mac = write(tmp_path / "mac.csv", b'a,b\r1,"x\ry"\r\r2,y\r3,z')
    bare_cr_in_lf = write(tmp_path / "lf.csv", b"a,b\n1\r2,3\n")  # a CR beside LFs is a character
    assert count_records([mixed, mac, bare_cr_in_lf], "csv") == {mixed: 3, mac: 3, bare_cr_in_lf: 1}


def test_csv_header_only_and_files_without_records(tmp_path: Path) -> None:
    uri = write(tmp_path / "a.csv", b"title\nid,name\n1,a\n")
    header_only = write(tmp_path / "h.csv", b"id,name\n")
    empty = write(tmp_path / "e.csv", b"\n\n")
    blank_fields = write(tmp_path / "b.csv", b",,\n,\n")
    counts = count_records([uri, header_only, empty, blank_fields], "csv")
    assert counts == {uri: 2, header_only: 0, empty: 0, blank_fields: 0}


def test_csv_encoding_delimiter_and_backslash_escape(tmp_path: Path) -> None:
    text = 'nom;ville\n"Zoë \\" x";"Brüssel\nNord"\nA;B\n'
    uri = write(tmp_path / "a.csv", text.encode("latin-1"))
    grammar = CsvGrammar(delimiter=";", escape="\\", encoding="ISO-8859-1")
    assert count_records([uri], "csv", grammar) == {uri: 2}


def test_csv_quotes_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_count, "CHUNK", 7)
    rows = ["id,text"] + [f'{i},"line one\nline ""two"""' for i in range(60)]
    uri = write(tmp_path / "a.csv", "\n".join(rows).encode())
    assert count_records([uri], "csv") == {uri: 60}


def test_large_file_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_count, "CHUNK", 4096)
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as handle:
        for _ in range(200):
            handle.write(b'{"k": "v"}\n' * 1000)
    assert count_records([str(path)], "json") == {str(path): 200_000}


@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 1 << 20])
@pytest.mark.parametrize("escape", ['"', "\\"])
def test_csv_count_equals_pythons_csv_module_over_tricky_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, escape: str
) -> None:
    import csv
    import io
    import random

    monkeypatch.setattr(record_count, "CHUNK", chunk)
    rng = random.Random(chunk)
    pieces = ["a", "", " ", "x,y", "line\nbreak", "cr\r\nlf", "q" + escape + '"' + "q", escape * 2]
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        lineterminator="\r\n",
        escapechar=None if escape == '"' else escape,
        doublequote=escape == '"',
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(["id", "a", "b"])
    for i in range(200):
        writer.writerow([str(i), rng.choice(pieces), rng.choice(pieces)])
    uri = write(tmp_path / "t.csv", buffer.getvalue().encode())
    expected = sum(
        1
        for _ in csv.reader(
            io.StringIO(buffer.getvalue()),
            escapechar=None if escape == '"' else escape,
            doublequote=escape == '"',
        )
    )
    assert count_records([uri], "csv", CsvGrammar(escape=escape)) == {uri: expected - 1} == {uri: 200}


def test_a_corrupt_gzip_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    body = gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(5000)))
    corrupt = body[:40] + bytes(b ^ 0xFF for b in body[40:80]) + body[80:]
    uri = write(tmp_path / "bad.jsonl.gz", corrupt)
    good = write(tmp_path / "good.jsonl", b'{"n": 1}\n')
    counted = record_count.count_input([uri, good], "json")
    assert counted.records == {good: 1}
    assert list(counted.unreadable) == [uri]


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 20])
def test_a_quote_inside_an_unquoted_value_is_a_plain_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """``5"`` or ``x"y``: a quote opens a quoted field only as its first character (Spark's CSV
    parser reads such values as they are); counted as a quote, it swallowed the next records."""
    import csv
    import io
    import random

    monkeypatch.setattr(record_count, "CHUNK", chunk)
    rng = random.Random(chunk)
    cells = ['5" screen', 'x"y', 'ab""c', '"quoted, with comma"', '"two\nlines ""here"""', "plain", ""]
    lines = ["id,a,b"] + [f"{i},{rng.choice(cells)},{rng.choice(cells)}" for i in range(120)]
    text = "\r\n".join(lines) + "\r\n"
    uri = write(tmp_path / "q.csv", text.encode())
    expected = sum(1 for _ in csv.reader(io.StringIO(text))) - 1  # the standard library's reading
    assert count_records([uri], "csv") == {uri: expected} == {uri: 120}


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 20])
@pytest.mark.parametrize(
    ("text", "records"),
    [
        ('id,name\n1, "a\nb"\n', 2),  # after a space: the quote is a plain character
        ('id,name\n1,\t"a\nb"\n', 2),
        ('id,name\n "a\nb",1\n', 2),
        ('id,name\r\n1,"x" , "a\r\nb"\r\n', 2),
        ('id,name\n1,"a\nb"\n', 1),  # the field's first character: a quoted value
        ('id,name\n1,"a ""b"" \nc", "d\n2,x\n', 2),
    ],
)
def test_a_quote_after_a_space_is_a_plain_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, text: str, records: int
) -> None:
    """Spark's CSV parser opens a quoted value only at the field's first character; the count
    took a quote after a space for one, so a line break after it ended no record there, and the
    source failed ("do not reconcile"; found by tests/spark/test_reader_fuzz.py)."""
    monkeypatch.setattr(record_count, "CHUNK", chunk)
    uri = write(tmp_path / "q.csv", text.encode())
    assert count_records([uri], "csv") == {uri: records}


def test_a_binary_file_is_not_csv_text_but_a_text_csv_with_a_stray_control_is(tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    noise = bytes(rng.randrange(256) for _ in range(8000))
    workbook = b"PK\x03\x04" + noise
    text_with_nul = b"id,name\n1,a\x00b\n2,c\n"
    utf16 = "id,name\n1,Zoë\n".encode("utf-16")
    assert record_count.binary_content(noise, noise.decode("latin-1")) is not None  # about a quarter odd
    assert (record_count.binary_content(workbook, workbook.decode("utf-8", "replace")) or "").startswith(
        "not CSV text: a ZIP archive (an .xlsx workbook?); "
    )
    assert record_count.binary_content(text_with_nul, text_with_nul.decode()) is None
    assert record_count.binary_content(utf16, utf16.decode("utf-16")) is None
    uris = [write(tmp_path / "n.csv", noise), write(tmp_path / "t.csv", text_with_nul)]
    counted = record_count.count_input(uris, "csv")
    assert counted.records == {uris[1]: 2}
    assert counted.unreadable[uris[0]].startswith("not CSV text: binary data; ")


def test_a_latin1_file_under_utf8_is_named_as_legacy_text_not_binary_data(tmp_path: Path) -> None:
    """Spark's own fixture ``cars_iso-8859-1.csv`` separates its fields with 'þ' (0xFE): under
    UTF-8, 15 of its 134 characters cannot be decoded, and it was quarantined as "binary data",
    which sent the user to move the file away rather than to set its encoding."""
    from tests.conftest import REALDATA, require_realdata

    fixture = REALDATA / "spark-csv-fixtures" / "src" / "test" / "resources" / "cars_iso-8859-1.csv"
    require_realdata(fixture)
    latin1 = fixture.read_bytes()
    reason = record_count.binary_content(latin1, latin1.decode("utf-8", "replace"), "UTF-8")
    assert reason == (
        "not UTF-8 text: 15 of its first 134 characters are bytes UTF-8 cannot decode; it looks like "
        "windows-1252 (or ISO-8859-1) text; set csv.encoding: windows-1252 for this source "
        "(every file of it), then `ingest rollback` this run and run it again"
    )
    # Cyrillic (or Greek, or CJK) text decodes as windows-1252 too, as a run of accented letters:
    # no one encoding is named
    cyrillic = ("id,имя,город\n" + "".join(f"{i},Привет,Москва\n" for i in range(20))).encode("windows-1251")
    other = record_count.binary_content(cyrillic, cyrillic.decode("utf-8", "replace"))
    assert other is not None and "it looks like text in another encoding (windows-1251 Cyrillic" in other
    # the same bytes under the encoding they are in are text; bytes with controls stay binary
    assert record_count.binary_content(latin1, latin1.decode("windows-1252"), "windows-1252") is None
    controls = latin1.replace(b"Tesla", b"\x01\x02\x03\x04\x05")
    assert "binary data" in (record_count.binary_content(controls, controls.decode("utf-8", "replace")) or "")
    uri = write(tmp_path / "cars.csv", latin1)
    assert record_count.count_input([uri], "csv").unreadable[uri].startswith("not UTF-8 text: 15 of its")


@pytest.mark.parametrize(
    ("codec", "named"),
    [("utf-16", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("utf-32", "UTF-32LE"), ("utf-32-be", "UTF-32BE")],
)
def test_utf16_and_utf32_files_with_a_byte_order_mark_are_quarantined_whole_saying_what_reads_them(
    tmp_path: Path, codec: str, named: str
) -> None:
    """Excel's "Unicode Text" and PowerShell write UTF-16 with a byte order mark. Read as UTF-8,
    such a CSV file was "binary data", and a JSON file's every line garbage (its values U+FFFD)."""

    def encoded(text: str) -> bytes:  # with the byte order mark, in either byte order
        return ("\ufeff" + text).encode(codec) if codec.endswith("-be") else text.encode(codec)

    data = encoded('{"id": 1, "name": "Zoë"}\n{"id": 2, "name": "Jürg"}\n')
    assert record_count.unicode_bom(data) == named
    json_uri = write(tmp_path / "events.jsonl", data)
    csv_uri = write(tmp_path / "contacts.csv", encoded("id,name\n1,Zoë\n2,Jürg\n"))
    json_counted = record_count.count_input([json_uri], "json")
    assert json_counted.records == {}
    assert json_counted.unreadable[json_uri] == (
        f"not UTF-8 text: it starts with the {named} byte order mark (JSON must be UTF-8); "
        f"convert it (iconv -f {named} -t UTF-8) and land it under a new name"
    )
    csv_counted = record_count.count_input([csv_uri], "csv")
    assert csv_counted.unreadable[csv_uri].startswith(
        f"not UTF-8 text: it starts with the {named} byte order mark; set csv.encoding: {named[:6]} "
    )
    # ... which is the setting that reads it: two records, nothing unreadable
    fixed = record_count.count_input([csv_uri], "csv", record_count.CsvGrammar(encoding=named[:6]))
    assert fixed == record_count.InputCount({csv_uri: 2}, {})
    # a source set to UTF-16 for such files: a UTF-8 file beside them, or one in the other byte
    # order's family, is quarantined whole (Python's UTF-16 decoder needs the mark), not a failure
    if named.startswith("UTF-16"):
        utf8 = write(tmp_path / "utf8.csv", "id,name\n1,Zoë\n".encode())
        other = write(tmp_path / "other.csv", ("\ufeffid\n1\n").encode("utf-32"))
        mixed = record_count.count_input(
            [csv_uri, utf8, other], "csv", record_count.CsvGrammar(encoding="UTF-16")
        )
        assert mixed.records == {csv_uri: 2}
        assert mixed.unreadable[utf8] == "not UTF-16 text: UTF-16 stream does not start with BOM"
        assert mixed.unreadable[other].startswith(
            "not UTF-16 text: it starts with the UTF-32LE byte order mark"
        )
    # a UTF-8 file whose first character is U+FFFE or U+FEFF is not such a file
    assert record_count.unicode_bom("\ufeff{}".encode()) is None


def test_csv_without_a_header_counts_every_record(tmp_path: Path) -> None:
    uri = write(tmp_path / "h.csv", b"1,2,3\n\n4,5,6\n,,\n")
    assert count_records([uri], "csv") == {uri: 2}  # the first record is the header
    assert count_records([uri], "csv", CsvGrammar(header=False)) == {uri: 3}
    blank = write(tmp_path / "b.csv", b",,\n\n")
    assert count_records([blank], "csv", CsvGrammar(header=False)) == {blank: 0}


def test_files_compressed_other_than_gzip_are_named_by_their_compression() -> None:
    read = ["a.jsonl", "s3a://b/k/a.jsonl.gz", "noext", "a.csv", "dir.zst/a.jsonl", "a.gzip.jsonl"]
    assert [record_count.unread_compression(uri) for uri in read] == [None] * len(read)
    assert not any(map(record_count.counted_before_read, ["a.jsonl", "a.csv"]))
    assert all(map(record_count.counted_before_read, ["a.jsonl.gz", "a.jsonl.zst", "a.JSONL.BZ2"]))
    kinds = {
        "s3a://b/k/a.jsonl.zst": "zstd (.zst)",
        "a.csv.BZ2": "bzip2 (.BZ2)",
        "export.zip": "a ZIP archive (.zip)",
        "logs.tar.gz": "a gzipped tar archive (.tar.gz)",
    }
    for uri, kind in kinds.items():
        assert (record_count.unread_compression(uri) or "").startswith(f"compressed as {kind}, "), uri
    assert (record_count.unread_compression("a.jsonl.GZ") or "").startswith("gzip named .GZ, ")


def test_s3_keys_spark_cannot_name_are_unreadable_before_any_request() -> None:
    """On AWS S3 ``a//b.jsonl`` and ``a/b.jsonl`` are two objects; Hadoop's Path reads the second
    for the first (or fails on a missing key, every run). Such a key is quarantined whole,
    decided from its name: the count opens nothing (no S3 here; SeaweedFS folds ``//`` on PUT,
    so the platform cannot hold such a key)."""
    odd = [
        "s3a://landing/camera/2026-01-05//a.jsonl",
        "s3a://landing//camera/a.jsonl",
        "s3://landing/camera/./a.csv",
        "s3a://landing/camera/2026-01-05/../a.jsonl",
    ]
    for file_format in ("json", "csv", "gpmf", "ulog"):
        counted = record_count.count_input(odd, file_format)  # type: ignore[arg-type]
        assert counted.records == {}
        assert set(counted.unreadable) == set(odd)
        assert all(
            why.startswith("an S3 key with an empty, '.' or '..' path segment")
            for why in counted.unreadable.values()
        )
    assert all(map(record_count.counted_before_read, odd))
    fine = ["s3a://landing/camera/2026-01-05/a.jsonl", "/tmp//landing/./a.jsonl", "s3a://landing/a..b.jsonl"]
    assert [record_count.unnameable_key(uri) for uri in fine] == [None, None, None]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_csv_count_equals_pythons_csv_module_over_random_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Random texts of quotes, delimiters, line ends and spaces, most of them broken CSV: the
    records are the non-empty rows of Python's csv module (a quote opens a quoted value only as
    its field's first character there too, as in Spark's parser), less the header."""
    import csv
    import io
    import random

    monkeypatch.setattr(record_count, "CHUNK", chunk)
    rng = random.Random(chunk)
    pieces = ["a", ",", ",", '"', '"', '""', "\n", "\r\n", " ", "é", "\n\n", ' "']
    for i in range(200):
        text = "h,k\n" + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        uri = write(tmp_path / f"r{i}.csv", text.encode())
        assert count_records([uri], "csv") == {uri: len(rows) - 1}, repr(text)


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
@pytest.mark.parametrize(
    ("text", "escape", "records"),
    [
        # with a backslash escape, "" is a closed quote and a plain one: the value ends at the LF
        ('h\n"a""b\nc"\n', "\\", 2),
        ('"a""b\nc"\nh\n', "\\", 2),  # the same above the header
        ('""""\n""""\n', '"', 1),  # a header of one quote (a doubled quote fills its cell)
        ('"\\""\n"\\""\n', "\\", 1),  # the same, escaped by a backslash
        # a quote then the escape does not close a quoted value (Spark's parser, probed): the
        # value runs on, over line ends, until a quote that is followed by one
        ('h\n"a"\\,b\nc,d\n', "\\", 1),
        ('h\r\n"a"\\\r\nb\r\nc\r\n', "\\", 1),
        ('h\n""\\\n\nx\n', "\\", 1),
        ('h\n"a"\\\n"\nc\n', "\\", 2),
        ('h\n"a"x\ny\n', "\\", 2),  # another character after the quote: it closed
    ],
)
def test_csv_quotes_by_the_escape_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, text: str, escape: str, records: int
) -> None:
    """Found by a review: the count did not reconcile with the reader on these (the source failed)."""
    monkeypatch.setattr(record_count, "CHUNK", chunk)
    uri = write(tmp_path / "e.csv", text.encode())
    assert count_records([uri], "csv", CsvGrammar(escape=escape)) == {uri: records}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 4096])
def test_csv_comment_lines_are_no_records_wherever_the_chunks_end(chunk: int) -> None:
    """``csv.comment``: a line starting with it where a record would start is skipped, as
    Spark's reader skips it; inside a quoted value, or after the start of a record, it is text."""
    text = (
        '# exported by the device\nid,note\n#between rows\n1,"first\n# inside quotes"\n'
        "2,b#not at the start\n\n#\n3,c\n# last, no line end"
    )
    scanner = record_count._CsvScanner(CsvGrammar(comment="#"))
    for start in range(0, len(text), chunk):
        scanner.feed(text[start : start + chunk])
    scanner.finish()
    assert scanner.data_records() == 3  # the header, then 1, 2 and 3
    plain = record_count._CsvScanner(CsvGrammar())
    plain.feed(text)
    plain.finish()
    assert plain.data_records() == 7  # without the setting, every comment line is a record


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 100])
def test_a_line_starting_with_a_cr_then_the_comment_character_is_a_record(chunk: int) -> None:
    """Spark's reader reads one character at a record's start: after a bare CR, '#' is text."""
    scanner = record_count._CsvScanner(CsvGrammar(comment="#"))
    text = "id,v\n\r#x\n1,2\n"
    for start in range(0, len(text), chunk):
        scanner.feed(text[start : start + chunk])
    scanner.finish()
    assert scanner.data_records() == 2

"""Random JSON-ish and CSV-ish files through the real readers: every file's rows (landed plus
quarantined) equal its records by the independent count (``ingest.formats.record_count``).

Each file is a few fragments drawn at random (brackets, quotes, backslashes, line ends, a byte
order mark, whole objects and arrays; CSV cells quoted, half quoted, with line breaks, a quoted
value after a space), so most are broken in some way; the reader and the count must still agree
on where records start and end. When they do not, the source fails ("do not reconcile") and
nothing of it lands. Drawn this way, 300 JSON files held two shapes on which they disagreed: a
pretty-printed object that is not valid JSON, and a top-level string holding a line break; and
120 CSV files one: a quote after a space, which Spark's parser reads as a plain character and
the count and the line-end sniff took for an opening quote. The seeds are fixed, so a failure
reproduces; the failing files' texts are printed with it.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any

import pytest

from ingest.config import IngestConfig
from ingest.formats.record_count import CsvGrammar, count_records
from ingest.pipeline import run
from tests.spark.helpers import READ_PATHS, splits_of

pytestmark = pytest.mark.spark

JSON_FRAGMENTS = (
    *('{"a": 1}', '{"b": [1, {"c": 2}]}', '[{"d": 3}]', '{"e": "}"}', '{"f": "a\\nb"}', '{"g": {}}'),
    *("{", "}", "[", "]", '"', "\\", ",", ":", "'", "null", '"x"', "1", "[1, 2]", "{}", "[]", '"\\\\"'),
    *("\n", "\r\n", "\n\n", "\r", " ", "\t", "\x0b", "\ufeff", "\\n"),
)
CSV_CELLS = (
    *("a", "b", "1", "2.5", "", " ", "TRUE", "-0", "1,234", "null", "2026-01-05", "é", "x\ty", "\ufeff"),
    *('"q"', '"x,y"', '"line\nbreak"', '"say ""hi"""', '"', '5"', ' "after, a space\n"'),
)


def _json_text(draw: random.Random) -> str:
    return "".join(draw.choice(JSON_FRAGMENTS) for _ in range(draw.randint(1, 12)))


def _csv_text(draw: random.Random) -> str:
    # Two headers: files are read in one Spark read per header and line-end style (a read each
    # for 30 headers took a minute), and it is the records below them that vary, in width too.
    header = "id,a b,v"
    if draw.random() < 0.2:  # Excel's "CSV UTF-8": a byte order mark, a quoted first cell
        header = '\ufeff"i\nd",a b,v'
    records = [header]
    if draw.random() < 0.2:
        records.insert(0, draw.choice(["title", "Report,2026", ""]))
    for _ in range(draw.randint(0, 6)):
        cells = 3 if draw.random() < 0.8 else draw.randint(1, 6)
        records.append(",".join(draw.choice(CSV_CELLS) for _ in range(cells)))
    end = draw.choice(["\n", "\r\n"]) if draw.random() < 0.85 else draw.choice(["\n\n", ""])
    return end.join(records) + (end if draw.random() < 0.7 else "")


def _land(landing: Path, texts: dict[str, str]) -> None:
    landing.mkdir(parents=True)
    for name, text in texts.items():
        data = text.encode()
        (landing / name).write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)


def _files(draw: random.Random, make: Any, suffix: str, count: int) -> dict[str, str]:
    """``count`` texts by ``make``, named in order, every fifth gzipped."""
    return {f"f{i:03d}{suffix}" + (".gz" if i % 5 == 0 else ""): make(draw) for i in range(count)}


def _assert_every_file_reconciles(spark: Any, landing: Path, fmt: str, texts: dict[str, str]) -> None:
    source = IngestConfig(
        sources=[{"name": landing.name, "path": str(landing), "table": f"fuzz.{landing.name}", "format": fmt}]
    ).sources[0]
    report = run(spark, [source], command="test")
    error = report.sources[0].error
    # A source that does not reconcile commits nothing and names the files; show their texts.
    named = [name for name in texts if f"/{name}:" in str(error)]
    assert report.ok, f"{error}\n" + "\n".join(f"{name}: {texts[name]!r}" for name in named)
    files = report.sources[0].files
    assert sorted(Path(f.file).name for f in files) == sorted(texts)
    # The pipeline reconciled; check it here too, from the files, with the count alone.
    counted = count_records([f.file for f in files], fmt, CsvGrammar() if fmt == "csv" else None)
    read = {f.file: f.rows_written + f.rows_quarantined for f in files}
    assert {uri: read[uri] for uri in counted} == counted
    # Not vacuous: the files held records that landed and records that did not.
    assert sum(f.rows_written for f in files) > 0 and sum(f.rows_quarantined for f in files) > 0


@pytest.mark.parametrize("read_as", READ_PATHS)
def test_random_json_files_are_read_as_the_count_counts_them(
    spark: Any, tmp_path: Path, read_as: str
) -> None:
    # Read as lines, every file but the tiniest is read by several tasks (16-byte splits): fewer files.
    texts = _files(random.Random(1000), _json_text, ".json", 200 if read_as == "whole" else 60)
    landing = tmp_path / f"json_{read_as}"
    _land(landing, texts)
    with splits_of(spark, READ_PATHS[read_as]):
        _assert_every_file_reconciles(spark, landing, "json", texts)


def test_random_csv_files_are_read_as_the_count_counts_them(spark: Any, tmp_path: Path) -> None:
    texts = _files(random.Random(4000), _csv_text, ".csv", 100)
    landing = tmp_path / "csv"
    _land(landing, texts)
    _assert_every_file_reconciles(spark, landing, "csv", texts)

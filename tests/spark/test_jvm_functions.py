"""Ingest's Java SQL functions (ingest/java) against independent answers, over generated texts.

``dap_may_hold_empty`` must give exactly what the regex ``MAY_HOLD_EMPTY`` gives (Java's own
regex engine, in the same Spark job); ``dap_text_after_first_value`` what Python's JSON decoder
says is left after the first value. Each corpus is a few thousand texts built from the
characters that matter (brackets, quotes, backslashes, every whitespace, multi-byte UTF-8),
checked in one job.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pyspark.sql import functions as F

from ingest.empty_values import MAY_HOLD_EMPTY
from ingest.jvm_functions import may_hold_empty, text_after_first_value

pytestmark = pytest.mark.spark

WHITESPACE = " \t\n\x0b\f\r"  # Java's regex \s
PIECES = ['"', '""', "[", "]", "{", "}", "\\", "a", "é", "😀", ":", ",", *WHITESPACE]


def _frame(spark: Any, texts: list[str | None]) -> Any:
    return spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "i int, text string")


def test_may_hold_empty_is_the_regex_on_every_text(spark: Any) -> None:
    rng = random.Random(7)
    texts: list[str | None] = [None, "", '""', "[]", "{}", "[ \x0b]", "{\f\r\n\t }", "[ a]", '"a"', "é[ ]"]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(4000)]
    frame = _frame(spark, texts)
    text = F.col("text")
    answers = frame.select(
        "i", "text", may_hold_empty(text).alias("java"), text.rlike(MAY_HOLD_EMPTY).alias("regex")
    )
    differ = answers.where(~F.col("java").eqNullSafe(F.col("regex"))).collect()
    assert differ == [], differ[:10]
    counted = answers.agg(F.count_if("java").alias("yes"), F.count_if(~F.col("java")).alias("no")).first()
    assert counted["yes"] > 500 and counted["no"] > 500  # the corpus tests both answers
    assert answers.where(F.col("i") == 0).first()["java"] is None  # NULL stays NULL


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value whose strings hold the characters a bracket counter could trip on."""
    kind = rng.choice(["str", "num", "obj", "arr"] if depth < 3 else ["str", "num"])
    if kind == "str":
        return "".join(
            rng.choice(['"', "\\", "{", "}", "[", "]", "x", "é", " "]) for _ in range(rng.randint(0, 6))
        )
    if kind == "num":
        return rng.choice([0, -1.5, 10**20, True, None])
    if kind == "obj":
        return {
            _value(rng, 9) if rng.random() < 0.5 else "k": _value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))
        }
    return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def _python_answer(text: str) -> bool:
    """What is left after the first value, by Python's JSON decoder: anything but whitespace?"""
    start = len(text) - len(text.lstrip(WHITESPACE))
    _value, end = json.JSONDecoder().raw_decode(text, start)
    return text[end:].strip(WHITESPACE) != ""


def test_text_after_first_value_agrees_with_a_json_decoder(spark: Any) -> None:
    rng = random.Random(11)
    suffixes = ["", " ", "\r", "\t\f\x0b", "]", "}", " }", ",1]", "#", '{"b":1}', "\\ ", "x", "é", "[]"]
    texts: list[str] = []
    for _ in range(3000):
        first = {"id": _value(rng)} if rng.random() < 0.7 else [_value(rng) for _ in range(rng.randint(0, 3))]
        body = json.dumps(
            first, ensure_ascii=rng.random() < 0.5, separators=rng.choice([(",", ":"), (", ", ": ")])
        )
        texts.append(rng.choice(["", " ", "\n\t"]) + body + rng.choice(suffixes))
    expected = {i: _python_answer(t) for i, t in enumerate(texts)}
    frame = _frame(spark, [*texts, None, "", "abc", '"s" x', "{never ends", '{"a": "}"'])
    found = {
        row["i"]: row["java"]
        for row in frame.select("i", text_after_first_value(F.col("text")).alias("java")).collect()
    }
    differ = [(texts[i], expected[i], found[i]) for i in expected if found[i] != expected[i]]
    assert differ == [], differ[:10]
    assert 500 < sum(expected.values()) < len(texts) - 500  # the corpus tests both answers
    n = len(texts)
    # NULL stays NULL; no first object or array, or one that never ends: the parser's to report
    assert [found[n + k] for k in range(6)] == [None, False, False, False, False, False]

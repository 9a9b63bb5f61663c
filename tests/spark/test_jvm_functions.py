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
import re
from typing import Any

import pytest
from pyspark.sql import functions as F

from ingest import jvm_functions as J
from ingest import typing_rules as R
from ingest.empty_values import MAY_HOLD_EMPTY
from ingest.jvm_functions import may_hold_empty, number_text, text_after_first_value

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


NUMBER_PIECES = [
    "-",
    "+",
    "0",
    "1",
    "5",
    "9",
    ".",
    ",",
    "e",
    "E",
    "x",
    " ",
    "\n",
    "é",
    "000",
    ",123",
    "true",
    "FaLsE",
]
NUMBER_CASES = [
    "", "0", "-0", "01", "1.", ".5", "1e5", "1E+05", "1.5e-3", "-1,234", "1,234,567", "1,23", "0,123",
    "123456789012345678", "1234567890123456789", "999,999,999,999,999,999", "1,999,999,999,999,999,999",
    "1e400", "1e-400", "3e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "0.1000000000000001",
    "123456789012345", "1234567890123456", "0.000", "TRUE", "false", "truex", "ſalse",
    "12\n", "true\n", "1" * 40, "1." + "0" * 39,
]  # fmt: skip


def _expected_number_facts(text: str) -> tuple[int, int, int]:
    """(flags, integer digits, scale) from typing_rules' patterns over the whole text (Python's
    re) and Python's float: what ``dap_number_text`` must answer."""

    def whole(pattern: str, flags: int = 0) -> bool:
        return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), text, flags) is not None

    is_integer = whole(R.INTEGER_PATTERN)
    is_double = whole(R.DOUBLE_PATTERN)
    plain = whole(R.PLAIN_NUMBER_PATTERN)
    exact = False
    if is_double:
        digits = R.significant_digits(text)
        magnitude = abs(float(text))
        exact = digits <= R.EXACT_DOUBLE_DIGITS and (
            digits == 0 or R.DOUBLE_MIN_NORMAL <= magnitude <= R.DOUBLE_MAX
        )
    flags = (
        J.INTEGER * is_integer
        | J.GROUPED_INTEGER * (is_integer or whole(R.GROUPED_INTEGER_PATTERN))
        | J.DOUBLE * is_double
        | J.BOOLEAN * whole(R.BOOLEAN_PATTERN.replace("(?i)", ""), re.IGNORECASE | re.ASCII)
        | J.PLAIN_NUMBER * plain
        | J.EXACT_DOUBLE * exact
    )
    if not plain:
        return flags, 0, 0
    integer, _, fraction = text.lstrip("-").partition(".")
    return flags, len(integer), len(fraction)


def test_number_text_answers_the_typing_patterns_over_the_whole_text(spark: Any) -> None:
    """``dap_number_text`` (CSV type inference) against typing_rules' patterns matched over the
    whole text with Python's re, and Python's float for the exact-double test. Unlike Spark's
    RLIKE with ``$``, a final line break is part of the text: ``"12\n"`` is not an integer."""
    rng = random.Random(11)
    texts = NUMBER_CASES + [
        "".join(rng.choice(NUMBER_PIECES) for _ in range(rng.randint(1, 7))) for _ in range(6000)
    ]
    frame = _frame(spark, [None, *texts])
    facts = number_text(F.col("text"))
    got = {r.i: r.facts for r in frame.select("i", facts.alias("facts")).collect()}
    assert got[0] is None  # NULL stays NULL
    mask = J.DIGITS_MASK
    answered = {
        text: (facts & 63, (facts >> J.INTEGER_DIGITS_SHIFT) & mask, (facts >> J.SCALE_SHIFT) & mask)
        for text, facts in ((texts[i - 1], f) for i, f in got.items() if i)
    }
    differ = {
        t: (answered[t], _expected_number_facts(t)) for t in texts if answered[t] != _expected_number_facts(t)
    }
    assert differ == {}, list(differ.items())[:10]
    flags = [answered[t][0] for t in texts]
    for bit in (J.INTEGER, J.GROUPED_INTEGER, J.DOUBLE, J.BOOLEAN, J.PLAIN_NUMBER, J.EXACT_DOUBLE):
        assert 30 < sum(1 for f in flags if f & bit) < len(flags) - 30, bit  # the corpus tests both answers
    assert answered["1e400"][0] & J.DOUBLE and not answered["1e400"][0] & J.EXACT_DOUBLE
    assert answered["12\n"][0] == 0


# Numbers a double holds (short ones; shortest printings of doubles, 16-17 digits; C's %.17g of
# 0.1) and numbers it does not (more digits than a double keeps; beyond its range; an integer
# past 2^53 that no double is), written as a file would have them.
HELD_NUMBERS = ["0", "-0.0", "7", "2.5", "1e3", "46.51234567890123", "0.30000000000000004",
                "0.10000000000000001", "1.7976931348623157e308", "4.9e-324", "0e500", "1E-300",
                "9007199254740992", "123456789012345"]  # fmt: skip
INEXACT_NUMBERS = ["3.14159265358979323846", "1e400", "-1e-400", "12345678901234567", "2.5000000000000000001",
                   "0.10000000000000003", "123456789012345678901234567890", "1.8e308",
                   "1e9999999999", "-1e-2147483648", "0.1e-2147483647"]  # fmt: skip
KEYS = ["a", "b", 'q"uote', "line\nbreak", "tab\t", "\x01ctl", "😀", "é", "#1", "]", "back\\slash", "/"]


class _Number(str):
    """A number token, written as it is."""


def _record(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value: objects of KEYS, arrays, strings with long digit runs, numbers."""
    roll = rng.random()
    if depth < 4 and roll < 0.3:
        keys = rng.sample(KEYS, rng.randint(0, 3))
        return {key: _record(rng, depth + 1) for key in keys}
    if depth < 4 and roll < 0.45:
        return [_record(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.55:
        return rng.choice(["x", "12345678901234567890", '1e400 \\" 3.14159265358979323846', ""])
    return _Number(rng.choice(HELD_NUMBERS + INEXACT_NUMBERS))


def _held(text: str) -> bool:
    """The double nearest ``text`` is ``text`` to its own significant digits (Python's decimal)."""
    from decimal import Context, Decimal

    exact, value = Decimal(text), float(text)  # the constructor is exact; arithmetic is not
    if value in (float("inf"), float("-inf")):
        return False
    if exact.is_zero() or value == 0:
        return exact.is_zero() and value == 0
    written = exact.normalize(Context(prec=len(exact.as_tuple().digits)))
    return Decimal(value).normalize(Context(prec=len(written.as_tuple().digits))) == written


def _write(
    value: Any,
    path: tuple[Any, ...],
    keys: int,
    max_depth: int,
    found: dict[str, str] | None,
    elements: dict[str, dict[int, str]],
) -> tuple[str, bool]:
    """(text of ``value``, holds a number a double does not hold); the places the Java function
    must name go into ``found`` (None inside an array or a deep object: their text stands), and
    the texts of the elements holding one of each array outside those, into ``elements``."""
    from ingest.transform import path_key

    if isinstance(value, _Number):
        inexact = not _held(value)
        if inexact and found is not None:
            found[path_key(path)] = str(value)
        return str(value), inexact
    if isinstance(value, str):
        return json.dumps(value), False
    if isinstance(value, dict):
        boundary = found is not None and keys >= max_depth and bool(path)
        inner = None if boundary else found
        parts, any_inexact = [], False
        for key, item in value.items():
            text, inexact = _write(item, (*path, key), keys + 1, max_depth, inner, elements)
            escaped = json.dumps(key, ensure_ascii=len(path) % 2 == 0)  # \u escapes, or UTF-8 as is
            parts.append(escaped + ": " + text)
            any_inexact |= inexact
        text = "{" + ", ".join(parts) + "}"
        if boundary and any_inexact:
            found[path_key(path)] = text  # type: ignore[index]
        return text, any_inexact
    parts, any_inexact = [], False
    for index, item in enumerate(value):
        text, inexact = _write(item, path, keys, max_depth, None, {})
        if inexact and found is not None:
            elements.setdefault(path_key(path), {})[index] = text
        parts.append(text)
        any_inexact |= inexact
    text = "[" + ",  ".join(parts) + "]"
    if any_inexact and found is not None and path:
        found[path_key(path)] = text
    return text, any_inexact


def test_lost_values_names_every_number_a_double_does_not_hold(spark: Any) -> None:
    """``dap_lost_values`` against the generator's own account of each record it wrote:
    which numbers a double does not hold (Python's decimal arithmetic), where each sits, and the
    text of each array, element and deep object that holds one, keyed as ``path_key`` keys."""
    rng = random.Random(13)
    max_depth = 2
    array = "[1, 3.14159265358979323846]"  # a document: its elements come from dap_written_elements
    texts: list[str | None] = [None, "", "not json", '{"a": 1.23456789012345678901', array]
    expected: list[dict[str, str] | None] = [None] * len(texts)
    # (record, array path, the texts dap_written_elements must give, by index)
    arrays: list[tuple[str, str, list[str | None] | None]] = [(array, "[]", [None, "3.14159265358979323846"])]
    while len(texts) < 3000:
        record = _record(rng)
        if not isinstance(record, dict):
            continue
        found: dict[str, str] = {}
        text, _ = _write(record, (), 0, max_depth, found, {})
        texts.append(text)
        expected.append(found or None)
        elements: dict[str, dict[int, str]] = {}
        _write(record, (), 0, 10**6, {}, elements)  # written_elements knows no max_depth
        for key, by_index in elements.items():
            arrays.append((text, key, [by_index.get(i) for i in range(max(by_index) + 1)]))
        arrays.append((text, '["no such array"]', None))
    frame = _frame(spark, texts)
    answers = frame.select(
        "i",
        J.lost_values(F.col("text"), max_depth).alias("found"),
        J.may_lose_values(F.col("text")).alias("may"),
    ).collect()
    got = {r.i: r.found for r in answers}
    differ = {i: (texts[i], got[i], expected[i]) for i in range(len(texts)) if got[i] != expected[i]}
    assert differ == {}, list(differ.values())[:5]
    # The one-pass test a batch is counted by names exactly the records that hold one (of these
    # objects: no repeated keys), whatever their strings hold.
    may = {r.i: r.may for r in answers}
    assert [i for i in range(5, len(texts)) if may[i] != bool(expected[i])] == []
    named = sum(1 for e in expected if e)
    assert 300 < named < len(texts) - 300, named  # the corpus tests both answers

    by_array = spark.createDataFrame(
        list(enumerate(arrays)), "i int, a struct<text string, key string, e array<string>>"
    )
    found_elements = by_array.select(
        "i",
        F.call_function("dap_written_elements", F.col("a.text").cast("binary"), F.col("a.key")).alias("got"),
    ).collect()
    wrong = [(arrays[r.i], r.got) for r in found_elements if r.got != arrays[r.i][2]]
    assert wrong == [], wrong[:5]
    assert sum(1 for *_, e in arrays if e) > 300


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, written in order: a key may come twice."""


def _object_with_repeats(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value whose objects repeat a key now and then; its numbers a double holds."""
    roll = rng.random()
    if depth < 4 and roll < 0.35:
        keys = rng.sample(KEYS, rng.randint(0, 4))
        if keys and rng.random() < 0.3:
            keys.insert(rng.randint(0, len(keys)), rng.choice(keys))
        return _Pairs((key, _object_with_repeats(rng, depth + 1)) for key in keys)
    if depth < 4 and roll < 0.5:
        return [_object_with_repeats(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.7:
        return rng.choice(["x", "a", "12345678901234567890", '{"a": 1, "a": 2}', ""])
    return _Number(rng.choice(HELD_NUMBERS))


def _key_text(key: str, rng: random.Random) -> str:
    """``key`` as JSON: as is, with non-ASCII escaped, or every character \\u-escaped (one key
    written two ways is still one key)."""
    roll = rng.random()
    if roll < 0.2 and all(ord(c) < 0x10000 for c in key):
        return '"' + "".join(f"\\u{ord(c):04x}" for c in key) + '"'
    return json.dumps(key, ensure_ascii=roll < 0.5)


def _write_with_repeats(
    value: Any,
    path: tuple[str, ...],
    keys: int,
    max_depth: int,
    found: dict[str, str] | None,
    rng: random.Random,
) -> tuple[str, bool]:
    """(text of ``value``, holds a repeated key); into ``found`` (None inside an array or a deep
    object, whose text keeps every pair) go the places the Java function must name: a key
    repeated outside them as ``repeated:`` and its path (a key with a dot, a backtick or none in
    backticks) to its earlier values' texts, and each array or deep object holding a repeat to
    its text. What was found inside an earlier value stays out: that value is rescued whole."""
    from ingest.transform import path_key

    if isinstance(value, _Number):
        return str(value), False
    if isinstance(value, str):
        return json.dumps(value), False
    if isinstance(value, _Pairs):
        boundary = found is not None and keys >= max_depth and bool(path)
        inner = None if boundary else found
        last = {key: i for i, (key, _) in enumerate(value)}
        parts: list[str] = []
        written: dict[str, list[str]] = {}
        repeats = False
        for i, (key, item) in enumerate(value):
            target = inner if inner is None or last[key] == i else {}
            text, inside = _write_with_repeats(item, (*path, key), keys + 1, max_depth, target, rng)
            parts.append(_key_text(key, rng) + ": " + text)
            repeats |= inside or key in written
            written.setdefault(key, []).append(text)
        if inner is not None:
            for key, texts in written.items():
                if len(texts) > 1:
                    rendered = ".".join(
                        f"`{k.replace('`', '``')}`" if k == "" or "." in k or "`" in k else k
                        for k in (*path, key)
                    )
                    inner["repeated:" + rendered] = "[" + ",".join(texts[:-1]) + "]"
        text = "{" + ", ".join(parts) + "}"
        if boundary and repeats:
            found[path_key(path)] = text  # type: ignore[index]
        return text, repeats
    parts, repeats = [], False
    for item in value:
        text, inside = _write_with_repeats(item, path, keys, max_depth, None, rng)
        parts.append(text)
        repeats |= inside
    text = "[" + ", ".join(parts) + "]"
    if repeats and found is not None and path:
        found[path_key(path)] = text
    return text, repeats


def test_lost_values_names_every_repeated_key_and_the_scan_misses_none(spark: Any) -> None:
    """A key written twice in one object, against the generator's own account: its earlier values
    by path, or the array or deep object around it; and the one-pass scan a batch is counted by
    flags every such record, keys written escaped or not (``"\\u0061"`` is ``"a"``)."""
    rng = random.Random(29)
    max_depth = 2
    texts: list[str | None] = []
    expected: list[dict[str, str] | None] = []
    while len(texts) < 3000:
        record = _object_with_repeats(rng)
        if not isinstance(record, _Pairs):
            continue
        found: dict[str, str] = {}
        text, repeats = _write_with_repeats(record, (), 0, max_depth, found, rng)
        texts.append(text)
        expected.append(found or None)
        assert repeats == bool(found), text
    answers = (
        _frame(spark, texts)
        .select(
            "i",
            J.lost_values(F.col("text"), max_depth).alias("found"),
            J.may_lose_values(F.col("text")).alias("may"),
        )
        .collect()
    )
    got = {r.i: r.found for r in answers}
    differ = {i: (texts[i], got[i], expected[i]) for i in range(len(texts)) if got[i] != expected[i]}
    assert differ == {}, list(differ.values())[:5]
    may = {r.i: r.may for r in answers}
    assert [texts[i] for i in range(len(texts)) if expected[i] and not may[i]] == []
    named = sum(1 for e in expected if e)
    assert 300 < named < len(texts) - 300, named  # the corpus tests both answers
    # And it clears the others (a key's escapes are decoded before it is compared).
    assert [texts[i] for i in range(len(texts)) if may[i] and not expected[i]] == []


def test_repeated_keys_that_only_lone_surrogates_tell_apart_are_one_key_as_spark_stores_them(
    spark: Any,
) -> None:
    """Spark stores a lone UTF-16 surrogate of a key as ``?``: ``"\\ud800"`` and ``"\\udbff"``
    would be two keys in Java and one in Spark's map, which refuses a key twice (the row's
    ``_rescued_data`` failed its batch with DUPLICATED_MAP_KEY). Their earlier values are merged."""
    text = '{"\\ud800": 1, "\\ud800": 2, "\\udbff": 3, "\\udbff": 4, "b": 5}'
    (row,) = _frame(spark, [text]).select(J.lost_values(F.col("text"), 2).alias("lost")).collect()
    assert row.lost == {"repeated:?": "[1,3]"}


def test_an_object_where_spark_parses_text_is_named_whole_by_its_written_text(spark: Any) -> None:
    """Where other records hold text, Spark parses an object as text by writing it again, each
    number through a double and each lone surrogate re-escaped. Given that path as a text path,
    ``dap_lost_values`` names the object whole, as written, for whatever inside it is lost; without
    it, each loss by its own place (as for an object flattened into columns)."""
    from ingest.transform import path_key

    cases = [  # (record, what is lost when "t" and "o.t" are text, what is lost when they are not)
        (
            '{"t": {"k": 3.14159265358979323846, "n": 1.10}}',
            {path_key(("t",)): '{"k": 3.14159265358979323846, "n": 1.10}'},
            {path_key(("t", "k")): "3.14159265358979323846"},
        ),
        ('{"t": {"a": 1, "a": 2}}', {path_key(("t",)): '{"a": 1, "a": 2}'}, {"repeated:t.a": "[1]"}),
        ('{"t": {"s": "\\ud83d"}}', {path_key(("t",)): '{"s": "\\ud83d"}'}, {"unpaired:t.s": '"\\ud83d"'}),
        ('{"t": 1e400}', {path_key(("t",)): "1e400"}, {path_key(("t",)): "1e400"}),
        ('{"t": [1e400]}', {path_key(("t",)): "[1e400]"}, {path_key(("t",)): "[1e400]"}),
        (
            '{"o": {"t": {"k": 1e400}}}',
            {path_key(("o", "t")): '{"k": 1e400}'},
            {path_key(("o", "t", "k")): "1e400"},
        ),
        (
            '{"t": {"k": 2.5}, "u": {"k": 1e400}}',
            {path_key(("u", "k")): "1e400"},
            {path_key(("u", "k")): "1e400"},
        ),
    ]
    frame = _frame(spark, [text for text, _, _ in cases])
    text_paths = [("t",), ("o", "t")]
    rows = frame.select(
        "i",
        J.lost_values(F.col("text"), 4, text_paths).alias("as_text"),
        J.lost_values(F.col("text"), 4).alias("flattened"),
    ).collect()
    got = {r.i: (r.as_text, r.flattened) for r in rows}
    assert [got[i] for i in range(len(cases))] == [(as_text, flattened) for _, as_text, flattened in cases]


def test_join_escaped_pairs_writes_each_escaped_surrogate_pair_as_its_character(spark: Any) -> None:
    """Spark's parser writes a value kept as JSON text again with Jackson 2.15's UTF-8 writer, which
    escapes an emoji as a surrogate pair. ``dap_join_escaped_pairs`` writes each pair as its
    character; an unpaired or reversed half, an escaped backslash before ``u`` and other escapes
    stay as they are."""
    cases = [
        (r'["\uD83D\uDE00"]', '["😀"]'),
        (r'{"k":"a\ud83d\ude00b","n":"\n"}', '{"k":"a😀b","n":"\\n"}'),
        (r'"\uD83D\uDE00\uD83D\uDE01 \u00e9"', '"😀😁 \\u00e9"'),
        (r'["\uD83D"]', r'["\uD83D"]'),
        (r'["\uDE00\uD83D"]', r'["\uDE00\uD83D"]'),
        (r'["\\uD83D\uDE00"]', r'["\\uD83D\uDE00"]'),  # an escaped backslash, then text
        (r'["\\\uD83D\uDE00"]', '["\\\\😀"]'),
        (r'["\uD83D\u0041"]', r'["\uD83D\u0041"]'),
        (r'["\uD83D\uDE0', r'["\uD83D\uDE0'),  # cut short
        ("[1, 2]", "[1, 2]"),
        (None, None),
    ]
    frame = _frame(spark, [text for text, _ in cases])
    got = {
        r.i: r.joined
        for r in frame.select("i", J.join_escaped_pairs(F.col("text")).alias("joined")).collect()
    }
    assert [got[i] for i in range(len(cases))] == [joined for _, joined in cases]
    for text, joined in cases[:3]:  # the same JSON value
        assert json.loads(joined) == json.loads(text)


# Pieces of a JSON string's text: surrogate escapes alone, in pairs and reversed, upper case, a
# u-escape of another character, an escaped backslash before "u" (text, not an escape), an emoji
# written as UTF-8, and characters around them.
SURROGATE_PIECES = [
    "\\ud83d",
    "\\ude00",
    "\\ud83d\\ude00",
    "\\uDBFF\\uDFFF",
    "\\uD800",
    "\\u0041",
    "\\\\",
    "\\\\ud83d",
    '\\"',
    "\\n",
    "a",
    "é",
    "😀",
]


def _escaped_string(rng: random.Random) -> str:
    """The JSON text of a string (quotes included), from ``SURROGATE_PIECES``."""
    return '"' + "".join(rng.choice(SURROGATE_PIECES) for _ in range(rng.randint(0, 4))) + '"'


def _unpaired(text: str) -> bool:
    """Does the JSON string ``text`` hold a surrogate that is not half of a pair? Python's decoder
    joins a pair into one character and keeps an unpaired one as it is."""
    return any(0xD800 <= ord(c) <= 0xDFFF for c in json.loads(text))


def test_lost_values_keeps_every_string_with_an_unpaired_surrogate_as_written(spark: Any) -> None:
    """A string holding half of a UTF-16 pair (``"\\ud83d"``) reaches Spark's UTF-8 text as
    ``?``. Against Python's JSON decoder: such a string outside arrays and deep objects is named
    under ``unpaired:`` with its text as written, an array or a deep object holding one by its
    text, and the one-pass scan flags exactly the records that hold one."""
    from ingest.transform import path_key

    rng = random.Random(57)
    texts: list[str | None] = []
    expected: list[dict[str, str] | None] = []
    for i in range(3000):
        s, first, second, deep = (_escaped_string(rng) for _ in range(4))
        array = f"[{first}, {second}]"
        nested = '{"x": ' + deep + "}"
        texts.append(f'{{"id": {i}, "s": {s}, "arr": {array}, "o": {{"deep": {nested}}}}}')
        found: dict[str, str] = {}
        if _unpaired(s):
            found["unpaired:s"] = s
        if _unpaired(first) or _unpaired(second):
            found[path_key(("arr",))] = array
        if _unpaired(deep):
            found[path_key(("o", "deep"))] = nested  # two keys deep: kept as JSON text
        expected.append(found or None)
    answers = (
        _frame(spark, texts)
        .select(
            "i", J.lost_values(F.col("text"), 2).alias("found"), J.may_lose_values(F.col("text")).alias("may")
        )
        .collect()
    )
    got = {r.i: r.found for r in answers}
    differ = {i: (texts[i], got[i], expected[i]) for i in range(len(texts)) if got[i] != expected[i]}
    assert differ == {}, list(differ.values())[:5]
    may = {r.i: r.may for r in answers}
    assert [texts[i] for i in range(len(texts)) if bool(expected[i]) != may[i]] == []
    named = sum(1 for e in expected if e)
    assert 300 < named < len(texts) - 300, named  # the corpus tests both answers

"""Column naming rules (ingest.naming), without Spark.

Invariants: every name is a lowercase ``[a-z0-9_]`` identifier of at most 128 characters that does
not start with ``_`` or a digit; the same set of paths always yields the same names whatever order
they arrive in; no two paths share a name (Spark and Hive compare names case-insensitively); names
already in a table's column map never move; identifiers are quoted so any text is inert in SQL.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from ingest.naming import (
    MAX_LEN,
    assign_names,
    candidate_name,
    normalize_key,
    quote_identifier,
    quote_table,
    render_path,
)
from ingest.schema_plan import RESERVED

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

HOSTILE_KEYS = [
    "a`b; drop table x",
    'it\'s "quoted"',
    "semi;colon",
    "select * from t --",
    "with space",
    "dotted.key",
    "Ünïcödé",
    "名前",
    "🙂",
    "",
    "_leading",
    "123abc",
    "x" * 1000,
    "userId",
    "userid",
    "USERID",
]


def _names(
    paths: list[tuple[str, ...]], existing: dict[tuple[str, ...], str] | None = None
) -> dict[tuple[str, ...], str]:
    return {p: a.column for p, a in assign_names(paths, existing or {}, RESERVED).items()}


# ---------------------------------------------------------------------------------------------
# normalize_key / candidate_name


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("userId", "userid"),
        ("USER_ID", "user_id"),
        ("Record.UserId", "record_userid"),  # a dot inside one key is punctuation, not nesting
        ("first name", "first_name"),
        ("  padded  ", "padded"),
        ("a--b__c", "a_b_c"),  # every run of other characters is one underscore
        ("Café", "cafe"),  # accents folded to ASCII
        ("Ünïcödé", "unicode"),
        ("ﬁle", "file"),  # compatibility ligature folded
        ("Post-9/11GI Bill Program", "post_9_11gi_bill_program"),
        ("Dependents' Educational Assistance", "dependents_educational_assistance"),
        ("_leading_", "leading"),  # ingest columns own the leading underscore
    ],
)
def test_normalize_key(key: str, expected: str) -> None:
    assert normalize_key(key) == expected


@pytest.mark.parametrize("key", ["", "!!", "名前", "🙂", "___", "   "])
def test_keys_with_nothing_left_get_a_stable_hash_name(key: str) -> None:
    name = normalize_key(key)
    assert re.fullmatch(r"x[0-9a-f]{8}", name), name
    assert normalize_key(key) == name  # deterministic


def test_keys_with_nothing_left_do_not_collide_with_each_other() -> None:
    keys = ["", "!!", "名前", "名字", "🙂", "😀"]
    assert len({normalize_key(k) for k in keys}) == len(keys)


def test_leading_digit_gets_a_prefix() -> None:
    assert candidate_name(("123abc",)) == "c_123abc"
    assert candidate_name(("2024", "count")) == "c_2024_count"
    assert candidate_name(("a", "1")) == "a_1"  # only the start of the whole name matters


def test_nested_path_joins_normalised_keys() -> None:
    assert candidate_name(("record", "attributes", "ISO")) == "record_attributes_iso"
    assert candidate_name(("header", "device.id")) == "header_device_id"


@pytest.mark.parametrize("reserved", sorted(RESERVED))
def test_reserved_names_are_never_given_to_data(reserved: str) -> None:
    path = (reserved,)
    name = assign_names([path], {}, RESERVED)[path].column
    assert name not in RESERVED
    assert IDENT.match(name)


def test_partition_column_name_is_reserved() -> None:
    name = candidate_name(("event_date",), RESERVED)
    assert name != "event_date"
    assert name.startswith("event_date_")


def test_thousand_character_key_is_bounded_with_a_hash() -> None:
    long_a = ("k" * 1000,)
    long_b = ("k" * 999 + "z",)  # differs only past the cut
    a, b = candidate_name(long_a), candidate_name(long_b)
    assert len(a) == MAX_LEN == 128 and len(b) == MAX_LEN
    assert a != b  # the hash covers the whole original path
    assert re.fullmatch(r"k+_[0-9a-f]{8}", a)
    assert candidate_name(long_a) == a  # deterministic


def test_long_nested_path_is_bounded() -> None:
    path = tuple(f"level{i}_" + "y" * 60 for i in range(10))
    name = candidate_name(path)
    assert len(name) == MAX_LEN
    assert IDENT.match(name)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_every_name_is_a_safe_identifier(key: str) -> None:
    for path in [(key,), ("outer", key), (key, key)]:
        name = assign_names([path], {}, RESERVED)[path].column
        assert IDENT.match(name), (path, name)
        assert len(name) <= MAX_LEN
        assert name not in RESERVED


# ---------------------------------------------------------------------------------------------
# assign_names: collisions, determinism, stability


def test_case_only_twins_get_distinct_names() -> None:
    paths = [("userId",), ("userid",), ("USERID",)]
    names = _names(paths)
    assert len(set(names.values())) == 3
    assert len({n.lower() for n in names.values()}) == 3  # distinct to a case-insensitive engine
    assert names[("userid",)] == "userid"  # the key already in normal form keeps the plain name
    assert all(re.fullmatch(r"userid_[0-9a-f]{8}", names[p]) for p in [("userId",), ("USERID",)])


def test_collisions_after_punctuation_get_distinct_names() -> None:
    paths = [("a", "b"), ("a_b",), ("a.b",), ("A B",), ("a-b",)]
    names = _names(paths)
    assert len(set(names.values())) == len(paths)
    assert sum(1 for n in names.values() if n == "a_b") == 1


def test_names_do_not_depend_on_input_order() -> None:
    paths = [(k,) for k in HOSTILE_KEYS] + [("a", "b"), ("a_b",), ("A_b",), ("event_date",)]
    expected = _names(paths)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = paths[:]
        rng.shuffle(shuffled)
        assert _names(shuffled) == expected
    assert _names(list(reversed(paths))) == expected


def test_all_orders_of_twins_agree() -> None:
    paths = [("Name",), ("name",), ("NAME",), ("n a m e",)]
    results = {tuple(sorted(_names(list(order)).items())) for order in itertools.permutations(paths)}
    assert len(results) == 1


def test_duplicate_paths_in_input_are_one_column() -> None:
    names = _names([("a",), ("a",), ("b",)])
    assert names == {("a",): "a", ("b",): "b"}


def test_existing_column_map_keeps_names_stable() -> None:
    existing = {("userId",): "userid"}  # the table met "userId" first
    result = assign_names([("userid",), ("userId",), ("email",)], existing, RESERVED)
    assert result[("userId",)].column == "userid"
    assert result[("userId",)].is_new is False
    assert result[("userid",)].column != "userid"  # the later twin must not take it over
    assert result[("userid",)].is_new is True
    assert result[("email",)].column == "email"


def test_new_twin_in_a_later_batch_never_takes_an_existing_name() -> None:
    first = _names([("userId",), ("userid",)])
    later = _names([("USERID",), ("userid",), ("userId",)], existing=first)
    for path, column in first.items():
        assert later[path] == column
    assert later[("USERID",)] not in first.values()
    assert len(set(later.values())) == 3


def test_a_path_that_literally_equals_a_hashed_name_still_gets_its_own_column() -> None:
    base = _names([("userId",), ("userid",)])
    hashed = base[("userId",)]
    paths = [("userId",), ("userid",), (hashed,)]
    names = _names(paths)
    assert len(set(names.values())) == 3
    assert _names(list(reversed(paths))) == names


def test_assign_names_marks_new_paths() -> None:
    result = assign_names([("a",), ("b",)], {("a",): "a"}, RESERVED)
    assert [result[p].is_new for p in [("a",), ("b",)]] == [False, True]


# ---------------------------------------------------------------------------------------------
# render_path and quoting


def _parse_rendered(text: str) -> tuple[str, ...]:
    """Parse Spark's dotted path syntax (backtick-quoted parts, doubled backticks inside)."""
    parts: list[str] = []
    i = 0
    while True:
        if i < len(text) and text[i] == "`":
            i += 1
            buf = []
            while True:
                if text[i] == "`":
                    if i + 1 < len(text) and text[i + 1] == "`":
                        buf.append("`")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            parts.append("".join(buf))
        else:
            end = text.find(".", i)
            end = len(text) if end == -1 else end
            parts.append(text[i:end])
            i = end
        if i == len(text):
            return tuple(parts)
        assert text[i] == ".", (text, i)
        i += 1


def test_render_path_plain() -> None:
    assert render_path(("record", "userId")) == "record.userId"


def test_render_path_quotes_dots_backticks_and_empty_keys() -> None:
    assert render_path(("a.b", "c`d", "", "x")) == "`a.b`.`c``d`.``.x"


@pytest.mark.parametrize(
    "path",
    [
        ("record", "userId"),
        ("a.b",),
        ("a", "b"),
        ("",),
        ("", ""),
        ("a`b; drop table x",),
        ("``",),
        ("`a.b`",),
        ("with space", "名前"),
        ("trailing.",),
        (".",),
    ],
)
def test_render_path_round_trips(path: tuple[str, ...]) -> None:
    assert _parse_rendered(render_path(path)) == path


def test_render_path_is_unambiguous() -> None:
    paths = [("a.b",), ("a", "b"), ("a`", "b"), ("a", "`b"), ("",), ("", ""), ("`",)]
    rendered = [render_path(p) for p in paths]
    assert len(set(rendered)) == len(paths)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain", "`plain`"),
        ("a`b; drop table x", "`a``b; drop table x`"),
        ("``", "``````"),
        ("", "``"),
    ],
)
def test_quote_identifier_escapes_backticks(name: str, expected: str) -> None:
    assert quote_identifier(name) == expected


def test_quoted_identifier_has_no_unescaped_backtick_inside() -> None:
    quoted = quote_identifier("x`; drop table y; --`")
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == "`"
    assert "`" not in inner.replace("``", "")


def test_quote_table_quotes_each_part() -> None:
    assert quote_table("raw.events") == "`raw`.`events`"

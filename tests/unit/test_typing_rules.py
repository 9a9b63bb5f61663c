"""Type rules (ingest.typing_rules), without Spark: canonical types, the reconcile matrix and
the CSV text patterns (applied in Spark with Java regex; the simple constructs used here mean the
same in Python's ``re``)."""

from __future__ import annotations

import re

import pytest
from pyspark.sql.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    NullType,
    ShortType,
    StringType,
    TimestampType,
)

from ingest.transform import (
    BEYOND_MICROSECONDS_PATTERN,
    DATE_TEXT_PATTERN,
    EDGE_SPACE_PATTERN,
    TIMESTAMP_TEXT_PATTERN,
)
from ingest.typing_rules import (
    BOOLEAN_PATTERN,
    DOUBLE_PATTERN,
    GROUPED_INTEGER_PATTERN,
    INTEGER_PATTERN,
    PLAIN_NUMBER_PATTERN,
    Reconcile,
    canonical,
    promotion,
    reconcile,
    significant_digits,
    text_type,
)

SAME, CAST, RESCUE = Reconcile.SAME, Reconcile.CAST_CHECKED, Reconcile.RESCUE_ALL
BIGINT_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("inferred", "stored"),
    [
        (ByteType(), LongType()),
        (ShortType(), LongType()),
        (IntegerType(), LongType()),
        (LongType(), LongType()),
        (FloatType(), DoubleType()),
        (DoubleType(), DoubleType()),
        (NullType(), StringType()),
        (StringType(), StringType()),
        (BooleanType(), BooleanType()),
        (DecimalType(38, 18), DecimalType(38, 18)),
        (DateType(), DateType()),
        (TimestampType(), TimestampType()),
    ],
)
def test_canonical_storage_type(inferred: DataType, stored: DataType) -> None:
    assert canonical(inferred) == stored


# table type (rows) x batch type (columns)
MATRIX: list[tuple[DataType, DataType, Reconcile]] = [
    # same after widening
    (LongType(), LongType(), SAME),
    (LongType(), IntegerType(), SAME),
    (DoubleType(), FloatType(), SAME),
    (StringType(), StringType(), SAME),
    (BooleanType(), BooleanType(), SAME),
    (StringType(), NullType(), SAME),
    # numbers between each other and from text: cast, each value checked by a round trip
    (LongType(), DoubleType(), CAST),
    (DoubleType(), LongType(), CAST),
    (LongType(), StringType(), CAST),  # "400" -> 400, "auto" rescued
    (DoubleType(), StringType(), CAST),
    (DecimalType(10, 2), DoubleType(), CAST),
    (BooleanType(), StringType(), CAST),  # "true" -> true, "yes" rescued
    (DateType(), StringType(), CAST),
    (TimestampType(), StringType(), CAST),
    # any scalar has a text form
    (StringType(), LongType(), CAST),
    (StringType(), DoubleType(), CAST),
    (StringType(), BooleanType(), CAST),
    # a column narrower than any inferred type (an int or float hint): checked, never stored as is
    (IntegerType(), LongType(), CAST),
    (FloatType(), DoubleType(), CAST),
    (IntegerType(), StringType(), CAST),
    # boolean <-> number: never cast (true is not 1.0)
    (BooleanType(), LongType(), RESCUE),
    (BooleanType(), DoubleType(), RESCUE),
    (LongType(), BooleanType(), RESCUE),
    (DoubleType(), BooleanType(), RESCUE),
]


@pytest.mark.parametrize(
    ("table", "batch", "expected"), MATRIX, ids=lambda v: getattr(v, "simpleString", lambda: str(v))()
)
def test_reconcile_matrix(table: DataType, batch: DataType, expected: Reconcile) -> None:
    assert reconcile(table, batch) is expected


def test_reconcile_never_stores_a_value_of_a_changed_type_unchecked() -> None:
    types = [
        LongType(),
        DoubleType(),
        StringType(),
        BooleanType(),
        DateType(),
        TimestampType(),
        DecimalType(10, 2),
    ]
    for table in types:
        for batch in types:
            action = reconcile(table, batch)
            if canonical(table) != canonical(batch):
                assert action is not SAME, (table, batch)


@pytest.mark.parametrize(
    ("table", "wanted", "widened"),
    [
        (IntegerType(), LongType(), LongType()),
        (FloatType(), DoubleType(), DoubleType()),
        (DecimalType(10, 2), DecimalType(20, 2), DecimalType(20, 2)),
        (DecimalType(20, 2), DecimalType(10, 2), None),  # narrower
        (DecimalType(10, 2), DecimalType(20, 3), None),  # scale change
        (LongType(), DoubleType(), None),  # not lossless
        (IntegerType(), DoubleType(), None),  # Iceberg does not promote int -> double
        (LongType(), LongType(), None),
        (IntegerType(), StringType(), None),
    ],
)
def test_promotion_is_exactly_icebergs_lossless_widening(
    table: DataType, wanted: DataType, widened: DataType | None
) -> None:
    assert promotion(table, wanted) == widened


# ---------------------------------------------------------------------------------------------
# text type inference (CSV)


def _matches(pattern: str, value: str) -> bool:
    if pattern.startswith("^(?i)"):  # Java allows the inline flag after ^; Python wants it first
        return re.search("(?i)^" + pattern[len("^(?i)") :], value) is not None
    return re.search(pattern, value) is not None


@pytest.mark.parametrize("value", ["0", "7", "-12", "400", "123456789012345678"])
def test_integer_pattern_accepts(value: str) -> None:
    assert _matches(INTEGER_PATTERN, value)


@pytest.mark.parametrize(
    "value", ["01", "08123", "1.0", "1,000", "+1", "", " 1", "1e3", "1234567890123456789"]
)
def test_integer_pattern_rejects(value: str) -> None:
    assert not _matches(INTEGER_PATTERN, value)


def test_integer_pattern_only_admits_values_that_fit_a_bigint() -> None:
    assert int("9" * 18) <= BIGINT_MAX
    assert not _matches(INTEGER_PATTERN, "9" * 19)


@pytest.mark.parametrize("value", ["6,718", "12,426", "1,000,000", "-2,005"])
def test_grouped_integer_pattern_accepts(value: str) -> None:
    assert _matches(GROUPED_INTEGER_PATTERN, value)


@pytest.mark.parametrize("value", ["1,7", "200.000.000", "0,123", "12,34", ",123", "1,0000", "6718"])
def test_grouped_integer_pattern_rejects(value: str) -> None:
    assert not _matches(GROUPED_INTEGER_PATTERN, value)


def test_grouped_integer_pattern_only_admits_values_that_fit_a_bigint() -> None:
    value = "9,999,999,999,999,999,999"
    if _matches(GROUPED_INTEGER_PATTERN, value):
        assert int(value.replace(",", "")) <= BIGINT_MAX


@pytest.mark.parametrize("value", ["0", "1.5", "-0.25", "92898e37", "1E-3", "3"])
def test_double_pattern_accepts(value: str) -> None:
    assert _matches(DOUBLE_PATTERN, value)


@pytest.mark.parametrize("value", ["1,7", ".5", "1.", "01.5", "NaN", "Infinity", "1.0.0", "abc"])
def test_double_pattern_rejects(value: str) -> None:
    assert not _matches(DOUBLE_PATTERN, value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("true", True), ("FALSE", True), ("True", True), ("yes", False), ("1", False), ("t", False)],
)
def test_boolean_pattern(value: str, ok: bool) -> None:
    assert _matches(BOOLEAN_PATTERN, value) is ok


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {"all_integer": True, "all_grouped_integer": True, "all_double": True, "all_boolean": False},
            (LongType(), False),
        ),
        (
            {"all_integer": False, "all_grouped_integer": True, "all_double": False, "all_boolean": False},
            (LongType(), True),
        ),
        (
            {"all_integer": False, "all_grouped_integer": False, "all_double": True, "all_boolean": False},
            (DoubleType(), False),
        ),
        (
            {"all_integer": False, "all_grouped_integer": False, "all_double": False, "all_boolean": True},
            (BooleanType(), False),
        ),
        (
            {"all_integer": False, "all_grouped_integer": False, "all_double": False, "all_boolean": False},
            (StringType(), False),
        ),
    ],
)
def test_text_type_is_the_narrowest_that_fits(
    facts: dict[str, bool], expected: tuple[DataType, bool]
) -> None:
    assert text_type(**facts) == expected


def test_code_with_leading_zeros_stays_text() -> None:
    values = ["01", "02", "04", "56", "72"]
    facts = {
        "all_integer": all(_matches(INTEGER_PATTERN, v) for v in values),
        "all_grouped_integer": all(
            _matches(GROUPED_INTEGER_PATTERN, v) or _matches(INTEGER_PATTERN, v) for v in values
        ),
        "all_double": all(_matches(DOUBLE_PATTERN, v) for v in values),
        "all_boolean": all(_matches(BOOLEAN_PATTERN, v) for v in values),
    }
    assert text_type(**facts) == (StringType(), False)


def test_mixed_grouped_and_bare_integers_are_integers_without_separators() -> None:
    values = ["19,582", "7738", "2,705", "472"]
    facts = {
        "all_integer": all(_matches(INTEGER_PATTERN, v) for v in values),
        "all_grouped_integer": all(
            _matches(GROUPED_INTEGER_PATTERN, v) or _matches(INTEGER_PATTERN, v) for v in values
        ),
        "all_double": all(_matches(DOUBLE_PATTERN, v) for v in values),
        "all_boolean": all(_matches(BOOLEAN_PATTERN, v) for v in values),
    }
    assert text_type(**facts) == (LongType(), True)


# ---------------------------------------------------------------------------------------------
# exact numbers: never a double that changes digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [("0", 0), ("1.50", 2), ("-0.000123", 3), ("123456789012345678901", 21), ("1.2345e300", 5), ("100", 1)],
)
def test_significant_digits(text: str, digits: int) -> None:
    assert significant_digits(text) == digits


def _facts(**facts: object) -> dict[str, object]:
    base: dict[str, object] = {
        "all_integer": False,
        "all_grouped_integer": False,
        "all_double": True,
        "all_boolean": False,
        "all_exact_double": True,
        "all_plain_number": True,
        "max_integer_digits": 1,
        "max_scale": 0,
    }
    return {**base, **facts}


def test_integers_beyond_bigint_become_decimal_38_0() -> None:
    assert text_type(**_facts(all_exact_double=False, max_integer_digits=25)) == (DecimalType(38, 0), False)  # type: ignore[arg-type]


def test_long_decimals_become_decimal_38_with_their_largest_scale() -> None:
    facts = _facts(all_exact_double=False, max_integer_digits=3, max_scale=20)
    assert text_type(**facts) == (DecimalType(38, 20), False)  # type: ignore[arg-type]


def test_numbers_that_38_digits_cannot_hold_or_with_exponents_stay_text() -> None:
    too_wide = _facts(all_exact_double=False, max_integer_digits=30, max_scale=10)
    assert text_type(**too_wide) == (StringType(), False)  # type: ignore[arg-type]
    exponent = _facts(all_exact_double=False, all_plain_number=False)
    assert text_type(**exponent) == (StringType(), False)  # type: ignore[arg-type]


def test_short_decimals_stay_double() -> None:
    assert text_type(**_facts(max_scale=2)) == (DoubleType(), False)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "1.5", "-12.250", "123456789012345678901234567890"])
def test_plain_number_pattern_accepts(value: str) -> None:
    assert _matches(PLAIN_NUMBER_PATTERN, value)


@pytest.mark.parametrize("value", ["1e3", "01", ".5", "1.", "1,000", "+1"])
def test_plain_number_pattern_rejects(value: str) -> None:
    assert not _matches(PLAIN_NUMBER_PATTERN, value)


# ---------------------------------------------------------------------------------------------
# date and timestamp texts entering a hinted column (ingest.transform._land): only what the
# column keeps whole fits; anything else Spark would parse is rescued as its text


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("2024-01-31", True),
        ("2024-1-5", True),
        ("2024", False),  # Spark: 2024-01-01
        ("2024-05", False),  # Spark: 2024-05-01
        ("2024-01-31T10:30:00Z", False),  # Spark: the date, the time dropped
        ("2024-01-31 ", False),
        (" 2024-01-31", False),
        ("2024-01-31\n", False),  # Java's and Python's $ match before a final line break
    ],
)
def test_date_text_pattern(value: str, fits: bool) -> None:
    assert (_matches(DATE_TEXT_PATTERN, value) and not _matches(EDGE_SPACE_PATTERN, value)) is fits


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("2024-01-31T10:30:00Z", True),
        ("2024-01-31 10:30:00.123456+02:00", True),
        ("2024-01-31 10:30:00.123456000", True),
        ("2024-01-31", True),
        ("2024-01-31 10:30:00.1234567", False),  # Spark keeps microseconds
        ("2024-01-31T10:30:00.123456789Z", False),
        ("10:00:00", False),  # Spark: today at 10:00
        ("T10:00", False),
        ("2024", False),
        ("2024-05", False),
        ("2024-01-31T10:30:00Z\t", False),
    ],
)
def test_timestamp_text_patterns(value: str, fits: bool) -> None:
    whole = _matches(TIMESTAMP_TEXT_PATTERN, value) and not _matches(BEYOND_MICROSECONDS_PATTERN, value)
    assert (whole and not _matches(EDGE_SPACE_PATTERN, value)) is fits

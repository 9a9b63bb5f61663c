"""Turn parsed records into table rows: flatten, cast, rescue, partition (DataFrame -> DataFrame).

The output has the table's columns in the table's order (missing ones as NULL), plus ``outcome``
(``ok`` rows go to the table, ``bad`` rows to quarantine), for bad rows ``_raw`` and
``_bad_reason``, and ``EVENT_TIME_UNREAD`` (the event time's text where it is not a time). One
projection: no per-file or per-column Spark jobs.
"""

from __future__ import annotations

import json

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest import casts, jvm_functions
from ingest.event_time import EventDate
from ingest.flatten import FlatField
from ingest.naming import Path, quote_identifier, render_path
from ingest.schema_plan import (
    DISCARDED_PREFIX,
    EMPTY_ARRAY_PREFIX,
    PARTITION_COLUMN,
    RESCUE_COLUMN,
    ColumnPlan,
    TablePlan,
)
from ingest.typing_rules import (
    Reconcile,
    text_type,
)

OUTCOME = "_outcome"  # data columns never start with "_", so this never meets one
# JSON records: what Spark's parse of them loses, taken back from their text (numbers a double
# does not hold, by place: ``path_key``; the earlier values of a repeated key, under
# ``REPEATED_PREFIX``; strings with an unpaired surrogate, under ``UNPAIRED_PREFIX``), from
# ``jvm_functions.lost_values``; NULL for almost every record.
LOST_VALUES = "_lost_values"
# _rescued_data key of the earlier values of a key written twice in one object (the column keeps
# the last, as Spark's parse does): ``repeated:`` and the key's path (``render_path``), to a JSON
# array of those values' raw texts. ingest/java ParseLosses writes the same keys.
REPEATED_PREFIX = "repeated:"
# _rescued_data key of a string holding an unpaired UTF-16 surrogate escape ("\ud83d", half an
# emoji): Spark's text is UTF-8 and stores "?" for it, so the string's JSON text as written is kept
# under ``unpaired:`` and its path. ingest/java ParseLosses writes the same keys.
UNPAIRED_PREFIX = "unpaired:"
# A row's event time where it was there but not a time under the source's partition.format: the
# row took the fallback date (``ingest.event_time``); good rows' are counted and reported, never stored.
EVENT_TIME_UNREAD = "_event_time_unread"


def json_value(path: Path) -> Column:
    """The parsed record's value at ``path``: a value kept as JSON text is parsed as its text
    (``flatten.text_parse_schema``)."""
    column = F.col("_data")
    for key in path:
        column = column.getField(key)
    return column


CSV_PREFIX = "csv:"  # CSV data columns are carried as "csv:<header>" so no header meets ours


def text_value(path: Path) -> Column:
    return F.col(quote_identifier(CSV_PREFIX + path[0]))


def infer_text_types(frame: DataFrame, names: list[str]) -> dict[str, tuple[T.DataType, bool]]:
    """The narrowest type each text column parses as over all good rows (one aggregation job).

    Returns name -> (type, strip_thousands_separators). A column with no non-null value is
    absent: it creates no column.

    The columns are turned into rows (column index, value) and aggregated by index, so the query
    holds one set of tests whatever the width: built per column, a file 600 columns wide made
    5,400 aggregates, a minute of planning and Py4J calls for four rows. Each value is tested in
    one pass over its bytes (``jvm_functions.number_text``): its facts' flags are ANDed over the
    column, its digit counts maxed.
    """
    if not names:
        return {}
    good = frame.where(F.col("_bad_reason").isNull())
    cells = F.posexplode(F.array(*[F.col(quote_identifier(CSV_PREFIX + name)) for name in names]))
    facts = F.col("facts")
    found = (
        good.select(cells.alias("column", "value"))
        .where(F.col("value").isNotNull())  # a column with no value gets no row: absent below
        .select("column", jvm_functions.number_text(F.col("value")).alias("facts"))
        .groupBy("column")
        .agg(
            F.bit_and(facts).alias("flags"),
            F.max(
                F.shiftright(facts, jvm_functions.INTEGER_DIGITS_SHIFT).bitwiseAND(jvm_functions.DIGITS_MASK)
            ).alias("integer_digits"),
            F.max(F.shiftright(facts, jvm_functions.SCALE_SHIFT).bitwiseAND(jvm_functions.DIGITS_MASK)).alias(
                "scale"
            ),
        )
        .collect()
    )
    result = {}
    for row in found:
        flags = row["flags"]
        result[names[row["column"]]] = text_type(
            all_integer=bool(flags & jvm_functions.INTEGER),
            all_grouped_integer=bool(flags & jvm_functions.GROUPED_INTEGER),
            all_double=bool(flags & jvm_functions.DOUBLE),
            all_boolean=bool(flags & jvm_functions.BOOLEAN),
            all_exact_double=bool(flags & jvm_functions.EXACT_DOUBLE),
            all_plain_number=bool(flags & jvm_functions.PLAIN_NUMBER),
            max_integer_digits=row["integer_digits"],
            max_scale=row["scale"],
        )
    return {name: result[name] for name in names if name in result}


def _without_zero_fraction(text: Column) -> Column:
    """A number's text without a fraction of zeros only: ``2.0`` -> ``2``, ``2.`` -> ``2``.
    (One pass, linear: a lazy ``([.][0-9]*?)0+$`` backtracks quadratically on ``5.000...01``.)"""
    return F.regexp_replace(text, r"\.0*$", "")


def typed_text_value(path: Path, data_type: T.DataType, strip_separators: bool) -> Column:
    value = text_value(path)
    if strip_separators:
        value = F.regexp_replace(value, ",", "")
    if isinstance(data_type, T.BooleanType):
        return F.lower(value).cast("boolean")
    return casts.cast(value, data_type) if not isinstance(data_type, T.StringType) else value


# Spark's cast of a text to a date or timestamp takes more than a whole date and drops what it
# does not keep: "2024" becomes 2024-01-01, "2024-01-31T10:30:00Z" the date 2024-01-31, a time
# alone ("10:00:00") today at that time, nanoseconds are cut to microseconds. Only a whole date
# fits a date column, only a text that starts with one and has no non-zero digit beyond the
# microsecond a timestamp column, neither with a space or control character at either end (which
# Spark trims); anything else Spark parses is rescued as its text.
DATE_TEXT_PATTERN = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"
TIMESTAMP_TEXT_PATTERN = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]|$)"
BEYOND_MICROSECONDS_PATTERN = r"[0-9]:[0-9]{1,2}[.,][0-9]{6}0*[1-9]"
EDGE_SPACE_PATTERN = r"^[\x00-\x20]|[\x00-\x20]$"  # Spark trims these; they are part of the value

_TEXT_CHECKED = (T.StringType, T.DoubleType, T.DecimalType)
_WHOLE_NUMBERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_BINARY_FRACTIONS = (T.FloatType, T.DoubleType)
_WHOLE_DECIMAL = T.DecimalType(20, 0)  # every long, and every double that came from one
# The types Spark casts to a date (its Cast.canCast, ANSI off); the text route handles strings.
_DATE_SOURCES = (T.StringType, T.DateType, T.TimestampType, T.TimestampNTZType)


def _land(plan: ColumnPlan, value: Column, original: Column | None = None) -> tuple[Column, Column | None]:
    """(stored value, rescued text or None) for one column.

    ``original`` is the value's text as it was in the file (CSV); a text column stores it as it
    is. When the batch type is text, double or decimal, the round trip runs on that text, not on
    a parsed (maybe widened) value, so ``12345678901234567`` never reaches a bigint column through
    a double. Numbers compare as numbers (``"2"`` fits a double column as ``2.0``, ``"12345678"``
    as ``1.2345678E7``); a date or timestamp text fits when Spark parses it and it says no more
    than the column keeps (``DATE_TEXT_PATTERN``).
    """
    if plan.action is Reconcile.SAME:
        return value, None
    if plan.action is Reconcile.DISCARD_ROW:  # the whole record goes to quarantine instead
        return casts.cast(F.lit(None), plan.table_type), None
    text = value.cast("string") if original is None else original
    if plan.action in (Reconcile.RESCUE_ALL, Reconcile.DISCARD_VALUE):
        return casts.cast(F.lit(None), plan.table_type), text
    if original is not None and isinstance(plan.table_type, T.StringType):
        # A text column holds a CSV value as written: "1,234", "TRUE" and "-0" stay so, where
        # the batch's typed value would come back as "1234", "true" and "0".
        return original, None
    if isinstance(plan.batch_type, _TEXT_CHECKED) and (
        original is not None or plan.batch_type == T.StringType()
    ):
        cast, held = _text_round_trip(text, plan.table_type)
        fits = text.isNull() | held
        return F.when(fits, cast), F.when(~fits, text)
    if isinstance(plan.table_type, T.DateType) and not isinstance(plan.batch_type, _DATE_SOURCES):
        # Spark has no cast from a number or a boolean to a date (the query would not even
        # plan): no such value is a date, so each one is rescued as its text.
        return casts.cast(F.lit(None), plan.table_type), text
    cast = casts.cast(value, plan.table_type)
    round_trip = casts.cast(cast, plan.batch_type)
    same = round_trip == value
    if isinstance(plan.batch_type, _WHOLE_NUMBERS) and isinstance(plan.table_type, _BINARY_FRACTIONS):
        # A double cast back to a long stops at the long's range: 9223372036854775807 is 2^63 as a
        # double, which comes back as 9223372036854775807. Compared as decimals (a double's by
        # the digits it prints, 9.223372036854776E18), as the text route compares, the two differ.
        # Up to 2^53 every integer is a double that prints as itself (a float: 2^24), so no
        # decimals per row there.
        bits = 53 if isinstance(plan.table_type, T.DoubleType) else 24
        exact = value.between(-(2**bits), 2**bits)
        same = exact | (casts.cast(cast, _WHOLE_DECIMAL) == casts.cast(value, _WHOLE_DECIMAL))
    fits = value.isNull() | (cast.isNotNull() & same)
    return F.when(fits, cast), F.when(~fits, text)


def path_key(path: tuple[str, ...]) -> str:
    """A place in a JSON record as ``dap_lost_values`` keys it: its keys as a compact JSON
    array, ``["a","b"]``."""
    return json.dumps(list(path), ensure_ascii=False, separators=(",", ":"))


# Parsed through a double by Spark's JSON reader: its double, or the double's text in a column
# of text (and a JSON-text column's numbers). These take a number's written text when it has one.
_PARSED_THROUGH_A_DOUBLE = (T.DoubleType, T.StringType)


def _land_exact(
    plan: ColumnPlan, exact: Column, value: Column, rescue: Column | None
) -> tuple[Column, Column | None]:
    """``_land`` for a JSON value whose written text a double does not hold (``exact``, NULL for
    almost every row): the text lands instead of Spark's double, by the same round trip as a
    CSV text. A text column keeps it as written; a bigint or decimal column takes it when it
    fits; a double column cannot hold it, so it is rescued (``3.14159265358979323846``,
    ``1e400``). Other rows land as ``_land`` put them."""
    if plan.action is Reconcile.DISCARD_ROW:
        return value, rescue
    if plan.action in (Reconcile.RESCUE_ALL, Reconcile.DISCARD_VALUE):
        return value, F.coalesce(exact, rescue) if rescue is not None else exact
    if isinstance(plan.table_type, T.StringType):
        stored, fits = exact, F.lit(True)
    else:
        stored, fits = _text_round_trip(exact, plan.table_type)
    kept = rescue if rescue is not None else F.lit(None).cast("string")
    return (
        F.when(exact.isNull(), value).when(fits, stored),
        F.when(exact.isNull(), kept).when(~fits, exact),
    )


def _text_round_trip(text: Column, table_type: T.DataType) -> tuple[Column, Column]:
    """(``text`` cast to ``table_type``, does the cast hold it): not NULL, and it shows as the
    text again or as the same value in other words (``_same_value_in_other_words``)."""
    cast = casts.cast(text, table_type)
    back = cast.cast("string")
    return cast, cast.isNotNull() & ((back == text) | _same_value_in_other_words(text, back, table_type))


def _same_value_in_other_words(source: Column, back: Column, table_type: T.DataType) -> Column:
    """Does ``source`` (a text) hold the value its cast to ``table_type`` shows as ``back``, in
    other words? Numbers compare as numbers (a whole number's text without a fraction of zeros only,
    a float's, double's or decimal's as ``java.math.BigDecimal`` reads both); a date or timestamp text fits
    when it says no more than the column keeps (``DATE_TEXT_PATTERN``; its text form is not
    unique). Built for the column's type only."""
    if isinstance(table_type, T.FloatType | T.DoubleType | T.DecimalType):
        # Spark writes a double from 10^7 up in E-notation ("1.2345678E7"), and "2" as "2.0":
        # compare the numbers.
        return jvm_functions.same_number(source, back)
    if isinstance(table_type, _WHOLE_NUMBERS):  # "5.0" is 5, as in a bigint column
        return back == _without_zero_fraction(source)
    if isinstance(table_type, T.DateType):
        return source.rlike(DATE_TEXT_PATTERN) & ~source.rlike(EDGE_SPACE_PATTERN)
    if isinstance(table_type, T.TimestampType):
        return (
            source.rlike(TIMESTAMP_TEXT_PATTERN)
            & ~source.rlike(BEYOND_MICROSECONDS_PATTERN)
            & ~source.rlike(EDGE_SPACE_PATTERN)
        )
    return F.lit(False)


def _rescued_json(entries: list[Column], more: Column | None = None) -> Column:
    """``_rescued_data``: a JSON object of the entries (column -> text) whose text is not NULL,
    and of the map ``more`` (key -> text)."""
    maps = [F.map_from_entries(F.filter(F.array(*entries), lambda e: e["v"].isNotNull()))] if entries else []
    maps += [more] if more is not None else []
    if not maps:
        return F.lit(None)
    rescued = maps[0] if len(maps) == 1 else F.map_concat(*maps)
    return F.when(F.size(rescued) > 0, F.to_json(rescued))


def _empty_array_entry(path: Path) -> Column:
    """A ``_rescued_data`` entry: ``[]`` when the exploded array at ``path`` is written empty."""
    empty = F.size(json_value(path)) == 0  # NULL or -1 for an absent or null array: no entry
    return F.struct(
        F.lit(EMPTY_ARRAY_PREFIX + render_path(path)).alias("k"), F.when(empty, F.lit("[]")).alias("v")
    )


def to_table_rows(
    parsed: DataFrame,
    plan: TablePlan,
    values: dict[Path, Column],
    *,
    run_id: str,
    ingested_at: str,
    event_date: EventDate,
    exploded: tuple[Path, ...] = (),
) -> DataFrame:
    """Project parsed records onto ``plan.table_schema`` (plus ``outcome``, ``_raw``, ``_bad_reason``
    and ``EVENT_TIME_UNREAD``).

    ``exploded``: the arrays whose elements are child rows; a row whose array is empty keeps
    ``[]`` in its ``_rescued_data`` (``EMPTY_ARRAY_PREFIX``)."""
    stored: dict[str, Column] = {}
    rescued: list[Column] = [_empty_array_entry(path) for path in exploded]
    # Rows whose parse lost nothing (LOST_VALUES NULL: almost all) build ``_rescued_data`` from
    # ``rescued`` alone, without an entry for every column a number could reach.
    lost = F.col(LOST_VALUES) if LOST_VALUES in parsed.columns else None
    rescued_lost: list[Column] = list(rescued)
    for column_plan in plan.columns:
        path = column_plan.field.path
        original = text_value(path) if len(path) == 1 and CSV_PREFIX + path[0] in parsed.columns else None
        value, rescue = _land(column_plan, values[path], original)
        lost_rescue = rescue
        if lost is not None and isinstance(column_plan.batch_type, _PARSED_THROUGH_A_DOUBLE):
            value, lost_rescue = _land_exact(column_plan, lost[path_key(path)], value, rescue)
        if column_plan.column in stored:  # two paths, one column: cannot happen after naming
            raise AssertionError(f"column assigned twice: {column_plan.column}")
        stored[column_plan.column] = value
        key = column_plan.column
        if column_plan.action is Reconcile.DISCARD_VALUE:
            key = DISCARDED_PREFIX + render_path(path)
        if rescue is not None:
            rescued.append(F.struct(F.lit(key).alias("k"), rescue.alias("v")))
        if lost_rescue is not None:
            rescued_lost.append(F.struct(F.lit(key).alias("k"), lost_rescue.alias("v")))
    rescue_json = _rescued_json(rescued)
    if lost is not None:
        # The earlier values of a repeated key (Spark's parse kept the last in the column), and the
        # strings with an unpaired surrogate that land in a column of their own (which holds
        # Spark's "?" for it), as written. An object that lands in a text column because other
        # records hold text there lands whole as written when it holds either (``lost_values``).
        unpaired = [
            UNPAIRED_PREFIX + render_path(c.field.path) for c in plan.columns if c.field.kind == "leaf"
        ]
        as_written = F.map_filter(
            lost,
            lambda k, _: k.startswith(REPEATED_PREFIX) | (k.isin(unpaired) if unpaired else F.lit(False)),
        )
        rescue_json = F.when(lost.isNull(), rescue_json).otherwise(_rescued_json(rescued_lost, as_written))

    ingest_values = {
        "_ingest_run_id": F.lit(run_id),
        "_source_file": F.col("_source_file"),
        "_source_line": F.col("_source_line").cast("bigint"),
        "_ingested_at": F.lit(ingested_at).cast("timestamp"),
        RESCUE_COLUMN: rescue_json,
        PARTITION_COLUMN: event_date.date,
        "_position": F.col("_position") if "_position" in parsed.columns else F.lit(None),
    }
    is_bad = F.col("_bad_reason").isNotNull()
    projected = []
    for table_field in plan.table_schema.fields:
        name = table_field.name
        if name in ingest_values:
            value = ingest_values[name]
        elif name in stored:
            value = stored[name]
        else:
            value = F.lit(None)
        if name not in ("_ingest_run_id", "_source_file", "_source_line", "_ingested_at"):
            value = F.when(~is_bad, value)
        projected.append(casts.cast(value, table_field.dataType).alias(name))
    return parsed.select(
        *projected,
        F.when(is_bad, F.lit("bad")).otherwise(F.lit("ok")).alias(OUTCOME),
        F.when(is_bad, F.col("_raw")).alias("_raw"),
        F.col("_bad_reason"),
        # Unconditional, so Spark evaluates the event time once for this and the date above.
        event_date.unread.alias(EVENT_TIME_UNREAD),
    )


def discard_rows(parsed: DataFrame, present: dict[str, Column]) -> DataFrame:
    """Mark records that carry a value at a new path (``schema_policy: discard_row``) as bad.

    ``present`` maps each new path (as the reason shows it) to "this record has a value there".
    A marked record is quarantined whole, with its raw text (a CSV row, which has no raw text
    when it parses, as a JSON object of its fields) and a reason naming the paths, so it can be
    loaded again once the table has the columns.
    """
    if not present:
        return parsed
    found = F.array_compact(F.array(*[F.when(has, F.lit(path)) for path, has in present.items()]))
    reason = F.when(
        F.size(found) > 0,
        F.concat(F.lit("schema_policy discard_row: new path(s) with no column: "), F.concat_ws(", ", found)),
    )
    csv_fields = [c for c in parsed.columns if c.startswith(CSV_PREFIX)]
    record_text = (
        F.to_json(
            F.struct(*[F.col(quote_identifier(c)).alias(c[len(CSV_PREFIX) :]) for c in csv_fields]),
            {"ignoreNullFields": "false"},
        )
        if csv_fields
        else F.lit(None).cast("string")
    )
    discarded = F.col("_bad_reason").isNull() & reason.isNotNull()
    return parsed.withColumns(
        {
            "_raw": F.when(discarded, F.coalesce(F.col("_raw"), record_text)).otherwise(F.col("_raw")),
            "_bad_reason": F.when(discarded, reason).otherwise(F.col("_bad_reason")),
        }
    )


def flat_values_json(fields: list[FlatField]) -> dict[Path, Column]:
    # A value kept as JSON text: as Spark's parser wrote it, an emoji as an escaped pair; joined
    # back, as the text most likely had it.
    return {
        f.path: jvm_functions.join_escaped_pairs(json_value(f.path))
        if f.kind == "json"
        else json_value(f.path)
        for f in fields
    }

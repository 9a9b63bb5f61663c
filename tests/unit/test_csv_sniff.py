"""Finding the header of a CSV file (ingest.read_csv.sniff_header), without Spark.

``header_record`` counts non-empty records (Spark's reader skips empty lines), so the first data
row is record ``header_record + 1``.
"""

from __future__ import annotations

import pytest

from ingest.config import CsvOptions
from ingest.read_csv import (
    CsvHeader,
    LineEnds,
    header_fingerprint,
    other_delimiter,
    sniff_header,
    sniff_line_ends,
)
from tests.conftest import REALDATA, require_realdata

AUTO = CsvOptions()
CSVKIT = REALDATA / "csvkit-examples" / "examples" / "realdata"


def test_plain_header_on_the_first_line() -> None:
    assert sniff_header("a,b,c\n1,2,3\n", AUTO) == CsvHeader(("a", "b", "c"), 1)


def test_header_cells_are_trimmed_and_keep_their_text() -> None:
    header = sniff_header(" State Name , Montgomery GI Bill-Active Duty \nx,1\n", AUTO)
    assert header is not None
    assert header.names == ("State Name", "Montgomery GI Bill-Active Duty")


def test_preamble_title_row_is_before_the_header() -> None:
    head = "Beneficiaries by state,,,\nstate,code,a,b\nAL,01,1,2\n"
    assert sniff_header(head, AUTO) == CsvHeader(("state", "code", "a", "b"), 2)


def test_a_header_with_a_blank_first_cell_above_numbers_is_the_header() -> None:
    # pandas' Series.to_csv() and a one-column DataFrame's to_csv(): the index has no name. Taken
    # for a title row, the first data row was the header and its values only column names.
    assert sniff_header(",value\n0,1.5\n1,2.5\n", AUTO) == CsvHeader(("column_1", "value"), 1)
    assert sniff_header(",a,b\n0,1,2\n", AUTO) == CsvHeader(("column_1", "a", "b"), 1)
    # a title filling half the cells above a header is still not the header, years in it or not
    assert sniff_header("Report,\nname,amount\na,1\n", AUTO) == CsvHeader(("name", "amount"), 2)
    head = "Sales,Q4,,\nregion,2023,2024,total\nnorth,1,2,3\n"
    assert sniff_header(head, AUTO) == CsvHeader(("region", "2023", "2024", "total"), 2)


def test_blank_lines_before_the_header_are_not_records() -> None:
    # blank lines are not records; an all-empty-cells row ",,," is (Spark reads it as one)
    assert sniff_header("\n\nstate,code,a\nAL,01,1\n", AUTO) == CsvHeader(("state", "code", "a"), 1)
    assert sniff_header(",,,\nTitle,,,\nw,x,y,z\n1,2,3,4\n", AUTO) == CsvHeader(("w", "x", "y", "z"), 3)


def test_crlf_file() -> None:
    assert sniff_header("a,b\r\n1,2\r\n", AUTO) == CsvHeader(("a", "b"), 1, LineEnds.CRLF)


def test_duplicate_header_names_are_made_unique() -> None:
    header = sniff_header("id,name,name,name\n1,a,b,c\n", AUTO)
    assert header is not None
    assert header.names == ("id", "name", "name#2", "name#3")


def test_deduplicated_names_never_collide_with_a_real_header_cell() -> None:
    header = sniff_header("a,a,a#2\n1,2,3\n", AUTO)
    assert header is not None
    assert len(set(header.names)) == 3


def test_trailing_empty_header_cell_gets_a_positional_name() -> None:
    header = sniff_header("a,b,\n1,2,\n", AUTO)
    assert header == CsvHeader(("a", "b", "column_3"), 1)


def test_empty_header_cell_in_the_middle_gets_its_position() -> None:
    header = sniff_header("a,,b\n1,2,3\n", AUTO)
    assert header is not None
    assert header.names == ("a", "column_2", "b")


def test_utf8_bom_is_not_part_of_the_first_name() -> None:
    header = sniff_header("\ufeffid,name\n1,x\n", AUTO)
    assert header is not None
    assert header.names == ("id", "name")


def test_quoted_header_with_delimiter_and_newline() -> None:
    header = sniff_header('"a,1","b\nsecond line",c\n1,2,3\n', AUTO)
    assert header is not None
    assert header.names == ("a,1", "b\nsecond line", "c")


def test_other_delimiter() -> None:
    assert sniff_header("a;b;c\n1;2;3\n", CsvOptions(delimiter=";")) == CsvHeader(("a", "b", "c"), 1)


@pytest.mark.parametrize("head", ["", "\n", "\n\n\r\n", ",,,\n,,\n"])
def test_file_without_records_has_no_header(head: str) -> None:
    assert sniff_header(head, AUTO) is None


def test_first_line_option_takes_the_first_record_even_if_sparse() -> None:
    header = sniff_header("Title\na,b,c\n1,2,3\n", CsvOptions(header="first_line"))
    assert header == CsvHeader(("Title",), 1)


def test_first_line_option_skips_blank_lines() -> None:
    header = sniff_header("\na,b\n1,2\n", CsvOptions(header="first_line"))
    assert header == CsvHeader(("a", "b"), 1)


def test_none_option_names_the_usual_width_and_takes_no_record() -> None:
    none = CsvOptions(header="none")
    assert sniff_header("1,2,3\n4,5,6\n7,8\n", none) == CsvHeader(("column_1", "column_2", "column_3"), 0)
    assert sniff_header("\n,,\nx\n", none) == CsvHeader(("column_1",), 0)  # blank rows do not vote
    assert sniff_header(",,\n\n", none) is None  # no record fills a cell: no columns, no records


def test_title_row_above_a_two_column_header_is_preamble() -> None:
    header = sniff_header("Report\na,b\n1,2\n3,4\n", AUTO)
    assert header == CsvHeader(("a", "b"), 2)


def test_a_row_with_unquoted_commas_does_not_move_the_header() -> None:
    # the widest record is an outlier: the header is judged against the usual width (2)
    head = "id,comment\n1,fine\n2,ok\n3,this, has, many, commas, unquoted\n4,last\n"
    assert sniff_header(head, AUTO) == CsvHeader(("id", "comment"), 1)


def test_a_two_cell_title_above_a_three_column_header_is_not_the_header() -> None:
    assert sniff_header("Report,2024\nid,name,amount\n1,a,3\n2,b,4\n", AUTO) == CsvHeader(
        ("id", "name", "amount"), 2
    )


def test_a_header_without_the_data_rows_trailing_comma_is_the_header() -> None:
    head = "a,b,c\n1,2,3,\n4,5,6,\n7,8,9,\n"
    assert sniff_header(head, AUTO) == CsvHeader(("a", "b", "c"), 1)


def test_a_header_narrower_than_every_data_row_is_still_the_header() -> None:
    # the first usual-width row (1,2,3,x) is mostly numbers: the earlier, fuller-than-half a,b,c wins
    assert sniff_header("a,b,c\n1,2,3,x\n4,5,6,y\n7,8,9,z\n", AUTO) == CsvHeader(("a", "b", "c"), 1)


def test_in_a_tie_of_widths_the_first_seen_wins() -> None:
    assert sniff_header("id,comment\n1,this, has, commas\n", AUTO) == CsvHeader(("id", "comment"), 1)


def test_a_header_of_years_is_a_header() -> None:
    head = "region,2023,2024\nnorth,5,6\nsouth,7,8\n"
    assert sniff_header(head, AUTO) == CsvHeader(("region", "2023", "2024"), 1)


def test_an_escaped_quote_before_the_header_is_read_as_spark_reads_it() -> None:
    # with escape "\\", a quoted title holding \" and a line break is one record, as for Spark
    head = '"Report \\"2024\\"\nQ1"\nid,name\n1,2\n3,4\n'
    header = sniff_header(head, CsvOptions(escape="\\"))
    assert header == CsvHeader(("id", "name"), 2)


def test_the_header_fingerprint_ignores_whitespace_bom_and_line_ends() -> None:
    header = sniff_header("\ufeff id , Naïve name\r\n1,x\r\n", AUTO)
    assert header is not None and header.fingerprint == "idNavename"
    assert header_fingerprint(["\ufeffid\r", " Naïve name "]) == header.fingerprint


def test_blank_rows_do_not_decide_the_usual_width() -> None:
    head = ",,,,,,,,,\n" * 60 + "id,name\n1,a\n"  # 60 blank rows, then a 2-column table
    assert sniff_header(head, AUTO) == CsvHeader(("id", "name"), 61)


def test_only_the_head_is_needed() -> None:
    rows = "".join(f"{i},{i * 2},{i * 3}\n" for i in range(10_000))
    header = sniff_header(("x,y,z\n" + rows)[:4096], AUTO)  # a cut in the middle of a row is fine
    assert header == CsvHeader(("x", "y", "z"), 1)


@pytest.mark.realdata(CSVKIT)
def test_csvkit_fy10_preamble_blank_and_title_rows() -> None:
    text = (CSVKIT / "Datagov_FY10_EDU_recp_by_State.csv").read_bytes().decode("utf-8")  # as read_heads does
    header = sniff_header(text, AUTO)
    assert header is not None
    assert header.header_record == 3  # ",,,,,,,," and the title row are records 1 and 2
    assert header.names[:3] == ("State Name", "State Abbreviate", "Post-9/11GI Bill Program")
    assert len(header.names) == 9


@pytest.mark.realdata(CSVKIT)
def test_csvkit_fy09_trailing_comma_header() -> None:
    text = (CSVKIT / "FY09_EDU_Recipients_by_State.csv").read_bytes().decode("utf-8")  # as read_heads does
    header = sniff_header(text, AUTO)
    assert header is not None
    assert header.header_record == 1
    assert header.names[2] == "Code"
    assert header.names[-1] == "column_10"  # every line ends with ','
    assert len(header.names) == 10


def test_line_ends_are_judged_outside_quotes_over_the_whole_head() -> None:
    assert sniff_line_ends('a,b\r\n1,"x\ny"\r\n') is LineEnds.CRLF  # an LF inside quotes is data
    assert sniff_line_ends('"t\r\nitle",b\n1,2\n') is LineEnds.LF
    assert sniff_line_ends("a,b") is LineEnds.LF
    assert sniff_line_ends("a,b\r\n1,2\r\n3,4\n") is LineEnds.MIXED  # not only the first line end
    assert sniff_line_ends("a,b\n1,2\n3,4\r\n") is LineEnds.MIXED
    assert sniff_line_ends("a,b\r1,2\r") is LineEnds.CR  # no LF at all: Excel's "CSV (Macintosh)"
    assert sniff_line_ends("a,b\n1\r2,3\n") is LineEnds.LF  # a bare CR in an LF file is a character
    assert [e.separator for e in LineEnds] == ["\n", "\r\n", "\n", "\r"]


def test_a_cr_only_file_has_its_header_on_the_first_line() -> None:
    assert sniff_header("a,b\r1,2\r3,4\r", AUTO) == CsvHeader(("a", "b"), 1, LineEnds.CR)
    assert sniff_header('id,"long\rname"\r1,2\r', AUTO) == CsvHeader(("id", "long\rname"), 1, LineEnds.CR)


def test_a_bare_cr_in_an_lf_files_header_is_part_of_a_name_not_the_end_of_the_head() -> None:
    # Python's csv stops at a bare CR ("new-line character seen in unquoted field"); the file was
    # then taken for one without records, and its rows were lost.
    assert sniff_header("a\rx,b\n1,2\n", AUTO) == CsvHeader(("a\rx", "b"), 1)
    assert sniff_header("a,b\n1\r2,3\n", AUTO) == CsvHeader(("a", "b"), 1)


def test_a_bare_cr_in_a_header_cell_is_kept_and_a_private_use_character_too() -> None:
    """A bare CR in an LF file is a character (Spark reads it so); the stand-in the guess puts
    in its place while Python's csv reads the head is one the head does not already hold."""
    assert sniff_header('"a\rb",c\n1,2\n', AUTO) == CsvHeader(("a\rb", "c"), 1)
    header = sniff_header('"a\rb",c\ue000\n1,"x\ry"\n', AUTO)
    assert header is not None and header.names == ("a\rb", "c\ue000")
    header = sniff_header("a,c\ue000\n1,2\n", AUTO)
    assert header is not None and header.names == ("a", "c\ue000")


def test_a_quote_opens_a_quoted_value_only_as_its_fields_first_character() -> None:
    """Every quote toggled: a quote after a space (`` "x\\ny"``, a plain character to Spark's
    parser) hid the LF after it, so a CRLF file holding one was read split at CRLF only and the
    count (split at that LF) did not reconcile (found by tests/spark/test_reader_fuzz.py)."""
    assert sniff_line_ends('a,b\r\n1, "x\ny"\r\n') is LineEnds.MIXED
    assert sniff_line_ends('a,b\r\n1,5"x\ny"\r\n') is LineEnds.MIXED  # inside an unquoted value
    assert sniff_line_ends('a,b\r\n1,"x""\ny"\r\n') is LineEnds.CRLF  # a doubled quote stays inside
    assert sniff_line_ends('a,b\r\n1,"x"",""\ny"\r\n') is LineEnds.CRLF
    assert sniff_line_ends('a;b\r\n1;"x\\"\ny"\r\n', escape="\\", delimiter=";") is LineEnds.CRLF
    assert sniff_line_ends('a;b\r\n1;"x\\"\ny"\r\n', delimiter=";") is LineEnds.MIXED  # no escape
    assert sniff_line_ends('a,b\r\n1,"x\ny') is LineEnds.CRLF  # the head ends inside quotes


def test_a_quoted_first_header_cell_after_a_byte_order_mark_is_quoted() -> None:
    """Spark skips the mark; the sniff read the quote after it as a plain character, so a line
    break in that cell split the header, the header guess fell on another record, and the source
    failed ("do not reconcile")."""
    header = sniff_header('\ufeff"first\nname",city\r\n1,2\r\n', CsvOptions())
    assert header is not None
    assert (header.names, header.header_record, header.line_ends) == (
        ("first\nname", "city"),
        1,
        LineEnds.CRLF,
    )


def test_a_backslash_escape_outside_quotes_is_a_character_as_in_sparks_parser() -> None:
    """Spark's parser escapes only inside quoted values: ``b\\;c`` is two fields, ``b\\`` and
    ``c``. Python's csv, which the sniff reads the head with, joined them (an escaped ``;``), so
    the header had a name fewer than every row, and the whole file was quarantined."""
    options = CsvOptions(delimiter=";", escape="\\")
    assert sniff_header("a;b\\;c\n1;2;3\n", options) == CsvHeader(("a", "b\\", "c"), 1)
    assert sniff_header('"a\\"b";c\n1;2\n', options) == CsvHeader(('a"b', "c"), 1)  # inside: escapes


def test_escapes_inside_a_quoted_value_after_a_cr_line_end_stay_escapes() -> None:
    """Found by a review: in a file of CR line ends a quote after a CR opens a value, so the
    escaped quote in ``"a\\";b"`` is inside it (the header has two fields, not three)."""
    options = CsvOptions(delimiter=";", escape="\\")
    for end in ("\r", "\n", "\r\n"):
        text = end.join(["Report", '"a\\";b";c', "1;2", "3;4", ""])
        assert sniff_header(text, options) == CsvHeader(
            ('a";b', "c"), 2, sniff_line_ends(text, '"', "\\", ";")
        )


def test_a_head_with_only_one_free_stand_in_still_reads_an_escape_outside_quotes() -> None:
    """Found by a review: the bare-CR stand-in took the only free private-use character though
    the head had no bare CR, and ``b\\;c`` was read as one field."""
    taken = "".join(chr(c) for c in range(0xE000, 0xE0FF))  # every stand-in but the last
    header = sniff_header(f"a;b\\;c;{taken}\n1;2;3;4\n", CsvOptions(delimiter=";", escape="\\"))
    assert header is not None and header.names[:3] == ("a", "b\\", "c")


def test_a_file_read_with_the_wrong_delimiter_names_the_one_it_seems_written_with() -> None:
    """European Excel writes ';' (and decimal commas): read with ',', each row is one field, or
    two where a decimal comma splits it; the run warns with the delimiter whose split every
    sampled record agrees on."""
    auto = CsvOptions()
    assert other_delimiter("\ufeffid;name;city\n1;Zoë;Liège\n2;Jürg;Bern\n", auto) == ";"
    assert (
        other_delimiter("datum;betrag;text\r\n01.02.2026;12,50;Miete\r\n03.02.2026;7,25;Brot\r\n", auto)
        == ";"
    )
    assert other_delimiter("id\tname\n1\tZoë\n", auto) == "\t"
    assert other_delimiter('id|note\n1|"a|b\nc"\n', auto) == "|"  # quoted, across lines
    assert other_delimiter("id;name\n1;a\n2;b", auto) == ";"  # a cut last record is left out
    assert other_delimiter("comment\nfine; thanks\nok\n", auto) is None  # the header does not split
    assert other_delimiter("a;b\n1;2;3\n", auto) == ";"  # ragged, but the header splits wider
    assert other_delimiter("a;b\n1;2\n3\n", auto) is None  # a record does not split
    assert other_delimiter("id;name\n", auto) is None  # a header alone is no evidence
    assert other_delimiter("id,name,note\n1,a,x;y\n2,b,z;w\n", auto) is None  # ',' splits wider
    assert other_delimiter("id;name\n1;a\n", CsvOptions(delimiter=";")) is None


def test_the_invalid_bytes_reason_suggests_a_legacy_encoding_only_under_utf8() -> None:
    from ingest.read_csv import _invalid_bytes_reason

    assert _invalid_bytes_reason("utf8").endswith("needs csv.encoding")
    assert _invalid_bytes_reason("windows-1252") == "invalid bytes for the file encoding (windows-1252)"


def test_a_ragged_tab_or_pipe_file_read_with_commas_names_its_delimiter() -> None:
    """Spark's own CSV fixtures (databricks/spark-csv): ``cars.tsv`` leaves out its rows' trailing
    empty fields, and a value holds a comma; ``cars-alternative.csv`` is '|' with ' quotes and a
    short last row. Read with ',', neither said why every row landed in one column."""
    fixtures = REALDATA / "spark-csv-fixtures" / "src" / "test" / "resources"
    require_realdata(fixtures)
    auto = CsvOptions()
    assert other_delimiter((fixtures / "cars.tsv").read_text(encoding="utf-8"), auto) == "\t"
    assert other_delimiter((fixtures / "cars-alternative.csv").read_text(encoding="utf-8"), auto) == "|"
    assert other_delimiter((fixtures / "cars.csv").read_text(encoding="utf-8"), auto) is None


@pytest.mark.parametrize(
    ("head", "width", "data_from"),
    [
        # Spark's comments.csv: two '~' comment lines, then records of numbers and a time
        (
            "~ Version 1.0\n~ a comment\n1,2,3,4,5.01,2015-08-20 15:57:00\n6,7,8,9,0,2015-08-21 16:58:01\n"
            "~0,9,8,7,6,2015-08-22 17:59:02\n1,2,3,4,5,2015-08-23 18:00:42\n",
            6,
            3,  # the data starts at record 3: the two records above are quarantined
        ),
        ("1,2.5,-3\n4,5.5,-6\n", 3, None),
        ("2026-01-05,17\n2026-01-06,\n", 2, None),
        ("11,15,13\n14,15,16,17\n18,19,20,21\n22,23,24,25\n26,27,28\n", 4, None),  # the usual width
        ("Spectrometer export 2024-05-01,,\n0.12,0.13,0.15\n0.2,0.21,0.25\n", 3, 2),
        ("2024/01/05,12.5,3\n2024/01/06,13.5,4\n", 3, None),  # Japanese Excel's dates
        ("1,12%,$3\n2,15%,$4\n", 3, None),  # percentages, currency
        ("10.0.0.1,200,512\n10.0.0.2,404,0\n", 3, None),  # addresses
        ("100,200,300\n400,500,600\n", 3, None),  # rising, but not column numbers or years
        (",5,7\n1,6,8\n", 3, None),  # a first field empty
        ("1,,\n2,5,6\n3,7,8\n", 3, None),  # a sparse first record is data too, not a title
        ("400,410,420\n0.12,0.13,0.15\n", 3, None),  # wavelengths: numbers over numbers
    ],
)
def test_a_first_record_of_values_over_rows_of_such_values_is_data(
    head: str, width: int, data_from: int | None
) -> None:
    """Under ``auto`` it was the header: its values became column names and were in no row."""
    expected = tuple(f"column_{n}" for n in range(1, width + 1))
    assert sniff_header(head, AUTO) == CsvHeader(expected, 0, data_from=data_from)
    assert sniff_header(head, CsvOptions(header="first_line")) != CsvHeader(expected, 0)


@pytest.mark.parametrize(
    "head",
    [
        "region,2023,2024\nnorth,5,6\n",  # a word in it
        "0,1,2\n5,6,7\n",  # pandas' column numbers
        ",2020,2021,2022\n0,1.5,2.5,3.5\n1,1.6,2.6,3.6\n",  # years (a pandas index column)
        ",00:30,01:00\n2024-01-01,0.1,0.2\n",  # times over numbers
        "2023-01,2023-02\n5,6\n",  # months over numbers
        "#,%\n1,2\n",  # symbols
        "1,2,3,4\n5,6,7,8\n",  # csvkit's column numbers
        "1,2,3\n",  # no row below to compare with
        "1,2\nx,y\n",  # over rows of words
        "2020,2021\n1,x\n",  # one column of words below is enough
        "7,8.5,ok\n9,10.5,warn\n",  # a word in it: taken for the header, as before
    ],
)
def test_a_first_record_with_a_word_or_not_shaped_like_its_columns_stays_the_header(head: str) -> None:
    header = sniff_header(head, AUTO)
    assert header is not None and header.header_record == 1


def test_comment_lines_are_not_records_to_the_header_guess_or_the_delimiter_check() -> None:
    head = "# exported by X; firmware 2.1\nid|name\n#2|skipped\n1|a\n3|c\n"
    options = CsvOptions(delimiter="|", comment="#")
    assert sniff_header(head, options) == CsvHeader(("id", "name"), 1)
    assert other_delimiter(head, options) is None  # the comment's ';' is not the file's
    assert other_delimiter(head, CsvOptions(comment="#")) == "|"


def test_a_quote_in_a_comment_line_opens_no_value_for_the_line_end_guess() -> None:
    """An odd quote in a '#' line took the rest of the head for a quoted value: a CRLF file was
    guessed LF (its last fields would have kept their CR)."""
    head = '#source: lab,"unit 3\r\nid,v\r\n1,2\r\n3,4\r\n'
    assert sniff_line_ends(head, comment="#") is LineEnds.CRLF
    assert sniff_line_ends('#a,"b\nid,v\r\n1,2\r\n', comment="#") is LineEnds.MIXED
    backslashes = '#note: see,"manual\nid,path,n\n1,C:\\dir\\,5\n2,D:\\x\\,6\n'
    assert sniff_header(backslashes, CsvOptions(escape="\\", comment="#")) == CsvHeader(
        ("id", "path", "n"), 1
    )

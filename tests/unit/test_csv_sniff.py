"""Finding the header of a CSV file (ingest.read_csv.sniff_header), without Spark.

``header_record`` counts non-empty records (Spark's reader skips empty lines), so the first data
row is record ``header_record + 1``.
"""

from __future__ import annotations

import pytest

from ingest.config import CsvOptions
from ingest.read_csv import CsvHeader, sniff_header, sniff_line_separator
from tests.conftest import REALDATA

AUTO = CsvOptions()
CSVKIT = REALDATA / "csvkit-examples" / "examples" / "realdata"


def test_plain_header_on_the_first_line() -> None:
    assert sniff_header("a,b,c\n1,2,3\n", AUTO) == CsvHeader(("a", "b", "c"), 1)


def test_header_cells_are_trimmed_and_keep_their_text() -> None:
    header = sniff_header(" State Name , Montgomery GI Bill-Active Duty \nx,1\n", AUTO)
    assert header is not None
    assert header.names == ("State Name", "Montgomery GI Bill-Active Duty")


def test_preamble_title_row_is_skipped() -> None:
    head = "Beneficiaries by state,,,\nstate,code,a,b\nAL,01,1,2\n"
    assert sniff_header(head, AUTO) == CsvHeader(("state", "code", "a", "b"), 2)


def test_blank_rows_before_the_header_are_skipped_and_not_counted() -> None:
    # blank lines are not records; an all-empty-cells row ",,," is (Spark reads it as one)
    assert sniff_header("\n\nstate,code,a\nAL,01,1\n", AUTO) == CsvHeader(("state", "code", "a"), 1)
    assert sniff_header(",,,\nTitle,,,\nw,x,y,z\n1,2,3,4\n", AUTO) == CsvHeader(("w", "x", "y", "z"), 3)


def test_crlf_file() -> None:
    assert sniff_header("a,b\r\n1,2\r\n", AUTO) == CsvHeader(("a", "b"), 1, "\r\n")


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


def test_title_row_above_a_two_column_header_is_preamble() -> None:
    header = sniff_header("Report\na,b\n1,2\n3,4\n", AUTO)
    assert header == CsvHeader(("a", "b"), 2)


def test_only_the_head_is_needed() -> None:
    rows = "".join(f"{i},{i * 2},{i * 3}\n" for i in range(10_000))
    header = sniff_header(("x,y,z\n" + rows)[:4096], AUTO)  # a cut in the middle of a row is fine
    assert header == CsvHeader(("x", "y", "z"), 1)


@pytest.mark.realdata(CSVKIT)
def test_csvkit_fy10_preamble_blank_and_title_rows() -> None:
    text = (CSVKIT / "Datagov_FY10_EDU_recp_by_State.csv").read_bytes().decode("utf-8")  # as read_head does
    header = sniff_header(text, AUTO)
    assert header is not None
    assert header.header_record == 3  # ",,,,,,,," and the title row are records 1 and 2
    assert header.names[:3] == ("State Name", "State Abbreviate", "Post-9/11GI Bill Program")
    assert len(header.names) == 9


@pytest.mark.realdata(CSVKIT)
def test_csvkit_fy09_trailing_comma_header() -> None:
    text = (CSVKIT / "FY09_EDU_Recipients_by_State.csv").read_bytes().decode("utf-8")  # as read_head does
    header = sniff_header(text, AUTO)
    assert header is not None
    assert header.header_record == 1
    assert header.names[2] == "Code"
    assert header.names[-1] == "column_10"  # every line ends with ','
    assert len(header.names) == 10


def test_the_line_separator_is_the_first_line_end_outside_quotes() -> None:
    assert sniff_line_separator('a,b\r\n1,"x\ny"\r\n') == "\r\n"
    assert sniff_line_separator('"t\r\nitle",b\n1,2\n') == "\n"
    assert sniff_line_separator("a,b") == "\n"
    assert sniff_header("a,b\r\n1,2\r\n", AUTO) == CsvHeader(("a", "b"), 1, "\r\n")

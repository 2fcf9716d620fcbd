"""importers.tabular: CSV and XLSX files → ParsedTable, never an exception."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib.util
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

import importers.tabular as tabular
from importers.kinds import KINDS
from importers.records import ParsedTable, Problem, Table
from importers.tabular import CODES, read_table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "imports"
DOCS = ROOT / "docs" / "import-formats.md"

# --- helpers --------------------------------------------------------------------------------------------------------


def xlsx(*sheets: tuple[str, Sequence[Sequence[Any]]]) -> bytes:
    """A workbook with the given sheets (title, rows), written by openpyxl in memory."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def table_of(parsed: ParsedTable) -> Table:
    assert parsed.table is not None, parsed.problems
    return parsed.table


def codes(parsed: ParsedTable) -> list[str]:
    return [problem.code for problem in parsed.problems]


def only(parsed: ParsedTable, code: str) -> Problem:
    found = [problem for problem in parsed.problems if problem.code == code]
    assert len(found) == 1, parsed.problems
    return found[0]


def values(parsed: ParsedTable) -> list[dict[str, Any]]:
    return [row.values for row in table_of(parsed).rows]


def assert_well_formed(parsed: ParsedTable, filename: str, kind: str) -> None:
    """What every result must be, whatever the input."""
    assert isinstance(parsed, ParsedTable)
    for problem in parsed.problems:
        assert problem.file == filename
        assert problem.code
        assert problem.code in CODES, problem
        assert problem.message.strip()
        assert problem.row is None or problem.row >= 1
    if parsed.table is None:
        assert parsed.problems, "no table and no problem"
        return
    table = parsed.table
    assert table.kind == kind
    assert table.file == filename
    numbers = [row.number for row in table.rows]
    assert numbers == sorted(set(numbers))
    shapes = {column.field: column.shape for column in KINDS[kind]}
    for row in table.rows:
        for field, value in row.values.items():
            assert field in table.columns
            if shapes[field] == "list":
                assert isinstance(value, list)
                assert value
                assert all(isinstance(v, str) and v and v == v.strip() for v in value)
            elif shapes[field] == "pairs":
                assert isinstance(value, dict)
                assert value
                assert all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items())
            else:
                assert value is not None
                assert value != ""
                if isinstance(value, str):
                    assert value == value.strip()
                if isinstance(value, dt.datetime):
                    assert value.tzinfo is None


ROOMS_CSV = "name,capacity,equipment,notes\nHall A,600,projector=1; streaming=1,Plenary\nRoom 1.14,40,,\n"


# --- the call itself ------------------------------------------------------------------------------------------------


def test_read_table_unknown_kind_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown import kind 'talks'"):
        read_table(b"name\n", "x.csv", "talks")


def test_read_table_every_code_is_described() -> None:
    assert all(description.strip() for description in CODES.values())


# --- size and format ------------------------------------------------------------------------------------------------


def test_size_over_limit_is_too_large() -> None:
    parsed = read_table(ROOMS_CSV.encode(), "rooms.csv", "rooms", max_bytes=20)
    assert parsed.table is None
    problem = only(parsed, "too_large")
    assert "20 bytes" in problem.message
    assert codes(parsed) == ["too_large"]


def test_size_is_checked_before_the_format() -> None:
    # Neither the damaged zip nor the NUL bytes are looked at: the size comes first.
    assert codes(read_table(b"PK\x03\x04" + b"\x00" * 100, "x.xlsx", "rooms", max_bytes=50)) == ["too_large"]


def test_size_default_limit_is_the_records_limit() -> None:
    parsed = read_table(b"x" * (tabular.MAX_BYTES + 1), "big.csv", "rooms")
    assert codes(parsed) == ["too_large"]
    assert "20.0 MB" in parsed.problems[0].message


def test_empty_file_is_empty_file() -> None:
    parsed = read_table(b"", "rooms.csv", "rooms")
    assert parsed.table is None
    assert codes(parsed) == ["empty_file"]


def test_empty_file_blank_lines_only_is_empty_file() -> None:
    assert codes(read_table(b"\r\n \n;;;\n\t\n", "rooms.csv", "rooms")) == ["empty_file"]


def test_format_xlsx_detected_from_content_whatever_the_name() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], ["Hall A", 600]]))
    table = table_of(read_table(data, "rooms.csv", "rooms"))
    assert table.read_as == "xlsx"
    assert table.rows[0].values == {"name": "Hall A", "capacity": 600}


def test_format_csv_named_xlsx_is_read_as_csv() -> None:
    table = table_of(read_table(ROOMS_CSV.encode(), "rooms.xlsx", "rooms"))
    assert table.read_as == "csv utf-8 ,"
    assert len(table.rows) == 2


def test_format_non_zip_named_xlsx_is_unreadable_file() -> None:
    for data in (b"<html><body>Session expired</body></html>", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"):
        parsed = read_table(data, "rooms.xlsx", "rooms")
        assert parsed.table is None
        assert codes(parsed) == ["unreadable_file"]
        assert "named like an Excel workbook" in parsed.problems[0].message


def test_format_old_xls_is_unreadable_file_with_advice() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    parsed = read_table(data, "rooms.xls", "rooms")
    assert codes(parsed) == ["unreadable_file"]
    assert ".xls" in parsed.problems[0].message
    assert "save it as .xlsx" in parsed.problems[0].message


# --- CSV encodings ----------------------------------------------------------------------------------------------------

PEOPLE_TEXT = (
    "email;name;institution;country\n"
    "anna.mueller@example.org;Anna Müller;Universität Wien;AT\n"
    "zoe.janssens@example.org;Zoë Janssens;Fee € 250 paid;BE\n"
)


def test_encoding_utf8_is_detected() -> None:
    parsed = read_table(PEOPLE_TEXT.encode("utf-8"), "people.csv", "people")
    assert table_of(parsed).read_as == "csv utf-8 ;"
    assert values(parsed)[1]["name"] == "Zoë Janssens"
    assert parsed.problems == []


def test_encoding_utf8_bom_is_removed_and_recorded() -> None:
    parsed = read_table(PEOPLE_TEXT.replace(";", ",").encode("utf-8-sig"), "people.csv", "people")
    table = table_of(parsed)
    assert table.read_as == "csv utf-8-sig ,"
    # The BOM is not part of the first header.
    assert table.columns["email"] == "email"
    assert values(parsed)[0]["name"] == "Anna Müller"


def test_encoding_cp1252_excel_semicolon_dialect() -> None:
    data = PEOPLE_TEXT.replace("\n", "\r\n").encode("cp1252")
    parsed = read_table(data, "people.csv", "people")
    assert table_of(parsed).read_as == "csv cp1252 ;"
    rows = values(parsed)
    assert rows[0]["name"] == "Anna Müller"
    assert rows[0]["institution"] == "Universität Wien"
    assert rows[1]["name"] == "Zoë Janssens"
    assert rows[1]["institution"] == "Fee € 250 paid"  # € is 0x80 in Windows-1252 and not in Latin-1
    assert parsed.problems == []


def test_encoding_latin1_text_reads_the_same_as_cp1252() -> None:
    # Latin-1 without bytes 0x80–0x9F is Windows-1252 too: cp1252 is preferred, the text is the same.
    text = PEOPLE_TEXT.replace("Fee € 250 paid", "Université Libre")
    parsed = read_table(text.encode("latin-1"), "people.csv", "people")
    assert table_of(parsed).read_as == "csv cp1252 ;"
    assert values(parsed)[1]["institution"] == "Université Libre"


def test_encoding_latin1_falls_back_when_cp1252_cannot_decode() -> None:
    # 0x81 and 0x8D are undefined in Windows-1252; Latin-1 decodes every byte.
    data = "email,name\nanna@example.org,Anna Müller\n".encode("latin-1") + b"b@example.org,B\x81\x8d\n"
    parsed = read_table(data, "people.csv", "people")
    assert table_of(parsed).read_as == "csv latin-1 ,"
    assert values(parsed)[0]["name"] == "Anna Müller"
    assert values(parsed)[1]["name"] == "B\x81\x8d"


def test_encoding_nul_bytes_is_bad_encoding() -> None:
    parsed = read_table(b"name,capacity\nHall\x00A,1\n", "rooms.csv", "rooms")
    assert parsed.table is None
    problem = only(parsed, "bad_encoding")
    assert "NUL" in problem.message


def test_encoding_utf16_is_bad_encoding_with_advice() -> None:
    parsed = read_table("name\tcapacity\r\nHall A\t600\r\n".encode("utf-16"), "rooms.txt", "rooms")
    problem = only(parsed, "bad_encoding")
    assert "UTF-16" in problem.message
    assert "CSV UTF-8" in problem.message


def test_encoding_bom_with_invalid_utf8_is_bad_encoding() -> None:
    parsed = read_table(b"\xef\xbb\xbfname,capacity\nM\xfcller,1\n", "rooms.csv", "rooms")
    assert codes(parsed) == ["bad_encoding"]


# --- CSV delimiters ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "name"), [(",", ","), (";", ";"), ("\t", "tab")])
def test_delimiter_is_detected_from_the_header(delimiter: str, name: str) -> None:
    text = delimiter.join(["name", "capacity", "notes"]) + "\n" + delimiter.join(["Hall A", "600", "a, b; c"]) + "\n"
    if delimiter != "\t":
        text = text.replace("a, b; c", '"a, b; c"')
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    assert table_of(parsed).read_as == f"csv utf-8 {name}"
    assert values(parsed) == [{"name": "Hall A", "capacity": "600", "notes": "a, b; c"}]


def test_delimiter_inside_quoted_header_is_not_counted() -> None:
    text = 'name;capacity;"notes, free text, any length"\nHall A;600;x\n'
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    assert table_of(parsed).read_as == "csv utf-8 ;"
    assert table_of(parsed).ignored == ["notes, free text, any length"]


def test_delimiter_found_after_leading_blank_lines() -> None:
    parsed = read_table(b"\n\n  \nname;capacity\nHall A;600\n", "rooms.csv", "rooms")
    assert table_of(parsed).read_as == "csv utf-8 ;"
    assert table_of(parsed).rows[0].number == 5


def test_delimiter_single_column_header_defaults_to_comma() -> None:
    parsed = read_table(b"email\nanna@example.org\n", "people.csv", "people")
    # No delimiter in the header: a one-column file, read with commas ('name' is missing, not mangled).
    assert parsed.table is None
    assert [(p.code, p.column) for p in parsed.problems] == [("missing_column", "name")]


# --- CSV structure ----------------------------------------------------------------------------------------------------


def test_csv_quoted_cell_keeps_delimiters_quotes_and_line_breaks() -> None:
    text = 'name,capacity,notes\n"Hall ""A""",600,"first line\nsecond, line"\nHall B,300,\n'
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    rows = table_of(parsed).rows
    assert rows[0].values == {"name": 'Hall "A"', "capacity": "600", "notes": "first line\nsecond, line"}
    # Row numbers are the line each record starts on: Hall B is on line 4.
    assert [row.number for row in rows] == [2, 4]


def test_csv_row_number_after_multiline_cell_is_its_start_line() -> None:
    text = 'name,capacity,notes\nA,1,"x\ny\nz"\nB,,\n'
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    problem = only(parsed, "required")
    assert problem.row == 5
    assert problem.column == "capacity"


def test_csv_line_endings_crlf_and_cr_are_read() -> None:
    for newline in ("\r\n", "\r"):
        parsed = read_table(ROOMS_CSV.replace("\n", newline).encode(), "rooms.csv", "rooms")
        assert [row.number for row in table_of(parsed).rows] == [2, 3]
        assert parsed.problems == []


def test_csv_extra_cells_is_a_problem_at_the_row() -> None:
    text = "name;capacity\nHall A;600\nHall B;300;projector=1\n"
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    problem = only(parsed, "extra_cells")
    assert problem.row == 3
    assert problem.column is None
    assert "cell 3" in problem.message
    assert "';'" in problem.message
    # The table is still returned with the row's other values.
    assert values(parsed)[1] == {"name": "Hall B", "capacity": "300"}


def test_csv_fewer_cells_than_headers_is_fine() -> None:
    parsed = read_table(b"name,capacity,equipment,notes\nHall A,600\n", "rooms.csv", "rooms")
    assert parsed.problems == []
    assert values(parsed) == [{"name": "Hall A", "capacity": "600"}]


def test_csv_trailing_empty_cells_are_not_extra() -> None:
    # Excel pads every row of a semicolon CSV to the widest row.
    parsed = read_table(b"name;capacity;;\r\nHall A;600;;\r\n;;;\r\n", "rooms.csv", "rooms")
    assert parsed.problems == []
    assert len(table_of(parsed).rows) == 1


def test_csv_unclosed_quote_is_bad_csv_at_its_row() -> None:
    text = 'name,capacity,notes\nHall A,600,ok\nHall B,300,"never closed\nHall C,40,\n'
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    problem = only(parsed, "bad_csv")
    assert problem.row == 3
    assert "never closed" in problem.message
    # The rows before are kept (and reported together with the problem).
    assert values(parsed) == [{"name": "Hall A", "capacity": "600", "notes": "ok"}]


def test_csv_text_after_closing_quote_is_bad_csv() -> None:
    parsed = read_table(b'name,capacity\n"Hall" A,600\n', "rooms.csv", "rooms")
    problem = only(parsed, "bad_csv")
    assert problem.row == 2
    assert "closing quote" in problem.message


def test_csv_huge_cell_is_bad_csv_not_an_exception() -> None:
    data = b'name,capacity\n"' + b"x" * (csv.field_size_limit() + 10) + b'",1\n'
    parsed = read_table(data, "rooms.csv", "rooms")
    assert codes(parsed) == ["bad_csv"]
    assert parsed.table is None or parsed.table.rows == []


def test_csv_spaces_after_delimiter_before_quotes_are_allowed() -> None:
    parsed = read_table(b'name, capacity, notes\nHall A, 600, "a, b"\n', "rooms.csv", "rooms")
    assert values(parsed) == [{"name": "Hall A", "capacity": "600", "notes": "a, b"}]


# --- header -----------------------------------------------------------------------------------------------------------


def test_header_aliases_and_spellings_match() -> None:
    text = "E-Mail;FULL NAME;Affiliation;country_code\na@example.org;A B;Uni;AT\n"
    table = table_of(read_table(text.encode(), "people.csv", "people"))
    assert table.columns == {
        "email": "E-Mail",
        "name": "FULL NAME",
        "institution": "Affiliation",
        "country": "country_code",
    }
    assert table.rows[0].values == {"email": "a@example.org", "name": "A B", "institution": "Uni", "country": "AT"}


def test_header_is_the_first_non_empty_row() -> None:
    parsed = read_table(b"\n,,\nname,capacity\nHall A,1\n", "rooms.csv", "rooms")
    assert table_of(parsed).rows[0].number == 4
    data = xlsx(("Rooms", [[None, None], ["name", "capacity"], [None, None], ["Hall A", 1]]))
    parsed = read_table(data, "rooms.xlsx", "rooms")
    assert [row.number for row in table_of(parsed).rows] == [4]


def test_header_unknown_columns_are_ignored_and_listed() -> None:
    text = "Name,Seats,Floor,Floor,Colour\nHall A,600,0,0,red\n"
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    table = table_of(parsed)
    assert table.ignored == ["Floor", "Colour"]
    assert table.rows[0].values == {"name": "Hall A", "capacity": "600"}
    assert parsed.problems == []


def test_header_empty_cells_are_ignored() -> None:
    parsed = read_table(b"name,,capacity\nHall A,x,600\n", "rooms.csv", "rooms")
    assert table_of(parsed).columns == {"name": "name", "capacity": "capacity"}
    assert table_of(parsed).ignored == []
    assert values(parsed) == [{"name": "Hall A", "capacity": "600"}]


def test_header_duplicate_column_returns_no_table() -> None:
    parsed = read_table(b"email,name,Mail\na@x.org,A,b@x.org\n", "people.csv", "people")
    assert parsed.table is None
    problem = only(parsed, "duplicate_column")
    assert problem.column == "Mail"
    assert problem.row == 1
    assert "'email'" in problem.message
    assert "'Mail'" in problem.message


def test_header_missing_required_column_lists_accepted_spellings() -> None:
    parsed = read_table(b"name,notes\nHall A,x\n", "rooms.csv", "rooms")
    assert parsed.table is None
    problem = only(parsed, "missing_column")
    assert problem.column == "capacity"
    assert "'capacity', 'seats'" in problem.message


def test_header_missing_columns_each_reported() -> None:
    parsed = read_table(b"reason\nx\n", "availability.csv", "availability")
    assert sorted(p.column or "" for p in parsed.problems) == ["ends_at", "kind", "starts_at"]


def test_header_numbers_in_xlsx_are_text() -> None:
    data = xlsx(("S", [["name", "capacity", 2026], ["Hall A", 1, "x"]]))
    assert table_of(read_table(data, "rooms.xlsx", "rooms")).ignored == ["2026"]


def test_header_formula_in_xlsx_is_refused() -> None:
    data = xlsx(("Rooms", [["name", '=CONCAT("capa","city")'], ["Hall A", 1]]))
    parsed = read_table(data, "rooms.xlsx", "rooms")
    assert parsed.table is None
    problem = only(parsed, "formula_not_allowed")
    assert problem.row == 1
    assert "column B" in problem.message
    assert "missing_column" in codes(parsed)


# --- rows -------------------------------------------------------------------------------------------------------------


def test_rows_entirely_empty_are_skipped() -> None:
    text = "name,capacity\n\nHall A,1\n , \n,\nHall B,2\n"
    rows = table_of(read_table(text.encode(), "rooms.csv", "rooms")).rows
    assert [(row.number, row.values["name"]) for row in rows] == [(3, "Hall A"), (6, "Hall B")]


def test_rows_values_are_stripped_and_blank_is_empty() -> None:
    parsed = read_table(b"name,capacity,notes\n  Hall A  ,\t600 ,   \n", "rooms.csv", "rooms")
    assert values(parsed) == [{"name": "Hall A", "capacity": "600"}]


def test_rows_over_max_rows_is_too_many_rows() -> None:
    text = "name,capacity\n" + "".join(f"Room {i},10\n" for i in range(5))
    parsed = read_table(text.encode(), "rooms.csv", "rooms", max_rows=3)
    problem = only(parsed, "too_many_rows")
    assert problem.row == 5
    assert "3" in problem.message
    assert len(table_of(parsed).rows) == 3


def test_rows_exactly_max_rows_is_fine() -> None:
    text = "name,capacity\n" + "".join(f"Room {i},10\n" for i in range(3))
    assert read_table(text.encode(), "rooms.csv", "rooms", max_rows=3).problems == []


def test_rows_over_max_rows_in_xlsx_is_too_many_rows() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], *[[f"Room {i}", i] for i in range(10)]]))
    parsed = read_table(data, "rooms.xlsx", "rooms", max_rows=4)
    problem = only(parsed, "too_many_rows")
    assert problem.row == 6
    assert problem.sheet == "Rooms"
    assert len(table_of(parsed).rows) == 4


def test_required_empty_is_a_problem_at_row_and_column() -> None:
    text = "Room,Seats\nHall A,600\nHall B,\n,40\n"
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    required = [p for p in parsed.problems if p.code == "required"]
    assert [(p.row, p.column, p.message) for p in required] == [
        (3, "Seats", "'capacity' is required"),
        (4, "Room", "'name' is required"),
    ]
    assert len(table_of(parsed).rows) == 3


def test_required_not_reported_twice_when_the_cell_has_a_formula() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], ["Hall A", "=2*300"]]))
    assert codes(read_table(data, "rooms.xlsx", "rooms")) == ["formula_not_allowed"]


# --- shapes -----------------------------------------------------------------------------------------------------------


def test_list_column_splits_trims_and_drops_empties() -> None:
    text = "code,kind,title,duration,topics,follows\nRC 1,refresher_course,Knee,30, knee ;MR;; ,RC 0\n"
    parsed = read_table(text.encode(), "items.csv", "items")
    assert values(parsed)[0]["topics"] == ["knee", "MR"]
    assert values(parsed)[0]["follows"] == ["RC 0"]


def test_list_column_of_separators_only_is_absent() -> None:
    text = "code,kind,title,duration,topics\nRC 1,refresher_course,Knee,30, ; ;\n"
    assert "topics" not in values(read_table(text.encode(), "items.csv", "items"))[0]


def test_pairs_column_becomes_a_dict() -> None:
    parsed = read_table(ROOMS_CSV.encode(), "rooms.csv", "rooms")
    assert values(parsed)[0]["equipment"] == {"projector": "1", "streaming": "1"}
    assert "equipment" not in values(parsed)[1]


def test_pairs_piece_without_equals_is_bad_pair() -> None:
    parsed = read_table(b'name,capacity,equipment\nHall A,600,"projector=1; streaming"\n', "rooms.csv", "rooms")
    problem = only(parsed, "bad_pair")
    assert (problem.row, problem.column) == (2, "equipment")
    assert "'streaming'" in problem.message
    assert values(parsed)[0]["equipment"] == {"projector": "1"}


def test_pairs_empty_key_or_value_is_bad_pair() -> None:
    parsed = read_table(b"name,capacity,equipment\nHall A,600,=1; projector=\n", "rooms.csv", "rooms")
    assert codes(parsed) == ["bad_pair", "bad_pair"]
    assert "equipment" not in values(parsed)[0]


def test_pairs_duplicate_key_is_duplicate_key() -> None:
    parsed = read_table(b"name,capacity,equipment\nHall A,600,projector=1; projector = 2\n", "rooms.csv", "rooms")
    problem = only(parsed, "duplicate_key")
    assert problem.column == "equipment"
    assert "projector=1" in problem.message
    assert "projector=2" in problem.message


def test_shapes_xlsx_non_string_cells_become_strings() -> None:
    data = xlsx(
        (
            "Items",
            [
                ["code", "kind", "title", "duration", "topics", "required_equipment"],
                ["RC 1", "refresher_course", "Knee", 30, 2026, "projector=1"],
            ],
        )
    )
    row = values(read_table(data, "items.xlsx", "items"))[0]
    assert row["topics"] == ["2026"]
    assert row["duration_minutes"] == 30


# --- XLSX -------------------------------------------------------------------------------------------------------------


def test_xlsx_native_values_are_kept_and_datetimes_stay_naive() -> None:
    rows = [
        ["kind", "start", "end", "reason", "room"],
        ["unavailable", dt.datetime(2026, 6, 18, 8, 0), dt.date(2026, 6, 19), 1.5, True],
        ["available", dt.time(9, 30), "2026-06-18T10:00:00+02:00", 7, "  Hall A  "],
    ]
    parsed = read_table(xlsx(("Windows", rows)), "availability.xlsx", "availability")
    assert parsed.problems == []
    first, second = values(parsed)
    assert first["starts_at"] == dt.datetime(2026, 6, 18, 8, 0)
    assert isinstance(first["starts_at"], dt.datetime)
    assert first["starts_at"].tzinfo is None
    # openpyxl writes a date as a date-formatted serial and reads it back as midnight.
    assert first["ends_at"] == dt.datetime(2026, 6, 19, 0, 0)
    assert first["reason"] == 1.5
    assert first["room"] is True
    assert second["starts_at"] == dt.time(9, 30)
    assert second["ends_at"] == "2026-06-18T10:00:00+02:00"
    assert second["reason"] == 7
    assert second["room"] == "Hall A"


def test_xlsx_formula_is_refused_and_never_evaluated() -> None:
    data = xlsx(("Rooms", [["name", "capacity", "notes"], ["Hall A", "=2*300", '=HYPERLINK("http://x")']]))
    parsed = read_table(data, "rooms.xlsx", "rooms")
    problems = [p for p in parsed.problems if p.code == "formula_not_allowed"]
    assert [(p.row, p.column, p.sheet) for p in problems] == [(2, "capacity", "Rooms"), (2, "notes", "Rooms")]
    assert "=2*300" in problems[0].message
    assert values(parsed) == [{"name": "Hall A"}]


def test_xlsx_array_and_data_table_formulas_are_refused() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "capacity"])
    sheet["A2"] = "Hall A"
    sheet["B2"] = ArrayFormula("B2:B2", "=SUM(C1:C3)")
    sheet["A3"] = "Hall B"
    sheet["B3"] = DataTableFormula(ref="B3:B4", t="dataTable", r1="C1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "rooms.xlsx", "rooms")
    assert [(p.code, p.row) for p in parsed.problems] == [("formula_not_allowed", 2), ("formula_not_allowed", 3)]
    assert "=SUM(C1:C3)" in parsed.problems[0].message
    assert "TABLE" in parsed.problems[1].message


def test_xlsx_text_that_starts_with_equals_is_kept() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "capacity", "notes"])
    sheet.append(["Hall A", 600, None])
    sheet["C2"] = "= not a formula"
    sheet["C2"].data_type = "s"  # what Excel stores for text typed as '= not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "rooms.xlsx", "rooms")
    assert parsed.problems == []
    assert values(parsed)[0]["notes"] == "= not a formula"


def test_xlsx_formula_in_an_ignored_column_is_not_read() -> None:
    data = xlsx(("Rooms", [["name", "capacity", "total"], ["Hall A", 600, "=B2*2"]]))
    parsed = read_table(data, "rooms.xlsx", "rooms")
    assert parsed.problems == []
    assert table_of(parsed).ignored == ["total"]


def test_xlsx_first_sheet_is_read_by_default() -> None:
    data = xlsx(
        ("Rooms", [["name", "capacity"], ["Hall A", 600]]),
        ("People", [["email", "name"], ["a@example.org", "A"]]),
    )
    table = table_of(read_table(data, "congress.xlsx", "rooms"))
    assert table.sheet == "Rooms"
    assert table.read_as == "xlsx"


def test_xlsx_named_sheet_is_read() -> None:
    data = xlsx(
        ("Rooms", [["name", "capacity"], ["Hall A", 600]]),
        ("People", [["email", "name"], ["a@example.org", "A"]]),
    )
    parsed = read_table(data, "congress.xlsx", "people", sheet="People")
    assert table_of(parsed).sheet == "People"
    assert values(parsed) == [{"email": "a@example.org", "name": "A"}]
    # Case and surrounding spaces of the sheet name do not matter when only one sheet fits.
    assert table_of(read_table(data, "congress.xlsx", "people", sheet=" people ")).sheet == "People"


def test_xlsx_unknown_sheet_lists_the_sheets() -> None:
    data = xlsx(("Rooms", [["name", "capacity"]]), ("People", [["email", "name"]]))
    parsed = read_table(data, "congress.xlsx", "rooms", sheet="Sessions")
    assert parsed.table is None
    problem = only(parsed, "unknown_sheet")
    assert "'Sessions'" in problem.message
    assert "'Rooms', 'People'" in problem.message


def test_xlsx_chart_sheet_is_unknown_sheet() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "capacity"])
    sheet.append(["Hall A", 600])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2))
    workbook.create_chartsheet("Chart").add_chart(chart)
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "rooms.xlsx", "rooms", sheet="Chart")
    assert codes(parsed) == ["unknown_sheet"]
    assert "chart" in parsed.problems[0].message


def test_xlsx_empty_sheet_is_empty_sheet() -> None:
    data = xlsx(("Rooms", []), ("Other", [["name", "capacity"]]))
    parsed = read_table(data, "rooms.xlsx", "rooms")
    problem = only(parsed, "empty_sheet")
    assert problem.sheet == "Rooms"


def test_xlsx_extra_cells_after_the_last_header() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], ["Hall A", 600, None, "stray"]]))
    problem = only(read_table(data, "rooms.xlsx", "rooms"), "extra_cells")
    assert problem.row == 2
    assert "column D" in problem.message


def test_xlsx_truncated_file_is_unreadable_file() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], ["Hall A", 600]]))
    parsed = read_table(data[: len(data) // 2], "rooms.xlsx", "rooms")
    assert parsed.table is None
    problem = only(parsed, "unreadable_file")
    assert "damaged or truncated" in problem.message


def test_xlsx_zip_that_is_not_a_workbook_is_unreadable_file() -> None:
    parsed = read_table(zipped(**{"notes.txt": b"hello"}), "rooms.xlsx", "rooms")
    assert codes(parsed) == ["unreadable_file"]
    assert "not an Excel workbook" in parsed.problems[0].message


def test_xlsx_opendocument_spreadsheet_is_refused_with_advice() -> None:
    data = zipped(mimetype=b"application/vnd.oasis.opendocument.spreadsheet", **{"content.xml": b"<x/>"})
    parsed = read_table(data, "rooms.ods", "rooms")
    assert codes(parsed) == ["unreadable_file"]
    assert ".ods" in parsed.problems[0].message


def test_xlsx_damaged_sheet_xml_is_unreadable_file() -> None:
    data = xlsx(("Rooms", [["name", "capacity"], ["Hall A", 600]]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][:-40]
    parsed = read_table(zipped(**members), "rooms.xlsx", "rooms")
    assert codes(parsed) == ["unreadable_file"]


def test_xlsx_unpacking_beyond_the_limit_is_too_large() -> None:
    data = zipped(**{"[Content_Types].xml": b"<" + b" " * 3_000_000 + b"/>"})
    assert len(data) < 100_000
    parsed = read_table(data, "bomb.xlsx", "rooms", max_bytes=100_000)
    assert codes(parsed) == ["too_large"]
    assert "unpacks" in parsed.problems[0].message


def test_xlsx_openpyxl_warnings_do_not_escape() -> None:
    # A date-formatted number outside the date range makes openpyxl warn; it reads the cell as an error value.
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "capacity", "notes"])
    sheet.append(["Hall A", 600, 10**10])
    sheet["C2"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "rooms.xlsx", "rooms")  # filterwarnings=error would raise here
    assert parsed.problems == []
    assert values(parsed)[0]["notes"] == "#VALUE!"


def test_xlsx_workbook_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []
    real = tabular.load_workbook

    def spy(*args: Any, **kwargs: Any) -> Any:
        assert kwargs == {"read_only": True, "data_only": False}
        workbook = real(*args, **kwargs)
        close = workbook.close

        def record() -> None:
            closed.append(True)
            close()

        workbook.close = record
        return workbook

    monkeypatch.setattr(tabular, "load_workbook", spy)
    read_table(xlsx(("Rooms", [["name", "capacity"], ["Hall A", 1]])), "rooms.xlsx", "rooms")
    read_table(xlsx(("Rooms", [["name", "capacity"]])), "rooms.xlsx", "rooms", sheet="nope")
    assert closed == [True, True]


# --- problems ---------------------------------------------------------------------------------------------------------


def test_problems_carry_file_sheet_row_and_header_as_written() -> None:
    data = xlsx(("Räume", [["Room", "Seats"], ["Hall A", None]]))
    problem = only(read_table(data, "upload 7.xlsx", "rooms"), "required")
    assert problem == Problem(
        file="upload 7.xlsx", sheet="Räume", row=2, column="Seats", code="required", message="'capacity' is required"
    )
    problem = only(read_table(b"Room,Seats\nHall A,\n", "rooms.csv", "rooms"), "required")
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("rooms.csv", None, 2, "Seats")


def test_problems_are_in_file_order() -> None:
    text = 'name,capacity,equipment\nA,,x\nB,1,"a=1;a=2"\nC,,\n'
    parsed = read_table(text.encode(), "rooms.csv", "rooms")
    assert [p.row for p in parsed.problems] == [2, 2, 3, 4]


# --- the examples and the documentation -------------------------------------------------------------------------------

EXAMPLE_FILES = {
    "rooms": "rooms.csv",
    "people": "people.csv",
    "memberships": "memberships.csv",
    "registrations": "registrations.csv",
    "items": "items.xlsx",
    "availability": "availability.csv",
}


def read_example(kind: str) -> Table:
    name = EXAMPLE_FILES[kind]
    parsed = read_table((EXAMPLES / name).read_bytes(), name, kind)
    assert parsed.problems == []
    return table_of(parsed)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_examples_read_without_problems(kind: str) -> None:
    table = read_example(kind)
    assert table.rows
    # Every example shows every column of its kind.
    assert set(table.columns) == {column.field for column in KINDS[kind]}


def test_examples_excel_dialect_files_are_cp1252_with_semicolons() -> None:
    for kind in ("memberships", "registrations"):
        table = read_example(kind)
        assert table.read_as == "csv cp1252 ;"
    names = {row.values.get("name") for row in read_example("registrations").rows}
    assert {"Anna Müller", "Zoë Janssens", "Tomáš Novák"} <= names
    assert read_example("memberships").ignored == ["Name"]


def test_examples_refer_only_to_people_and_rooms_they_define() -> None:
    people = {str(row.values["email"]) for row in read_example("people").rows}
    rooms = {str(row.values["name"]) for row in read_example("rooms").rows}
    for kind in ("memberships", "registrations", "availability"):
        for row in read_example(kind).rows:
            if "email" in row.values:
                assert row.values["email"] in people, (kind, row)
    for row in read_example("availability").rows:
        assert ("email" in row.values) != ("room" in row.values)
        if "room" in row.values:
            assert row.values["room"] in rooms
    items = read_example("items").rows
    item_codes = {row.values["code"] for row in items}
    for row in items:
        faculty = row.values.get("faculty", [])
        assert isinstance(faculty, list)
        for entry in faculty:
            assert entry.split(":")[0] in people, (row.number, entry)
        follows = row.values.get("follows", [])
        assert isinstance(follows, list)
        assert set(follows) <= item_codes


def test_examples_items_xlsx_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_items_xlsx", EXAMPLES / "make_items_xlsx.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert built == module.build()
    assert built == (EXAMPLES / "items.xlsx").read_bytes(), "run python examples/imports/make_items_xlsx.py"


def test_docs_list_every_code_column_and_spelling() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in text, code
    for kind, columns in KINDS.items():
        assert f"## {kind.capitalize()}" in text or f"### {kind}" in text, kind
        for column in columns:
            for spelling in (column.field, *column.aliases):
                assert f"`{spelling}`" in text, (kind, spelling)
    for name in EXAMPLE_FILES.values():
        assert name in text


# --- fuzzing: whatever the bytes, a ParsedTable comes back ------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KIND_NAMES = st.sampled_from(sorted(KINDS))


@FUZZ
@given(data=st.binary(max_size=4096), kind=KIND_NAMES, name=st.sampled_from(["x.csv", "x.xlsx", "x"]))
def test_fuzz_any_bytes_give_a_parsed_table(data: bytes, kind: str, name: str) -> None:
    assert_well_formed(read_table(data, name, kind), name, kind)


@FUZZ
@given(data=st.binary(max_size=600), kind=KIND_NAMES)
def test_fuzz_bytes_behind_a_zip_or_bom_prefix_give_a_parsed_table(data: bytes, kind: str) -> None:
    for prefix in (b"PK\x03\x04", b"PK\x05\x06", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        assert_well_formed(read_table(prefix + data, "x.xlsx", kind), "x.xlsx", kind)


_HEADER_WORDS = [w for columns in KINDS.values() for c in columns for w in (c.field, *c.aliases)]
_CSV_PIECES = st.one_of(
    st.sampled_from([",", ";", "\t", '"', '""', "\n", "\r\n", "\r", "=", " ", "; ", "=1", "€", "Zoë", "\u00a0"]),
    st.sampled_from(_HEADER_WORDS),
    st.text(max_size=8),
)


@FUZZ
@given(
    pieces=st.lists(_CSV_PIECES, max_size=80),
    kind=KIND_NAMES,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
    max_rows=st.integers(min_value=0, max_value=5),
)
def test_fuzz_structured_csv_gives_a_parsed_table(pieces: list[str], kind: str, encoding: str, max_rows: int) -> None:
    header = ",;\t"[len(pieces) % 3].join(c.field for c in KINDS[kind])
    data = (header + "\n" + "".join(pieces)).encode(encoding, errors="replace")
    parsed = read_table(data, "fuzz.csv", kind, max_rows=max_rows)
    assert_well_formed(parsed, "fuzz.csv", kind)
    if parsed.table is not None:
        assert len(parsed.table.rows) <= max_rows


@functools.cache
def _valid_workbook() -> bytes:
    rows: list[list[Any]] = [
        ["code", "kind", "title", "duration", "topics", "required_equipment", "faculty"],
        ["RC 1", "refresher_course", "Knee", 30, "knee; MR", "projector=1", "a@example.org:chair"],
        ["HW 2", "hands_on_workshop", "Shoulder", 90, None, "ultrasound_station=8", "=A2"],
        ["QZ 3", "quiz", "Hip", dt.datetime(2026, 6, 18, 8), True, 1.5, None],
    ]
    return xlsx(("Items", rows), ("More", [["x"], [1]]))


@functools.cache
def _workbook_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(_valid_workbook())) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8), cut=st.integers(0))
def test_fuzz_mutated_xlsx_bytes_give_a_parsed_table(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_valid_workbook())
    for position, byte in edits:
        data[position % len(data)] = byte
    data = data[: len(data) - cut % 64]
    assert_well_formed(read_table(bytes(data), "fuzz.xlsx", "items"), "fuzz.xlsx", "items")


@FUZZ
@given(
    member=st.integers(min_value=0),
    start=st.integers(min_value=0),
    length=st.integers(min_value=0, max_value=40),
    replacement=st.sampled_from([b"", b"<", b">", b'"', b"999999999", b"A1048577", b't="s"', b"<f>1+1</f>", b"\xff"]),
)
def test_fuzz_mutated_workbook_parts_give_a_parsed_table(
    member: int, start: int, length: int, replacement: bytes
) -> None:
    # The zip stays valid; one XML part of the workbook is damaged (the sheet's most often).
    members = dict(_workbook_members())
    names = ["xl/worksheets/sheet1.xml", *sorted(members)]
    name = names[member % len(names)]
    content = members[name]
    at = start % (len(content) + 1)
    members[name] = content[:at] + replacement + content[at + length :]
    assert_well_formed(read_table(zipped(**members), "fuzz.xlsx", "items"), "fuzz.xlsx", "items")


def test_fuzz_valid_workbook_reads_as_expected() -> None:
    # The base of the mutations above is itself read correctly.
    parsed = read_table(_valid_workbook(), "fuzz.xlsx", "items")
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [
        ("formula_not_allowed", 3, "faculty"),
        ("bad_pair", 4, "required_equipment"),  # 1.5 is read as the text '1.5', which is not key=value
    ]
    assert values(parsed)[2]["topics"] == ["True"]
    assert table_of(parsed).read_as == "xlsx"

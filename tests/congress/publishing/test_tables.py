"""Programme tables: rows in local time, a CSV Excel opens right, an XLSX without formulas, injection neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import msgspec
import openpyxl
import pytest

from congress.publishing.snapshot import Event, Programme
from congress.publishing.tables import HEADER, neutralise, programme_csv, programme_rows, programme_xlsx
from tests.congress.publishing.samples import SPEAKER, TALK_ID, TUTOR, WORKSHOP_ID, sample_programme

UTC = dt.UTC
HOSTILE_UID = "0190a000-0000-7000-8000-0000000000d1.1@essr-2026.congress"


def hostile_programme() -> Programme:
    """The sample plus a live event with formula-like text in every kind of cell, and one Excel reads as an error."""
    programme = sample_programme()
    talk = next(e for e in programme.events if e.item_id == TALK_ID)
    hostile = msgspec.structs.replace(
        talk,
        uid=HOSTILE_UID,
        number=20,
        code="=cmd|' /C calc'!A0",
        title='=HYPERLINK("https://evil.example","click")',
        kind="\rquiz",
        topics=("+1", "safe - topic"),
        room="@Room",
        faculty=(msgspec.structs.replace(TUTOR, name="-2+3"), SPEAKER),
        starts_at=dt.datetime(2026, 10, 25, 12, 0, tzinfo=UTC),
        ends_at=dt.datetime(2026, 10, 25, 13, 0, tzinfo=UTC),
    )
    error_like = msgspec.structs.replace(
        talk,
        uid="0190a000-0000-7000-8000-0000000000d2.1@essr-2026.congress",
        number=21,
        code="\tHW 2",
        title="#N/A",
        starts_at=dt.datetime(2026, 10, 25, 14, 0, tzinfo=UTC),
        ends_at=dt.datetime(2026, 10, 25, 15, 0, tzinfo=UTC),
    )
    events = sorted((*programme.events, hostile, error_like), key=lambda e: (e.starts_at, e.room, e.uid))
    return msgspec.structs.replace(programme, events=tuple(events))


def row_of(rows: list[list[str]], uid: str) -> list[str]:
    return next(row for row in rows if row[-1] == uid)


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sheet_rows(data: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Programme"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def uid_of(programme: Programme, item_id: object, run: int) -> str:
    return next(e.uid for e in programme.events if e.item_id == item_id and e.run == run)


def test_programme_rows_sample_header_then_live_events_in_time_order() -> None:
    programme = sample_programme()

    rows = programme_rows(programme)

    assert rows == [
        list(HEADER),
        [
            "2026-10-24",
            "09:00",
            "10:30",
            "Hall A",
            "RC 101",
            "Shoulder MRI: what the surgeon wants to know, from rotator cuff to labrum, in one long title line",
            "refresher_course",
            "shoulder; MRI",
            "Prof. Zoë Müller-Łukasiewicz (speaker)",
            "1/1",
            "2026-10-24T07:00:00Z",
            uid_of(programme, TALK_ID, 1),
        ],
        [
            "2026-10-24",
            "14:00",
            "15:30",
            "US-Lab; 2nd floor",
            "HW 1",
            "Ultrasound of the ankle",
            "hands_on_workshop",
            "ankle; ultrasound",
            "Dr. Ana O'Neill (tutor); Prof. Zoë Müller-Łukasiewicz (speaker)",
            "1/2",
            "2026-10-24T12:00:00Z",
            uid_of(programme, WORKSHOP_ID, 1),
        ],
        [
            "2026-10-25",
            "09:00",
            "10:30",
            "US-Lab; 2nd floor",
            "HW 1",
            "Ultrasound of the ankle",
            "hands_on_workshop",
            "ankle; ultrasound",
            "Dr. Ana O'Neill (tutor)",
            "2/2",
            "2026-10-25T08:00:00Z",
            uid_of(programme, WORKSHOP_ID, 2),
        ],
    ]
    assert rows[0] == [
        "Day",
        "Start",
        "End",
        "Room",
        "Code",
        "Title",
        "Kind",
        "Topics",
        "Faculty",
        "Run",
        "Starts UTC",
        "UID",
    ]


def test_programme_rows_cancelled_event_left_out() -> None:
    rows = programme_rows(sample_programme())

    assert len(rows) == 4
    assert not any("Withdrawn" in cell or cell.startswith("=cmd") for row in rows for cell in row)


def test_programme_rows_unsorted_events_in_time_order() -> None:
    programme = sample_programme()
    shuffled = msgspec.structs.replace(programme, events=tuple(reversed(programme.events)))

    assert programme_rows(shuffled) == programme_rows(programme)


def test_programme_rows_raw_text_kept() -> None:
    row = row_of(programme_rows(hostile_programme()), HOSTILE_UID)

    assert row[4:9] == [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("https://evil.example","click")',
        "\rquiz",
        "+1; safe - topic",
        "-2+3 (tutor); Prof. Zoë Müller-Łukasiewicz (speaker)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_formula_prefix_gets_apostrophe(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_programme_csv_bom_and_crlf_line_ends() -> None:
    data = programme_csv(sample_programme())

    assert data.startswith(b"\xef\xbb\xbfDay,Start,End,Room,Code,Title,Kind,Topics,Faculty,Run,Starts UTC,UID\r\n")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 4
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert data.count(b"\xef\xbb\xbf") == 1


def test_programme_csv_parses_back_to_rows() -> None:
    programme = sample_programme()

    data = programme_csv(programme)

    assert parse_csv(data) == programme_rows(programme)
    # Commas inside a field are quoted, non-ASCII is plain UTF-8.
    assert b'"Shoulder MRI: what the surgeon wants to know, from rotator cuff' in data
    assert "Müller-Łukasiewicz".encode() in data


def test_programme_csv_formula_cells_neutralised() -> None:
    rows = parse_csv(programme_csv(hostile_programme()))

    row = row_of(rows, HOSTILE_UID)
    assert row[3:9] == [
        "'@Room",
        "'=cmd|' /C calc'!A0",
        '\'=HYPERLINK("https://evil.example","click")',
        "'\rquiz",
        "'+1; safe - topic",
        "'-2+3 (tutor); Prof. Zoë Müller-Łukasiewicz (speaker)",
    ]
    assert row_of(rows, "0190a000-0000-7000-8000-0000000000d2.1@essr-2026.congress")[4:6] == ["'\tHW 2", "#N/A"]
    unsafe = [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert unsafe == []
    # Untouched where nothing starts like a formula.
    assert rows[1] == programme_rows(hostile_programme())[1]


def test_programme_xlsx_single_sheet_rows_match() -> None:
    programme = sample_programme()

    data = programme_xlsx(programme)

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Programme"]
    assert sheet_rows(data) == programme_rows(programme)


def test_programme_xlsx_header_bold_and_frozen() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(programme_xlsx(sample_programme())))["Programme"]

    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])


def test_programme_xlsx_column_widths_set() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(programme_xlsx(sample_programme())))["Programme"]

    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKL"}
    assert all(6 <= width <= 60 for width in widths.values())
    assert widths["F"] == 60  # the long title, capped
    assert widths["A"] == len("2026-10-24") + 2
    assert widths["J"] == 6  # "Run", "1/2"


def test_programme_xlsx_formula_cells_neutralised_and_stored_as_text() -> None:
    data = programme_xlsx(hostile_programme())

    rows = sheet_rows(data)
    assert rows == parse_csv(programme_csv(hostile_programme()))
    assert row_of(rows, HOSTILE_UID)[4:6] == ["'=cmd|' /C calc'!A0", '\'=HYPERLINK("https://evil.example","click")']
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Programme"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert {cell.data_type for cell in cells} == {"s"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        worksheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in worksheet
    assert b"<f " not in worksheet
    assert b't="e"' not in worksheet  # "#N/A" is text, not an error value


def test_programme_xlsx_control_characters_dropped() -> None:
    programme = sample_programme()
    talk: Event = next(e for e in programme.events if e.item_id == TALK_ID)
    noisy = msgspec.structs.replace(talk, title="Bell\x07 and\x1b escape\ttab")
    programme = msgspec.structs.replace(programme, events=tuple(noisy if e is talk else e for e in programme.events))

    rows = sheet_rows(programme_xlsx(programme))

    assert rows[1][5] == "Bell and escape\ttab"
    assert parse_csv(programme_csv(programme))[1][5] == "Bell and escape\ttab"

"""CoSPLib conference-scheduling workbooks and their solution workbooks → records.

CoSPLib (Kheiri, Pylyavskyy and Jacko; MIT licence) publishes real conferences
as XLSX workbooks with nine sheets, and schedules as workbooks with a ``sol``
sheet. ``read_instance`` reads an instance, ``read_solution`` a schedule for it,
``write_solution`` writes a schedule in the same layout. The format as read is
described in ``docs/cosplib.md``; :mod:`importers.cosplib_score` scores a
schedule the way upstream's checker does.

Like every parser here, nothing raises on bad input: a damaged file, a missing
sheet, a wrong header or a text where a number belongs is a
:class:`~importers.records.Problem` with file, sheet, row and column. The
records are only built when no problem was found (``instance`` / ``solution``
is ``None`` otherwise).

What is decided here (upstream reads the workbooks with pandas and keeps cells
as they are):

* Names (submissions, tracks, sessions, rooms, people) are kept exactly as
  written, spaces included: upstream matches them verbatim (OR60F has track
  names ending in a space). A cell holding only spaces counts as empty. A whole
  number where a name belongs is read as its digits.
* Presenters, attendees and chairs are split on ``", "`` (comma and space), as
  upstream does; empty pieces are dropped (upstream never matches them).
* Blank penalty cells are 0. Formulas are never evaluated: a formula in a cell
  that is read is a ``formula_not_allowed`` problem.
* The ``parameters`` sheet is read by position, as upstream does (values in
  column B and E, rows 2–17); the labels next to them are checked (case, spaces
  and punctuation do not matter) so that a shifted sheet is reported instead of
  read wrongly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import warnings
import zipfile
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import msgspec
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from importers.records import MAX_BYTES, MAX_ROWS, Problem

__all__ = [
    "CODES",
    "INSTANCE_SHEETS",
    "SOLUTION_SHEET",
    "TIME_ZONE_ALIASES",
    "WEIGHT_LABELS",
    "Instance",
    "Number",
    "Parameters",
    "ParsedInstance",
    "ParsedSolution",
    "Room",
    "Session",
    "Solution",
    "Submission",
    "Track",
    "Weights",
    "read_instance",
    "read_solution",
    "time_zone",
    "write_solution",
]

Number = int | float

# Every problem code this module emits, with what it means (listed in docs/cosplib.md).
CODES: dict[str, str] = {
    "too_large": "The file (or the workbook once unpacked) is larger than the limit.",
    "empty_file": "The file has no bytes.",
    "unreadable_file": "The file is not a readable XLSX workbook (damaged, truncated, another format).",
    "missing_sheet": "A sheet the format needs is not in the workbook.",
    "empty_sheet": "A sheet the format needs has no row with a value.",
    "wrong_header": "A header cell (or a parameter label) is not the one the format puts there.",
    "formula_not_allowed": "A cell read holds a formula; formulas are never evaluated.",
    "required": "A cell that must hold a value is empty.",
    "not_text": "A name cell holds something other than text (a date, a decimal number, TRUE/FALSE).",
    "not_a_number": "A cell that must hold a number holds text, a date or TRUE/FALSE.",
    "not_an_integer": "A cell that must hold a whole number holds a decimal number (or a negative one).",
    "bad_time": "A time of day is neither a time cell nor text like 9:30.",
    "bad_date": "A date is neither a date cell nor text like 2021-07-28.",
    "unknown_time_zone": "A time zone is neither GMT±N nor a known IANA name (Europe/London).",
    "duplicate_name": "A name is listed twice where names must be unique.",
    "unknown_name": "A name (track, session, room, submission) is not defined in its sheet.",
    "missing_name": "A track, session or room has no row or column in a sheet that must list them all.",
    "extra_cells": "A row has values after the last column the format reads.",
    "extra_rows": "A solution sheet has rows after the last time slot.",
    "track_without_submissions": "A track has no submission (upstream refuses such an instance).",
    "not_enough_time_slots": "The sessions and rooms have fewer time slots than the submissions need.",
}

INSTANCE_SHEETS: tuple[str, ...] = (
    "parameters",
    "submissions",
    "tracks",
    "sessions",
    "rooms",
    "tracks_sessions|penalty",
    "tracks_rooms|penalty",
    "similar tracks",
    "sessions_rooms|penalty",
)
SOLUTION_SHEET = "sol"

# "GMT+2" means two hours ahead of UTC, which the IANA database calls Etc/GMT-2 (its sign is POSIX's).
TIME_ZONE_ALIASES: dict[str, str] = {
    **{f"GMT+{hours}": f"Etc/GMT-{hours}" for hours in range(1, 13)},
    **{f"GMT-{hours}": f"Etc/GMT+{hours}" for hours in range(1, 13)},
    "GMT+0": "Etc/GMT+0",
}

# The weights in the parameters sheet (column E, rows 2–17, in this order): field of Weights → label in column D.
WEIGHT_LABELS: tuple[tuple[str, str], ...] = (
    ("tracks_sessions", "Tracks_Sessions|Penalty:"),
    ("tracks_rooms", "Tracks_Rooms|Penalty:"),
    ("sessions_rooms", "Sessions_Rooms|Penalty:"),
    ("similar_tracks", "Similar Tracks:"),
    ("rooms_per_track", "Number of Rooms per Track:"),
    ("parallel_tracks", "Parallel Tracks:"),
    ("consecutive_tracks", "Consecutive Tracks:"),
    ("submissions_time_zones", "Submissions_Timezones:"),
    ("submissions_order", "Submissions Order:"),
    ("submissions_sessions", "Submissions_Sessions|Penalty:"),
    ("submissions_rooms", "Submissions_Rooms|Penalty:"),
    ("presenters_conflicts", "Presenters Conflicts:"),
    ("attendees_conflicts", "Attendees Conflicts:"),
    ("chairs_conflicts", "Chairs Conflicts:"),
    ("presenters_conflicts_time_slot", "Presenters Conflicts Timeslot Level:"),
    ("attendees_conflicts_time_slot", "Attendees Conflicts Timeslot Level:"),
)

# The submissions sheet's first seven headers; session columns, then room columns follow.
_SUBMISSION_HEADERS = ("Reference", "Track", "Required Timeslots", "Order", "Time Zone", "Presenters", "Attendees")
_SESSION_HEADERS = ("Sessions", "Max Number of Timeslots", "Date", "Start Time", "End Time")
_TRACK_HEADERS = ("Tracks", "Chairs")
_ROOM_HEADERS = ("Rooms",)
_UNPACK_FACTOR = 25  # an XLSX file may unpack to at most this many times the byte limit
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_SHOWN = 10
_SEPARATOR = ", "  # how upstream splits a list of people


# --- records ------------------------------------------------------------------------------------------------------


class Weights(msgspec.Struct, frozen=True, kw_only=True):
    """The weight of every penalty family (a family counts only when its weight is above 0)."""

    tracks_sessions: int
    tracks_rooms: int
    sessions_rooms: int
    similar_tracks: int
    rooms_per_track: int
    parallel_tracks: int
    consecutive_tracks: int
    submissions_time_zones: int
    submissions_order: int
    submissions_sessions: int
    submissions_rooms: int
    presenters_conflicts: int
    attendees_conflicts: int
    chairs_conflicts: int
    presenters_conflicts_time_slot: int
    attendees_conflicts_time_slot: int


class Parameters(msgspec.Struct, frozen=True, kw_only=True):
    # The conference's time zone as written ("GMT+0"); see time_zone().
    local_time_zone: str
    # Times of day in a submission's time zone: inside [suitable_from, suitable_to] costs nothing, inside the
    # less suitable window costs less_suitable_penalty, outside it unsuitable_penalty.
    suitable_from: dt.time
    suitable_to: dt.time
    less_suitable_from: dt.time
    less_suitable_to: dt.time
    less_suitable_penalty: int
    unsuitable_penalty: int
    weights: Weights


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    track: str
    required_time_slots: int
    # Its place within the track (1, 2, …); 0 when any place will do.
    order: int
    time_zone: str
    presenters: list[str]
    attendees: list[str]
    # Session name → penalty, room name → penalty (0 where the cell is blank).
    session_penalties: dict[str, Number]
    room_penalties: dict[str, Number]
    row: int


class Track(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    chairs: list[str]
    row: int


class Session(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    max_time_slots: int
    date: dt.date | None
    start: dt.time
    end: dt.time
    row: int


class Room(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    row: int


class Instance(msgspec.Struct, frozen=True, kw_only=True):
    # The file's name without its extension ("GECCO19").
    name: str
    parameters: Parameters
    # In the order of their sheets (upstream's indices).
    submissions: list[Submission]
    tracks: list[Track]
    sessions: list[Session]
    rooms: list[Room]
    # Row name → column name → penalty (0 where blank), every track / session / room present.
    tracks_sessions: dict[str, dict[str, Number]]
    tracks_rooms: dict[str, dict[str, Number]]
    sessions_rooms: dict[str, dict[str, Number]]
    # As written: row track → column track → penalty. Upstream reads only the part above the diagonal (see
    # importers.cosplib_score); the rows and the header list the tracks in the same order.
    similar_tracks: dict[str, dict[str, Number]]


class ParsedInstance(msgspec.Struct, frozen=True, kw_only=True):
    instance: Instance | None
    problems: list[Problem]


class Solution(msgspec.Struct, frozen=True, kw_only=True):
    """A schedule, indexed like the instance's sessions and rooms lists; None where nothing is placed."""

    # [session][room] → track name.
    tracks: list[list[str | None]]
    # [session][room][time slot] → submission name (a submission that needs k slots fills k of them).
    submissions: list[list[list[str | None]]]


class ParsedSolution(msgspec.Struct, frozen=True, kw_only=True):
    solution: Solution | None
    problems: list[Problem]


def time_zone(written: str) -> zoneinfo.ZoneInfo | None:
    """The zone a time-zone cell names: GMT±N (whole hours, as upstream maps them) or an IANA name; None if unknown."""
    name = TIME_ZONE_ALIASES.get(written, written)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


# --- reading the workbook -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Formula:
    text: str


# A cell as read: None when empty (or only spaces), a formula, or the value.
_Raw = str | int | float | bool | dt.datetime | dt.date | dt.time | _Formula | None


@dataclass(slots=True)
class _Sheet:
    name: str
    # Every row from row 1 on (empty rows too, as a list of Nones or an empty list), numbered as Excel does.
    rows: list[tuple[int, list[_Raw]]]

    def content(self) -> list[tuple[int, list[_Raw]]]:
        return [(number, cells) for number, cells in self.rows if any(c is not None for c in cells)]


@dataclass(slots=True)
class _Log:
    """Collects problems for one file."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(
        self, code: str, message: str, *, sheet: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        self.problems.append(Problem(file=self.file, code=code, message=message, sheet=sheet, row=row, column=column))


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _quoted(names: Iterable[str]) -> str:
    shown = [f"'{name}'" for name in names]
    if len(shown) > _MAX_SHOWN:
        shown = [*shown[:_MAX_SHOWN], f"… ({len(shown) - _MAX_SHOWN} more)"]
    return ", ".join(shown)


def _letter(position: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _abridged(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(cell: Any) -> _Raw:
    value = getattr(cell, "value", None)
    if value is None:
        return None
    if isinstance(value, ArrayFormula):
        return _Formula(_abridged(str(value.text or "=")))
    if isinstance(value, DataTableFormula):
        return _Formula("{=TABLE(…)}, a what-if data table")
    if getattr(cell, "data_type", None) == "f":
        return _Formula(_abridged(str(value)))
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | int | float | dt.datetime | dt.date | dt.time):
        return value
    text = str(value)  # a duration ([h]:mm) or anything else unexpected: its text
    return text if text.strip() else None


def _load(data: bytes, filename: str, wanted: Sequence[str], log: _Log) -> dict[str, _Sheet] | None:
    """The wanted sheets that the workbook has (missing ones are problems); None when the file cannot be read."""
    if len(data) > MAX_BYTES:
        log.add("too_large", f"The file is {_size(len(data))}; the limit is {_size(MAX_BYTES)}")
        return None
    if not data:
        log.add("empty_file", "The file is empty")
        return None
    if not data.startswith(_ZIP_MAGIC):
        log.add("unreadable_file", "The file is not an Excel workbook (an .xlsx file is a zip archive)")
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except Exception as exc:  # BadZipFile, but also OSError, ValueError, EOFError… on damaged input
        log.add("unreadable_file", f"The file is damaged or truncated: it is not a readable zip archive ({exc})")
        return None
    if unpacked > _UNPACK_FACTOR * MAX_BYTES:
        log.add(
            "too_large", f"The workbook unpacks to {_size(unpacked)}; the limit is {_size(_UNPACK_FACTOR * MAX_BYTES)}"
        )
        return None
    # openpyxl warns about features it drops (styles, extensions, data validation): none changes what is read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_sheets(data, wanted, log)


def _read_sheets(data: bytes, wanted: Sequence[str], log: _Log) -> dict[str, _Sheet] | None:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except KeyError as exc:
        log.add("unreadable_file", f"The file is a zip archive but not an Excel workbook: it has no part {exc}")
        return None
    except Exception as exc:  # anything openpyxl or the XML parser raises on a damaged workbook
        log.add("unreadable_file", f"The file is not a readable Excel workbook ({type(exc).__name__}: {exc})")
        return None
    sheets: dict[str, _Sheet] = {}
    try:
        names = [str(name) for name in workbook.sheetnames]
        for name in wanted:
            if name not in names:
                log.add(
                    "missing_sheet",
                    f"The workbook has no sheet '{name}'; its sheets are {_quoted(names)}",
                    sheet=name,
                )
                continue
            worksheet = workbook[name]
            if not hasattr(worksheet, "iter_rows"):
                log.add("missing_sheet", f"The sheet '{name}' is a chart, not a table", sheet=name)
                continue
            try:
                rows = _sheet_rows(worksheet)
            except Exception as exc:  # the sheet's XML is parsed while its rows are read
                log.add("unreadable_file", f"The sheet '{name}' is damaged ({type(exc).__name__}: {exc})", sheet=name)
                continue
            if rows is None:
                log.add("too_large", f"The sheet '{name}' has more than {MAX_ROWS:,} rows", sheet=name)
                continue
            sheets[name] = _Sheet(name=name, rows=rows)
    except Exception as exc:  # a damaged workbook can fail while its sheet list is read
        log.add("unreadable_file", f"The workbook is damaged ({type(exc).__name__}: {exc})")
        return None
    finally:
        # Read-only mode keeps the archive open; closing a damaged one may fail, and nothing is left to read.
        with contextlib.suppress(Exception):
            workbook.close()
    return sheets


def _sheet_rows(worksheet: Any) -> list[tuple[int, list[_Raw]]] | None:
    worksheet.reset_dimensions()  # the stated dimensions may be wrong: read the rows as they are
    rows: list[tuple[int, list[_Raw]]] = []
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            return None
        values = [_cell(cell) for cell in row]
        while values and values[-1] is None:
            values.pop()
        rows.append((number, values))
    while rows and not rows[-1][1]:
        rows.pop()
    return rows


# --- cells --------------------------------------------------------------------------------------------------------


def _normal(text: str) -> str:
    """A header or label for comparison: letters and digits only, case-folded."""
    return re.sub(r"[\W_]+", "", text).casefold()


def _at(cells: list[_Raw], position: int) -> _Raw:
    return cells[position] if position < len(cells) else None


@dataclass(slots=True)
class _Reader:
    """Reads the cells of one sheet, recording a located problem for each bad one."""

    log: _Log
    sheet: str

    def problem(self, code: str, message: str, row: int | None = None, column: str | None = None) -> None:
        self.log.add(code, message, sheet=self.sheet, row=row, column=column)

    def _formula(self, raw: _Raw, row: int, column: str) -> bool:
        if isinstance(raw, _Formula):
            self.problem(
                "formula_not_allowed",
                f"The cell holds a formula ({raw.text}); enter the value itself (formulas are never evaluated)",
                row,
                column,
            )
            return True
        return False

    def name(self, raw: _Raw, row: int, column: str, what: str) -> str | None:
        """A name: text kept as written, or a whole number's digits; None (after a problem) otherwise."""
        if self._formula(raw, row, column):
            return None
        if raw is None:
            self.problem("required", f"The {what} is empty", row, column)
            return None
        if isinstance(raw, str):
            return raw
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)
        self.problem("not_text", f"The {what} must be text, not {_describe(raw)}", row, column)
        return None

    def people(self, raw: _Raw, row: int, column: str) -> list[str] | None:
        """A list of people separated by ', ' (empty cell → empty list)."""
        if raw is None:
            return []
        text = self.name(raw, row, column, "list of people")
        if text is None:
            return None
        return [piece for piece in text.split(_SEPARATOR) if piece]

    def integer(self, raw: _Raw, row: int, column: str, what: str, *, minimum: int) -> int | None:
        if self._formula(raw, row, column):
            return None
        if raw is None:
            self.problem("required", f"The {what} is empty", row, column)
            return None
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, float):
            self.problem("not_an_integer", f"The {what} must be a whole number, not {raw:g}", row, column)
            return None
        else:
            self.problem("not_a_number", f"The {what} must be a whole number, not {_describe(raw)}", row, column)
            return None
        if value < minimum:
            self.problem("not_an_integer", f"The {what} must be at least {minimum}, not {value}", row, column)
            return None
        return value

    def penalty(self, raw: _Raw, row: int, column: str) -> Number | None:
        """A penalty: a number, 0 when blank."""
        if self._formula(raw, row, column):
            return None
        if raw is None:
            return 0
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, float):
            return int(raw) if raw.is_integer() else raw
        self.problem("not_a_number", f"The penalty must be a number (or empty), not {_describe(raw)}", row, column)
        return None

    def time(self, raw: _Raw, row: int, column: str, what: str) -> dt.time | None:
        """A time of day to the minute (upstream reads hours and minutes, nothing else)."""
        if self._formula(raw, row, column):
            return None
        if raw is None:
            self.problem("required", f"The {what} is empty", row, column)
            return None
        if isinstance(raw, dt.time):
            return dt.time(raw.hour, raw.minute)
        if isinstance(raw, str):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*", raw)
            if match and int(match[1]) < 24 and int(match[2]) < 60:
                return dt.time(int(match[1]), int(match[2]))
        self.problem("bad_time", f"The {what} must be a time of day like 9:30, not {_describe(raw)}", row, column)
        return None

    def date(self, raw: _Raw, row: int, column: str) -> tuple[bool, dt.date | None]:
        """(ok, date): an empty cell is fine (upstream does not use the date)."""
        if self._formula(raw, row, column):
            return False, None
        if raw is None:
            return True, None
        if isinstance(raw, dt.datetime):
            return True, raw.date()
        if isinstance(raw, dt.date):
            return True, raw
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                return True, dt.date.fromisoformat(raw.strip())
        self.problem("bad_date", f"The date must be a date like 2021-07-28, not {_describe(raw)}", row, column)
        return False, None

    def zone(self, raw: _Raw, row: int, column: str) -> str | None:
        written = self.name(raw, row, column, "time zone")
        if written is None:
            return None
        if time_zone(written) is None:
            self.problem(
                "unknown_time_zone",
                f"'{written}' is not a time zone: write GMT+N or GMT-N (whole hours from GMT-12 to GMT+12) "
                "or an IANA name such as Europe/London",
                row,
                column,
            )
            return None
        return written

    def header(self, cells: list[_Raw], row: int, expected: Sequence[str]) -> bool:
        """Whether the header row starts with the expected headers (case, spaces and punctuation aside)."""
        ok = True
        for position, wanted in enumerate(expected):
            raw = _at(cells, position)
            written = raw if isinstance(raw, str) else None
            if written is None or _normal(written) != _normal(wanted):
                shown = "empty" if raw is None else f"'{raw.text if isinstance(raw, _Formula) else raw}'"
                self.problem(
                    "wrong_header",
                    f"Column {_letter(position)} must be headed '{wanted}', but its header is {shown}",
                    row,
                    wanted,
                )
                ok = False
        return ok

    def trailing(self, cells: list[_Raw], row: int, width: int) -> None:
        """A problem when the row has values at or after position ``width``."""
        extra = [position for position in range(width, len(cells)) if cells[position] is not None]
        if extra:
            where = ", ".join(_letter(position) for position in extra[:_MAX_SHOWN])
            if len(extra) > _MAX_SHOWN:
                where += f" … ({len(extra) - _MAX_SHOWN} more)"
            self.problem(
                "extra_cells",
                f"The row has values after the last column read (column {_letter(width - 1)}): {where}",
                row,
            )


def _describe(raw: _Raw) -> str:
    if isinstance(raw, bool):
        return f"the truth value {str(raw).upper()}"
    if isinstance(raw, dt.datetime | dt.date | dt.time):
        return f"the date/time {raw.isoformat()}"
    if isinstance(raw, _Formula):
        return f"the formula {raw.text}"
    if isinstance(raw, str):
        return f"the text '{_abridged(raw, 40)}'"
    return f"the number {raw}"


def _unique(reader: _Reader, names: list[tuple[int, str]], column: str, what: str) -> list[str]:
    """The names in order, with a problem for each repeat."""
    seen: dict[str, int] = {}
    for row, name in names:
        if name in seen:
            reader.problem("duplicate_name", f"The {what} '{name}' is already listed in row {seen[name]}", row, column)
        else:
            seen[name] = row
    return list(seen)


# --- the instance sheets ------------------------------------------------------------------------------------------


def _content_or_problem(sheets: dict[str, _Sheet], name: str, log: _Log) -> list[tuple[int, list[_Raw]]] | None:
    sheet = sheets.get(name)
    if sheet is None:
        return None
    rows = sheet.content()
    if not rows:
        log.add("empty_sheet", f"The sheet '{name}' is empty", sheet=name)
        return None
    return rows


def _read_rooms(rows: list[tuple[int, list[_Raw]]], reader: _Reader) -> list[Room] | None:
    (header_row, header), *body = rows
    if not reader.header(header, header_row, _ROOM_HEADERS):
        return None
    rooms: list[Room] = []
    for number, cells in body:
        reader.trailing(cells, number, 1)
        name = reader.name(_at(cells, 0), number, "Rooms", "room name")
        if name is not None:
            rooms.append(Room(name=name, row=number))
    _unique(reader, [(room.row, room.name) for room in rooms], "Rooms", "room")
    return rooms


def _read_sessions(rows: list[tuple[int, list[_Raw]]], reader: _Reader) -> list[Session] | None:
    (header_row, header), *body = rows
    if not reader.header(header, header_row, _SESSION_HEADERS):
        return None
    sessions: list[Session] = []
    for number, cells in body:
        reader.trailing(cells, number, len(_SESSION_HEADERS))
        name = reader.name(_at(cells, 0), number, "Sessions", "session name")
        slots = reader.integer(_at(cells, 1), number, "Max Number of Timeslots", "number of time slots", minimum=1)
        date_ok, date = reader.date(_at(cells, 2), number, "Date")
        start = reader.time(_at(cells, 3), number, "Start Time", "start time")
        end = reader.time(_at(cells, 4), number, "End Time", "end time")
        if name is not None and slots is not None and date_ok and start is not None and end is not None:
            sessions.append(Session(name=name, max_time_slots=slots, date=date, start=start, end=end, row=number))
    _unique(reader, [(session.row, session.name) for session in sessions], "Sessions", "session")
    return sessions


def _read_tracks(rows: list[tuple[int, list[_Raw]]], reader: _Reader) -> list[Track] | None:
    (header_row, header), *body = rows
    if not reader.header(header, header_row, _TRACK_HEADERS):
        return None
    tracks: list[Track] = []
    for number, cells in body:
        reader.trailing(cells, number, len(_TRACK_HEADERS))
        name = reader.name(_at(cells, 0), number, "Tracks", "track name")
        chairs = reader.people(_at(cells, 1), number, "Chairs")
        if name is not None and chairs is not None:
            tracks.append(Track(name=name, chairs=chairs, row=number))
    _unique(reader, [(track.row, track.name) for track in tracks], "Tracks", "track")
    return tracks


@dataclass(frozen=True, slots=True)
class _Names:
    """The names the other sheets refer to (None where their own sheet could not be read)."""

    sessions: list[str] | None
    rooms: list[str] | None
    tracks: list[str] | None


def _read_submissions(rows: list[tuple[int, list[_Raw]]], reader: _Reader, names: _Names) -> list[Submission] | None:
    (header_row, header), *body = rows
    if not reader.header(header, header_row, _SUBMISSION_HEADERS):
        return None
    if names.sessions is None or names.rooms is None or names.tracks is None:
        return None  # the penalty columns cannot be checked; the other sheets' problems say why
    first = len(_SUBMISSION_HEADERS)
    width = first + len(names.sessions) + len(names.rooms)
    # The session columns come first, then the room columns, each group in any order (upstream looks them up by name).
    columns: dict[int, str] = {}
    ok = True
    for group, start, what in (
        (names.sessions, first, "session"),
        (names.rooms, first + len(names.sessions), "room"),
    ):
        found: dict[str, int] = {}
        for position in range(start, start + len(group)):
            raw = _at(header, position)
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            if not isinstance(raw, str) or raw not in group:
                shown = "empty" if raw is None else f"'{raw.text if isinstance(raw, _Formula) else raw}'"
                reader.problem(
                    "wrong_header",
                    f"Column {_letter(position)} must be headed by a {what} name (the {what} columns follow "
                    f"{'the first seven' if what == 'session' else 'the session'} columns), but its header is {shown}",
                    header_row,
                )
                ok = False
            elif raw in found:
                reader.problem(
                    "duplicate_name",
                    f"The {what} '{raw}' heads column {_letter(found[raw])} and column {_letter(position)}",
                    header_row,
                    raw,
                )
                ok = False
            else:
                found[raw] = position
                columns[position] = raw
        missing = [name for name in group if name not in found]
        if missing and ok:
            reader.problem("missing_name", f"No column for the {what}s {_quoted(missing)}", header_row)
            ok = False
    reader.trailing(header, header_row, width)
    if not ok:
        return None

    known_tracks = set(names.tracks)
    submissions: list[Submission] = []
    for number, cells in body:
        reader.trailing(cells, number, width)
        name = reader.name(_at(cells, 0), number, "Reference", "reference")
        track = reader.name(_at(cells, 1), number, "Track", "track")
        if track is not None and track not in known_tracks:
            reader.problem("unknown_name", f"The track '{track}' is not in the sheet 'tracks'", number, "Track")
            track = None
        slots = reader.integer(_at(cells, 2), number, "Required Timeslots", "number of time slots", minimum=1)
        order = reader.integer(_at(cells, 3), number, "Order", "order", minimum=0)
        zone = reader.zone(_at(cells, 4), number, "Time Zone")
        presenters = reader.people(_at(cells, 5), number, "Presenters")
        attendees = reader.people(_at(cells, 6), number, "Attendees")
        penalties: dict[str, Number] = {}
        bad = False
        for position, column in columns.items():
            value = reader.penalty(_at(cells, position), number, column)
            if value is None:
                bad = True
            else:
                penalties[column] = value
        if (
            name is None
            or track is None
            or slots is None
            or order is None
            or zone is None
            or presenters is None
            or attendees is None
            or bad
        ):
            continue
        submissions.append(
            Submission(
                name=name,
                track=track,
                required_time_slots=slots,
                order=order,
                time_zone=zone,
                presenters=presenters,
                attendees=attendees,
                session_penalties={session: penalties[session] for session in names.sessions},
                room_penalties={room: penalties[room] for room in names.rooms},
                row=number,
            )
        )
    _unique(reader, [(submission.row, submission.name) for submission in submissions], "Reference", "submission")
    return submissions


def _read_matrix(
    rows: list[tuple[int, list[_Raw]]],
    reader: _Reader,
    row_names: list[str] | None,
    column_names: list[str] | None,
    row_what: str,
    column_what: str,
    *,
    same_order: bool = False,
) -> dict[str, dict[str, Number]] | None:
    """A penalty table: names down column A, names across the header row (A1 empty), numbers or blanks inside.

    ``same_order`` (the similar-tracks sheet) asks the header to list the rows' names in the rows' order, since
    upstream pairs a column with the row at the same position.
    """
    if row_names is None or column_names is None:
        return None
    (header_row, header), *body = rows
    ok = True
    if _at(header, 0) is not None:
        reader.problem("wrong_header", "Cell A1 must be empty (row names go down column A)", header_row)
        ok = False
    columns: dict[int, str] = {}
    width = len(header)
    for position in range(1, width):
        raw = _at(header, position)
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if raw is None:
            reader.problem(
                "wrong_header", f"The header of column {_letter(position)} is empty (between two names)", header_row
            )
            ok = False
        elif not isinstance(raw, str):
            reader.problem(
                "wrong_header",
                f"The header of column {_letter(position)} must be a {column_what} name, not {_describe(raw)}",
                header_row,
            )
            ok = False
        elif raw not in column_names:
            reader.problem(
                "unknown_name",
                f"The {column_what} '{raw}' heading column {_letter(position)} is not defined",
                header_row,
                raw,
            )
            ok = False
        elif raw in columns.values():
            reader.problem("duplicate_name", f"The {column_what} '{raw}' heads two columns", header_row, raw)
            ok = False
        else:
            columns[position] = raw
    missing = [name for name in column_names if name not in columns.values()]
    if missing and ok:
        reader.problem("missing_name", f"No column for the {column_what}s {_quoted(missing)}", header_row)
        ok = False

    table: dict[str, dict[str, Number]] = {}
    order: list[str] = []
    known = set(row_names)
    for number, cells in body:
        reader.trailing(cells, number, width)
        name = reader.name(_at(cells, 0), number, row_what.capitalize(), f"{row_what} name")
        if name is None:
            ok = False
            continue
        if name not in known:
            reader.problem("unknown_name", f"The {row_what} '{name}' is not defined", number, "A")
            ok = False
            continue
        if name in table:
            reader.problem("duplicate_name", f"The {row_what} '{name}' has two rows", number, "A")
            ok = False
            continue
        values: dict[str, Number] = {}
        for position, column in columns.items():
            value = reader.penalty(_at(cells, position), number, column)
            if value is None:
                ok = False
            else:
                values[column] = value
        table[name] = values
        order.append(name)
    missing = [name for name in row_names if name not in table]
    if missing:
        reader.problem("missing_name", f"No row for the {row_what}s {_quoted(missing)}", None, "A")
        ok = False
    if ok and same_order and list(columns.values()) != order:
        reader.problem(
            "wrong_header",
            f"The header must list the {column_what}s in the order of the rows below it",
            header_row,
        )
        ok = False
    return table if ok else None


def _read_parameters(rows: list[tuple[int, list[_Raw]]], reader: _Reader) -> Parameters | None:
    cells_by_row = dict(rows)

    def cell(row: int, column: int) -> _Raw:
        return _at(cells_by_row.get(row, []), column)

    def label(row: int, column: int, wanted: str) -> bool:
        raw = cell(row, column)
        if isinstance(raw, str) and _normal(raw) == _normal(wanted):
            return True
        shown = "empty" if raw is None else f"'{raw.text if isinstance(raw, _Formula) else raw}'"
        reader.problem(
            "wrong_header",
            f"Cell {_letter(column)}{row} must be the label '{wanted}', but it is {shown} "
            "(the parameters are read by position)",
            row,
            _letter(column),
        )
        return False

    # Column A labels and column B values; row 1 is a heading.
    zone_ok = label(2, 0, "Local time zone:")
    times: dict[str, dt.time | None] = {}
    for row, name, wanted in (
        (4, "suitable_from", "From:"),
        (5, "suitable_to", "To:"),
        (7, "less_suitable_from", "From:"),
        (8, "less_suitable_to", "To:"),
    ):
        times[name] = reader.time(cell(row, 1), row, "B", f"time in B{row}") if label(row, 0, wanted) else None
    small = (
        reader.integer(cell(9, 1), 9, "B", "less suitable times penalty", minimum=0)
        if label(9, 0, "Penalty:")
        else None
    )
    big = (
        reader.integer(cell(11, 1), 11, "B", "unsuitable times penalty", minimum=0)
        if label(11, 0, "Penalty:")
        else None
    )
    zone = reader.zone(cell(2, 1), 2, "B") if zone_ok else None
    weights: dict[str, int] = {}
    for offset, (name, wanted) in enumerate(WEIGHT_LABELS):
        row = 2 + offset
        if label(row, 3, wanted):
            weight = reader.integer(cell(row, 4), row, "E", f"weight '{wanted.rstrip(':')}'", minimum=-(2**62))
            if weight is not None:
                weights[name] = weight
    if (
        zone is None
        or small is None
        or big is None
        or any(value is None for value in times.values())
        or len(weights) != len(WEIGHT_LABELS)
    ):
        return None
    suitable_from, suitable_to = times["suitable_from"], times["suitable_to"]
    less_from, less_to = times["less_suitable_from"], times["less_suitable_to"]
    # All four were checked above; the asserts tell the type checker.
    assert suitable_from is not None
    assert suitable_to is not None
    assert less_from is not None
    assert less_to is not None
    return Parameters(
        local_time_zone=zone,
        suitable_from=suitable_from,
        suitable_to=suitable_to,
        less_suitable_from=less_from,
        less_suitable_to=less_to,
        less_suitable_penalty=small,
        unsuitable_penalty=big,
        weights=Weights(**weights),
    )


def read_instance(data: bytes, filename: str) -> ParsedInstance:
    """Read a CoSPLib instance workbook (all nine sheets); ``instance`` is None when any problem was found."""
    log = _Log(filename)
    sheets = _load(data, filename, INSTANCE_SHEETS, log)
    if sheets is None:
        return ParsedInstance(instance=None, problems=log.problems)

    def content(name: str) -> list[tuple[int, list[_Raw]]] | None:
        return _content_or_problem(sheets, name, log)

    rows = content("rooms")
    rooms = _read_rooms(rows, _Reader(log, "rooms")) if rows else None
    rows = content("sessions")
    sessions = _read_sessions(rows, _Reader(log, "sessions")) if rows else None
    rows = content("tracks")
    tracks = _read_tracks(rows, _Reader(log, "tracks")) if rows else None
    names = _Names(
        sessions=None if sessions is None else [s.name for s in sessions],
        rooms=None if rooms is None else [r.name for r in rooms],
        tracks=None if tracks is None else [t.name for t in tracks],
    )
    rows = content("submissions")
    submissions = _read_submissions(rows, _Reader(log, "submissions"), names) if rows else None

    matrices: dict[str, dict[str, dict[str, Number]] | None] = {}
    for sheet, row_names, column_names, row_what, column_what in (
        ("tracks_sessions|penalty", names.tracks, names.sessions, "track", "session"),
        ("tracks_rooms|penalty", names.tracks, names.rooms, "track", "room"),
        ("similar tracks", names.tracks, names.tracks, "track", "track"),
        ("sessions_rooms|penalty", names.sessions, names.rooms, "session", "room"),
    ):
        rows = content(sheet)
        matrices[sheet] = (
            _read_matrix(
                rows,
                _Reader(log, sheet),
                row_names,
                column_names,
                row_what,
                column_what,
                same_order=sheet == "similar tracks",
            )
            if rows
            else None
        )
    rows = content("parameters")
    parameters = _read_parameters(rows, _Reader(log, "parameters")) if rows else None

    if submissions is not None and tracks is not None:
        used = {submission.track for submission in submissions}
        for track in tracks:
            if track.name not in used:
                log.add(
                    "track_without_submissions",
                    f"The track '{track.name}' has no submission",
                    sheet="tracks",
                    row=track.row,
                    column="Tracks",
                )
    if submissions is not None and sessions is not None and rooms is not None:
        available = sum(session.max_time_slots for session in sessions) * len(rooms)
        needed = sum(submission.required_time_slots for submission in submissions)
        if available < needed:
            log.add(
                "not_enough_time_slots",
                f"The submissions need {needed} time slots but the sessions offer {available} "
                f"({len(rooms)} rooms); add a session or a room",
            )

    tracks_sessions = matrices["tracks_sessions|penalty"]
    tracks_rooms = matrices["tracks_rooms|penalty"]
    similar = matrices["similar tracks"]
    sessions_rooms = matrices["sessions_rooms|penalty"]
    if (
        log.problems
        or parameters is None
        or submissions is None
        or tracks is None
        or sessions is None
        or rooms is None
        or tracks_sessions is None
        or tracks_rooms is None
        or similar is None
        or sessions_rooms is None
    ):
        return ParsedInstance(instance=None, problems=log.problems)
    instance = Instance(
        name=PurePath(filename).stem,
        parameters=parameters,
        submissions=submissions,
        tracks=tracks,
        sessions=sessions,
        rooms=rooms,
        tracks_sessions=tracks_sessions,
        tracks_rooms=tracks_rooms,
        sessions_rooms=sessions_rooms,
        similar_tracks=similar,
    )
    return ParsedInstance(instance=instance, problems=[])


# --- solutions ----------------------------------------------------------------------------------------------------


def read_solution(data: bytes, filename: str, instance: Instance) -> ParsedSolution:
    """Read the ``sol`` sheet of a schedule for ``instance``.

    Layout (sheet row numbers): row 1 is empty in A and names the rooms across, in the instance's order; rows 2…S+1
    give, for each session in the instance's order (its name in A), the track in each room; row S+2 is empty; then
    each session has one row per time slot (its name in A) with the submission in each room.
    """
    log = _Log(filename)
    sheets = _load(data, filename, (SOLUTION_SHEET,), log)
    if sheets is None or SOLUTION_SHEET not in sheets:
        return ParsedSolution(solution=None, problems=log.problems)
    sheet = sheets[SOLUTION_SHEET]
    if not sheet.content():
        log.add("empty_sheet", f"The sheet '{SOLUTION_SHEET}' is empty", sheet=SOLUTION_SHEET)
        return ParsedSolution(solution=None, problems=log.problems)
    reader = _Reader(log, SOLUTION_SHEET)
    by_number = dict(sheet.rows)
    rooms = [room.name for room in instance.rooms]
    width = 1 + len(rooms)

    header = by_number.get(1, [])
    for position, room in enumerate(rooms, start=1):
        raw = _at(header, position)
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if raw != room:
            shown = "empty" if raw is None else f"'{raw.text if isinstance(raw, _Formula) else raw}'"
            reader.problem(
                "wrong_header",
                f"Column {_letter(position)} must be headed by the room '{room}' (rooms in the instance's order), "
                f"but its header is {shown}",
                1,
                room,
            )
    reader.trailing(header, 1, width)

    tracks_known = {track.name for track in instance.tracks}
    submissions_known = {submission.name for submission in instance.submissions}

    def row_cells(number: int, session: str, what: str) -> list[str | None]:
        cells = by_number.get(number, [])
        first = _at(cells, 0)
        if first != session:
            shown = "empty" if first is None else f"'{first.text if isinstance(first, _Formula) else first}'"
            reader.problem(
                "wrong_header",
                f"Column A must name the session '{session}' here ({what}), but it is {shown}",
                number,
                "A",
            )
        reader.trailing(cells, number, width)
        values: list[str | None] = []
        for position, room in enumerate(rooms, start=1):
            raw = _at(cells, position)
            if raw is None:
                values.append(None)
                continue
            name = reader.name(raw, number, room, "name")
            values.append(name)
        return values

    tracks: list[list[str | None]] = []
    for index, session in enumerate(instance.sessions):
        number = 2 + index
        values = row_cells(number, session.name, "the tracks block lists the sessions in the instance's order")
        for room, name in zip(rooms, values, strict=True):
            if name is not None and name not in tracks_known:
                reader.problem("unknown_name", f"The track '{name}' is not in the instance", number, room)
        tracks.append(values)
    blank = 2 + len(instance.sessions)
    if any(value is not None for value in by_number.get(blank, [])):
        reader.problem(
            "extra_cells",
            "This row must be empty: it separates the tracks block from the time slots block",
            blank,
        )
    submissions: list[list[list[str | None]]] = []
    number = blank + 1
    for session in instance.sessions:
        grid: list[list[str | None]] = [[] for _ in rooms]
        for slot in range(session.max_time_slots):
            values = row_cells(number, session.name, f"time slot {slot + 1} of {session.max_time_slots}")
            for position, (room, name) in enumerate(zip(rooms, values, strict=True)):
                if name is not None and name not in submissions_known:
                    reader.problem("unknown_name", f"The submission '{name}' is not in the instance", number, room)
                grid[position].append(name)
            number += 1
        submissions.append(grid)
    extra = [n for n, cells in sheet.rows if n >= number and any(c is not None for c in cells)]
    if extra:
        reader.problem(
            "extra_rows",
            f"The sheet has values after the last time slot (row {number - 1}): rows "
            + ", ".join(str(n) for n in extra[:_MAX_SHOWN])
            + (" …" if len(extra) > _MAX_SHOWN else ""),
            extra[0],
        )
    if log.problems:
        return ParsedSolution(solution=None, problems=log.problems)
    return ParsedSolution(solution=Solution(tracks=tracks, submissions=submissions), problems=[])


def write_solution(instance: Instance, solution: Solution) -> bytes:
    """The schedule as an XLSX workbook with one sheet ``sol`` in the layout :func:`read_solution` reads.

    Raises ValueError when the solution's shape does not match the instance (a programming error, not bad input).
    """
    sessions, rooms = instance.sessions, instance.rooms
    if len(solution.tracks) != len(sessions) or len(solution.submissions) != len(sessions):
        raise ValueError(f"the solution has {len(solution.tracks)} sessions; the instance has {len(sessions)}")
    for session, track_row, grid in zip(sessions, solution.tracks, solution.submissions, strict=True):
        if len(track_row) != len(rooms) or len(grid) != len(rooms):
            raise ValueError(f"session '{session.name}' does not have one entry per room ({len(rooms)})")
        if any(len(slots) != session.max_time_slots for slots in grid):
            raise ValueError(f"session '{session.name}' does not have {session.max_time_slots} time slots per room")
    rows: list[list[str | None]] = [[None, *(room.name for room in rooms)]]
    rows += [[session.name, *track_row] for session, track_row in zip(sessions, solution.tracks, strict=True)]
    rows.append([])
    for session, grid in zip(sessions, solution.submissions, strict=True):
        rows += [[session.name, *(slots[slot] for slots in grid)] for slot in range(session.max_time_slots)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SOLUTION_SHEET
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:
                cell = sheet.cell(row=number, column=column, value=value)
                cell.data_type = "s"  # text, even when it starts with '=' (openpyxl would take it for a formula)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook.save(buffer)
    return buffer.getvalue()

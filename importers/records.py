"""What the parsers hand to the application: plain records and problems, never database rows.

Every problem names where it is (file, sheet, row, column) with a machine
``code`` and a sentence for a person. A parser never raises on bad input: it
returns what it could read and every problem it found; the application
refuses to write anything while a problem remains.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

# A cell as read: text from CSV; text, numbers, booleans, dates and times from XLSX; lists and
# key=value maps where a column holds several values.
Scalar = str | int | float | bool | dt.date | dt.datetime | dt.time | None
Cell = Scalar | list[str] | dict[str, str]


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong with an input file, and where."""

    file: str
    code: str
    message: str
    sheet: str | None = None
    # 1-based, as a spreadsheet shows it (the header is row 1 in a table; a line number in other files).
    row: int | None = None
    # The column's header as written in the file (or a field of a structured document).
    column: str | None = None


# --- tables (CSV / XLSX) ----------------------------------------------------------------------------------------


class Row(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    # Canonical field name → value; a field whose cell is empty is absent.
    values: dict[str, Cell]


class Table(msgspec.Struct, frozen=True, kw_only=True):
    file: str
    sheet: str | None
    kind: str
    # Canonical field name → the header it was read from (for messages).
    columns: dict[str, str]
    # Headers in the file that no field of the kind uses (ignored, reported).
    ignored: list[str]
    rows: list[Row]
    # How the bytes were read: "xlsx", or the CSV encoding and delimiter ("utf-8-sig ;").
    read_as: str


class ParsedTable(msgspec.Struct, frozen=True, kw_only=True):
    table: Table | None
    problems: list[Problem]


# --- calendars (ICS) --------------------------------------------------------------------------------------------


class Busy(msgspec.Struct, frozen=True, kw_only=True):
    """A time a person is not free, clipped to the window asked for (UTC)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool
    # The event's UID and, for a recurring event, the occurrence's start (so re-imports match).
    uid: str
    recurrence: dt.datetime | None = None


class ParsedBusy(msgspec.Struct, frozen=True, kw_only=True):
    busy: list[Busy]
    problems: list[Problem]


# --- frab / c3voc schedules -------------------------------------------------------------------------------------


class FrabPerson(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    guid: str | None = None
    email: str | None = None


class FrabRoom(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    guid: str | None = None
    capacity: int | None = None


class FrabEvent(msgspec.Struct, frozen=True, kw_only=True):
    # The event's own identity in the source (guid if given, else its id): the external id to upsert by.
    key: str
    title: str
    room: str
    starts_at: dt.datetime  # aware
    duration_minutes: int
    track: str = ""
    type: str = ""
    subtitle: str = ""
    abstract: str = ""
    description: str = ""
    language: str = ""
    url: str = ""
    persons: list[FrabPerson] = msgspec.field(default_factory=list)
    # Where the event was found (JSON path or XML line) for messages.
    where: str = ""


class FrabSchedule(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    acronym: str
    time_zone: str | None
    first_day: dt.date
    last_day: dt.date
    rooms: list[FrabRoom]
    events: list[FrabEvent]
    source: Literal["json", "xml"]


class ParsedFrab(msgspec.Struct, frozen=True, kw_only=True):
    schedule: FrabSchedule | None
    problems: list[Problem]


# Limits every parser enforces before reading further.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

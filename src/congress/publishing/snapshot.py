"""What every export reads: a released programme as plain, immutable records.

Built from the published-event ledger (see ``ledger``), so every renderer
(iCal, frab JSON/XML, CSV/XLSX) sees the same events with the same stable
identities, and none of them touches the database.

Times are UTC-aware datetimes; ``time_zone`` is the congress's IANA zone for
rendering local times.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import msgspec

# What XML 1.0 and iCalendar TEXT cannot carry (the API refuses these; rows stored before that are cleaned).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` without the control characters no export format may carry."""
    return _CONTROL.sub("", text)


class RoomEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    capacity: int
    # Stable positive integer for formats that want one (frab room ids).
    number: int


class FacultyEntry(msgspec.Struct, frozen=True, kw_only=True):
    person_id: uuid.UUID
    name: str
    role: str
    institution: str = ""


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One run of one programme item, as the latest release shows it (or as it was before a release removed it)."""

    # Never changes for the same item run: "<item uuid>.<run>@<congress slug>.congress".
    uid: str
    # Stable positive integer per congress (frab event ids).
    number: int
    item_id: uuid.UUID
    run: int
    runs: int
    code: str | None
    kind: str
    title: str
    description: str
    topics: tuple[str, ...]
    room_id: uuid.UUID | None
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    faculty: tuple[FacultyEntry, ...]
    # Grows by one each release that changes what the event says (time, room, title, faculty) or cancels it.
    sequence: int
    cancelled: bool
    # When the release that last changed the event was made, and its number.
    changed_at: dt.datetime
    changed_in: int
    # A link back to the item in the API.
    url: str


class Programme(msgspec.Struct, frozen=True, kw_only=True):
    congress_id: uuid.UUID
    slug: str
    name: str
    venue: str
    city: str
    time_zone: str
    first_day: dt.date
    last_day: dt.date
    day_start: dt.time
    day_end: dt.time
    # The release the events come from.
    version: int
    released_at: dt.datetime
    # Public base URL of the installation, without a trailing slash.
    base_url: str
    rooms: tuple[RoomEntry, ...]
    # Sorted by start, then room, then uid; cancelled events included (``cancelled=True``).
    events: tuple[Event, ...]

    @property
    def live_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if not e.cancelled)

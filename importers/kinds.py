"""The tabular import kinds: which columns each has, under which header names.

Headers are matched by name, not position: case, spaces, hyphens and
underscores do not matter ("Duration (min)" is not "duration_minutes", so
common spellings are listed as aliases). The templates in
``docs/import-formats.md`` list the same columns.

A ``list`` column holds several values separated by ``;`` ("knee; MR"); a
``pairs`` column holds ``key=value`` entries separated by ``;``
("projector=1; ultrasound_station=8"). The parsers only split and trim; the
application checks types, vocabularies and references.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Shape = Literal["scalar", "list", "pairs"]


class Column(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    required: bool = False
    shape: Shape = "scalar"
    aliases: tuple[str, ...] = ()
    help: str = ""


def _c(field: str, help: str, *aliases: str, required: bool = False, shape: Shape = "scalar") -> Column:
    return Column(field=field, required=required, shape=shape, aliases=aliases, help=help)


KINDS: dict[str, tuple[Column, ...]] = {
    "rooms": (
        _c("name", "Unique in the congress; the key re-imports match on", "room", required=True),
        _c("capacity", "Seats (whole number)", "seats", required=True),
        _c("equipment", "e.g. projector=1; ultrasound_station=8", shape="pairs"),
        _c("notes", "Free text"),
    ),
    "people": (
        _c("email", "The key re-imports match on (compared lower-cased)", "mail", required=True),
        _c("name", "Full name as printed", "full name", required=True),
        _c("institution", "Hospital or university", "affiliation", "organisation", "organization"),
        _c("country", "ISO 3166 two-letter code, e.g. AT", "country code"),
    ),
    "memberships": (
        _c("email", "The member (a person known or in the people import)", "mail", required=True),
        _c("society", "ESR, ESSR, EFRS or other", required=True),
        _c("type", "full, in_training, corresponding, friend, honorary or retired", "membership type", required=True),
        _c("year", "The membership year", required=True),
    ),
    "registrations": (
        _c("email", "The registrant; key of re-imports", "mail", required=True),
        _c("category", "full, day, in_training, student, radiographer, faculty, exhibitor or press", required=True),
        _c("status", "active (default), pending or cancelled"),
        _c("registered_at", "When received, with a UTC offset: 2026-02-01T09:00:00+01:00", "registration date"),
        _c("name", "Creates the person when the e-mail is new", "full name"),
        _c("institution", "For a new person", "affiliation", "organisation", "organization"),
        _c("country", "For a new person: ISO two-letter code", "country code"),
    ),
    "items": (
        _c("code", "The organiser's reference, e.g. RC 1205; key of re-imports", "session code", required=True),
        _c("kind", "refresher_course, hands_on_workshop, … (see the API's ItemKind)", "type", required=True),
        _c("title", "As printed", required=True),
        _c("duration_minutes", "Length of one run in minutes", "duration", "minutes", required=True),
        _c("description", "Free text", "abstract"),
        _c("topics", "e.g. knee; MR", "topic", shape="list"),
        _c("expected_attendance", "Expected audience per run", "attendance"),
        _c("capacity", "Seats per run when limited (workshops)", "seats"),
        _c("runs", "How often the item is held (default 1)", "repeats"),
        _c("required_equipment", "e.g. ultrasound_station=8", "equipment", shape="pairs"),
        _c("series", "Name of a series whose parts follow each other"),
        _c("series_position", "Position in the series (1, 2, …)"),
        _c("follows", "Codes of items that must have ended before this one", shape="list"),
        _c("faculty", "e-mail or e-mail:role entries, e.g. a@x.org:chair; b@y.org", "speakers", shape="list"),
    ),
    "availability": (
        _c("email", "A person's window (give email or room)", "mail", "person"),
        _c("room", "A room's window (give email or room)"),
        _c("kind", "unavailable, available or preferred", required=True),
        _c("starts_at", "With a UTC offset: 2026-06-18T08:00:00+02:00", "start", "from", required=True),
        _c("ends_at", "With a UTC offset", "end", "until", "to", required=True),
        _c("reason", "Free text", "note"),
    ),
}


def normalise(header: str) -> str:
    """How headers are compared: case, spaces, hyphens and underscores do not matter."""
    return "".join(ch for ch in header.casefold() if ch not in " _-\t\u00a0")


def header_index(kind: str) -> dict[str, Column]:
    """Every accepted spelling of a kind's headers (normalised) → its column."""
    index: dict[str, Column] = {}
    for column in KINDS[kind]:
        for name in (column.field, *column.aliases):
            index[normalise(name)] = column
    return index

"""Payloads for imports: what would change (or changed), and every problem found."""

from __future__ import annotations

import enum

from congress.lib.errors import LocatedProblem
from congress.lib.schema import Struct


class ImportKind(enum.StrEnum):
    ROOMS = "rooms"
    PEOPLE = "people"
    MEMBERSHIPS = "memberships"
    REGISTRATIONS = "registrations"
    ITEMS = "items"
    AVAILABILITY = "availability"


class Placement(enum.StrEnum):
    """What a frab import does with the times it reads."""

    # Items only; the solver places them.
    NONE = "none"
    # Into the draft, unpinned: a minimal-change solve stays close to them.
    HINTS = "hints"
    # Into the draft, pinned: the solver keeps them.
    PINS = "pins"


class Counts(Struct):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Only when the import was asked to delete what the file no longer lists.
    deleted: int = 0


class ImportReport(Struct):
    """What an import did (or, for a dry run, would do), per kind of object."""

    file: str
    dry_run: bool
    # Whether anything was written (false for a dry run and whenever problems were found).
    written: bool
    # How the file was read ("csv utf-8-sig ;", "xlsx", "ics", "frab json").
    read_as: str
    rows: int
    counts: dict[str, Counts]
    ignored_columns: list[str]
    # Each located in the file: file, sheet, row, column, code, message.
    problems: list[LocatedProblem]

"""Payloads for schedule versions and assignments."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from congress.enums import VersionStatus
from congress.lib.schema import LongText, Struct

Run = Annotated[int, Meta(ge=1, le=20)]


class VersionCreate(Struct):
    """A new draft; optionally a copy of another version's assignments."""

    note: LongText = ""
    copy_from: uuid.UUID | None = None


class VersionUpdate(Struct):
    note: LongText | UnsetType = UNSET


class ReleaseRequest(Struct):
    note: LongText | UnsetType = UNSET
    # Release even though the independent validator finds broken hard rules.
    allow_violations: bool = False


class Place(Struct):
    room_id: uuid.UUID
    starts_at: dt.datetime


class RunAdded(Struct):
    item_id: uuid.UUID
    run: int
    after: Place


class RunRemoved(Struct):
    item_id: uuid.UUID
    run: int
    before: Place


class RunMoved(Struct):
    item_id: uuid.UUID
    run: int
    before: Place
    after: Place


class ReleaseDiff(Struct):
    """What a release changed against the release before it (``previous`` is None for the first)."""

    previous: int | None
    added: list[RunAdded]
    removed: list[RunRemoved]
    moved: list[RunMoved]
    unchanged: int


class VersionRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    status: VersionStatus
    number: int | None
    released_at: dt.datetime | None
    note: str
    assignment_count: int


class AssignmentCreate(Struct):
    """Place one run of an item; the end follows from the item's duration."""

    item_id: uuid.UUID
    room_id: uuid.UUID
    starts_at: dt.datetime
    run: Run = 1
    pinned: bool = False


class AssignmentUpdate(Struct):
    room_id: uuid.UUID | UnsetType = UNSET
    starts_at: dt.datetime | UnsetType = UNSET
    pinned: bool | UnsetType = UNSET


class AssignmentRead(Struct):
    id: uuid.UUID
    version_id: uuid.UUID
    item_id: uuid.UUID
    item_title: str
    run: int
    room_id: uuid.UUID
    room_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    pinned: bool

"""Payloads for programme items, their faculty and availability windows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from congress.domain.congresses.schemas import EquipmentCounts
from congress.enums import AvailabilityKind, FacultyRole, ItemKind
from congress.lib.schema import NO_CONTROL, LocalTime, LongText, Minutes, NonNegative, ShortText, Struct, Topic

ItemCode = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")]
Title = Annotated[str, Meta(min_length=1, max_length=300, pattern=NO_CONTROL)]
Topics = Annotated[list[Topic], Meta(max_length=20)]
Runs = Annotated[int, Meta(ge=1, le=20)]
SeriesPosition = Annotated[int, Meta(ge=1, le=100)]


class DayWindow(Struct):
    """A window on one day of the congress, in local time."""

    day: dt.date
    start: LocalTime
    end: LocalTime


Windows = Annotated[list[DayWindow], Meta(max_length=50)]
ItemRefs = Annotated[list[uuid.UUID], Meta(max_length=20)]


class ItemFields(Struct):
    """What every programme item states, whether sent to the API or in a bundle."""

    kind: ItemKind
    title: Title
    duration_minutes: Minutes
    description: LongText = ""
    topics: Topics = msgspec.field(default_factory=list)
    expected_attendance: NonNegative = 0
    capacity: NonNegative | None = None
    runs: Runs = 1
    required_equipment: EquipmentCounts = msgspec.field(default_factory=dict)
    allowed_windows: Windows = msgspec.field(default_factory=list)
    series: ShortText | None = None
    series_position: SeriesPosition | None = None


class ItemCreate(ItemFields):
    code: ItemCode | None = None
    # Items that must have ended before this one starts (part A before part B).
    follows: ItemRefs = msgspec.field(default_factory=list)


class ItemUpdate(Struct):
    kind: ItemKind | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    duration_minutes: Minutes | UnsetType = UNSET
    code: ItemCode | UnsetType | None = UNSET
    description: LongText | UnsetType = UNSET
    topics: Topics | UnsetType = UNSET
    expected_attendance: NonNegative | UnsetType = UNSET
    capacity: NonNegative | UnsetType | None = UNSET
    runs: Runs | UnsetType = UNSET
    required_equipment: EquipmentCounts | UnsetType = UNSET
    allowed_windows: Windows | UnsetType = UNSET
    series: ShortText | UnsetType | None = UNSET
    series_position: SeriesPosition | UnsetType | None = UNSET
    follows: ItemRefs | UnsetType = UNSET


class FacultyCreate(Struct):
    person_id: uuid.UUID
    role: FacultyRole


class FacultyRead(Struct):
    id: uuid.UUID
    item_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    role: FacultyRole


class ItemRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    code: str | None
    kind: ItemKind
    title: str
    description: str
    topics: list[str]
    duration_minutes: int
    expected_attendance: int
    capacity: int | None
    runs: int
    required_equipment: dict[str, int]
    allowed_windows: list[DayWindow]
    series: str | None
    series_position: int | None
    follows: list[uuid.UUID]
    faculty: list[FacultyRead]


class AvailabilityCreate(Struct):
    """A window for exactly one of ``person_id`` or ``room_id``; times carry a UTC offset."""

    kind: AvailabilityKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    person_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    reason: ShortText = ""


class AvailabilityUpdate(Struct):
    kind: AvailabilityKind | UnsetType = UNSET
    starts_at: dt.datetime | UnsetType = UNSET
    ends_at: dt.datetime | UnsetType = UNSET
    reason: ShortText | UnsetType = UNSET


class AvailabilityRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    person_id: uuid.UUID | None
    room_id: uuid.UUID | None
    kind: AvailabilityKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str

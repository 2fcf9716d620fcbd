"""Payloads for congresses and rooms."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from congress.enums import Equipment
from congress.lib.schema import NO_CONTROL, LocalTime, LongText, Name, NonNegative, ShortText, Slug, Struct

TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_CONTROL, examples=["Europe/Vienna"])]
EquipmentCounts = Annotated[dict[Equipment, NonNegative], Meta(max_length=len(Equipment))]


class BreakWindow(Struct):
    """A daily break in local time: nothing is scheduled across it."""

    start: LocalTime
    end: LocalTime
    label: ShortText = ""


class CmeSettings(Struct):
    """CME rules of the congress: how door scans become credits (see docs/cme.md)."""

    credits_per_hour: Annotated[float, Meta(gt=0, le=10)] = 1.0
    # Credits are rounded down to a multiple of this: 0.25, 0.5 or 1.
    rounding_step: float = 1.0
    # A cap for every day not in ``day_caps`` (None: no cap).
    daily_cap: Annotated[float, Meta(ge=0, le=24)] | None = None
    # Caps for particular days (ECR: 7 on the first day, 8, 8, 8, then 4).
    day_caps: dict[dt.date, Annotated[float, Meta(ge=0, le=24)]] = msgspec.field(default_factory=dict)
    half_day_cap: Annotated[float, Meta(ge=0, le=12)] | None = None
    # Where the morning ends and the afternoon begins, local time.
    half_day_split: LocalTime = "13:00"
    # A session counts when attended for strictly more than this share of it.
    majority: Annotated[float, Meta(ge=0, lt=1)] = 0.5
    # A scan this many minutes before a session starts counts as entering it.
    entry_tolerance_minutes: Annotated[int, Meta(ge=0, le=60)] = 15
    # Credit a session only once the attendee has evaluated it.
    evaluation_required: bool = False


class CongressCreate(Struct):
    slug: Slug
    name: Name
    time_zone: TimeZoneName
    first_day: dt.date
    last_day: dt.date
    venue: ShortText = ""
    city: ShortText = ""
    day_start: LocalTime = "08:00"
    day_end: LocalTime = "18:30"
    breaks: Annotated[list[BreakWindow], Meta(max_length=12)] = msgspec.field(default_factory=list)
    cme: CmeSettings = msgspec.field(default_factory=CmeSettings)
    description: LongText = ""


class CongressUpdate(Struct):
    name: Name | UnsetType = UNSET
    time_zone: TimeZoneName | UnsetType = UNSET
    first_day: dt.date | UnsetType = UNSET
    last_day: dt.date | UnsetType = UNSET
    venue: ShortText | UnsetType = UNSET
    city: ShortText | UnsetType = UNSET
    day_start: LocalTime | UnsetType = UNSET
    day_end: LocalTime | UnsetType = UNSET
    breaks: Annotated[list[BreakWindow], Meta(max_length=12)] | UnsetType = UNSET
    cme: CmeSettings | UnsetType = UNSET
    description: LongText | UnsetType = UNSET


class CongressRead(Struct):
    id: uuid.UUID
    slug: str
    name: str
    time_zone: str
    first_day: dt.date
    last_day: dt.date
    venue: str
    city: str
    day_start: str
    day_end: str
    breaks: list[BreakWindow]
    cme: CmeSettings
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RoomCreate(Struct):
    name: Name
    capacity: NonNegative
    equipment: EquipmentCounts = msgspec.field(default_factory=dict)
    notes: LongText = ""


class RoomUpdate(Struct):
    name: Name | UnsetType = UNSET
    capacity: NonNegative | UnsetType = UNSET
    equipment: EquipmentCounts | UnsetType = UNSET
    notes: LongText | UnsetType = UNSET


class RoomRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    name: str
    capacity: int
    equipment: dict[Equipment, int]
    notes: str

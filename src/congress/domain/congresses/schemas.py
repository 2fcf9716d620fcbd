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
    """CME rules of the congress (refined by the attendance work)."""

    credits_per_hour: Annotated[float, Meta(ge=0, le=10)] = 1.0
    daily_cap: Annotated[float, Meta(ge=0, le=24)] | None = None
    half_day_cap: Annotated[float, Meta(ge=0, le=12)] | None = None


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

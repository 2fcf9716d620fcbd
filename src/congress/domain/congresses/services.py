"""Rules for congresses and rooms."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Assignment, Congress, ProgrammeItem, Room, ScheduleVersion
from congress.domain.attendance.settings import cme_config
from congress.domain.congresses.schemas import (
    BreakWindow,
    CmeSettings,
    CongressCreate,
    CongressRead,
    CongressUpdate,
    RoomCreate,
    RoomRead,
    RoomUpdate,
)
from congress.enums import Equipment
from congress.lib.errors import Conflict, InvalidInput
from congress.lib.queries import (
    FIRST_YEAR,
    LAST_YEAR,
    changes,
    flush_or_conflict,
    get_or_404,
    hhmm,
    paginate,
    parse_hhmm,
    zone,
)
from congress.lib.security import Principal

MAX_CONGRESS_DAYS = 14


def congress_read(c: Congress) -> CongressRead:
    tz = zone(c.time_zone)
    return CongressRead(
        id=c.id,
        slug=c.slug,
        name=c.name,
        time_zone=c.time_zone,
        first_day=c.first_day,
        last_day=c.last_day,
        venue=c.venue,
        city=c.city,
        day_start=hhmm(c.day_start),
        day_end=hhmm(c.day_end),
        breaks=[msgspec.convert(b, BreakWindow) for b in c.breaks],
        cme=msgspec.convert(c.cme, CmeSettings),
        description=c.description,
        created_at=c.created_at.astimezone(tz),
        updated_at=c.updated_at.astimezone(tz),
    )


def checked_cme(settings: CmeSettings) -> dict[str, Any]:
    """CME settings as stored, once the rules accept them."""
    cme_config(settings)
    stored: dict[str, Any] = msgspec.to_builtins(settings)
    return stored


def room_read(r: Room) -> RoomRead:
    return RoomRead(
        id=r.id,
        congress_id=r.congress_id,
        name=r.name,
        capacity=r.capacity,
        equipment={Equipment(k): v for k, v in r.equipment.items()},
        notes=r.notes,
    )


def check_calendar(
    first_day: dt.date,
    last_day: dt.date,
    day_start: str,
    day_end: str,
    breaks: Sequence[BreakWindow],
) -> None:
    if not FIRST_YEAR <= first_day.year <= LAST_YEAR:
        raise InvalidInput(
            f"first_day must lie between the years {FIRST_YEAR} and {LAST_YEAR}",
            code="date_out_of_range",
            field="first_day",
        )
    if last_day < first_day:
        raise InvalidInput("last_day is before first_day", code="days_out_of_order", field="last_day")
    if (last_day - first_day).days + 1 > MAX_CONGRESS_DAYS:
        raise InvalidInput(
            f"A congress lasts at most {MAX_CONGRESS_DAYS} days",
            code="congress_too_long",
            field="last_day",
        )
    if parse_hhmm(day_end) <= parse_hhmm(day_start):
        raise InvalidInput("day_end must be after day_start", code="window_out_of_order", field="day_end")
    for b in breaks:
        if not (day_start <= b.start < b.end <= day_end):
            raise InvalidInput(
                f"Break {b.start}-{b.end} must lie inside the daily window {day_start}-{day_end}",
                code="break_outside_window",
                field="breaks",
            )
    ordered = sorted(breaks, key=lambda b: b.start)
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise InvalidInput("Breaks overlap", code="breaks_overlap", field="breaks")


def equipment_counts(counts: dict[Equipment, int]) -> dict[str, int]:
    """Equipment as stored: string keys, sorted, zero counts dropped."""
    return {str(k): v for k, v in sorted(counts.items()) if v > 0}


def new_congress(data: CongressCreate) -> Congress:
    return Congress(
        slug=data.slug,
        name=data.name,
        venue=data.venue,
        city=data.city,
        time_zone=data.time_zone,
        first_day=data.first_day,
        last_day=data.last_day,
        day_start=parse_hhmm(data.day_start),
        day_end=parse_hhmm(data.day_end),
        breaks=[msgspec.to_builtins(b) for b in data.breaks],
        cme=checked_cme(data.cme),
        description=data.description,
    )


def new_room(congress_id: uuid.UUID, data: RoomCreate) -> Room:
    return Room(
        congress_id=congress_id,
        name=data.name,
        capacity=data.capacity,
        equipment=equipment_counts(data.equipment),
        notes=data.notes,
    )


@dataclass(slots=True)
class CongressService:
    session: AsyncSession
    principal: Principal | None

    async def search(self, limit: int, offset: int, q: str | None) -> tuple[Sequence[Congress], int]:
        stmt = select(Congress).order_by(Congress.first_day.desc(), Congress.slug)
        if q:
            stmt = stmt.where(Congress.name.icontains(q, autoescape=True) | Congress.slug.icontains(q, autoescape=True))
        return await paginate(self.session, stmt, limit, offset)

    async def get(self, congress_id: uuid.UUID) -> Congress:
        return await get_or_404(self.session, Congress, congress_id)

    async def create(self, data: CongressCreate) -> Congress:
        zone(data.time_zone)
        check_calendar(data.first_day, data.last_day, data.day_start, data.day_end, data.breaks)
        exists = (await self.session.execute(select(Congress.id).where(Congress.slug == data.slug))).first()
        if exists:
            raise Conflict(f"A congress with slug '{data.slug}' exists", code="slug_taken")
        congress = new_congress(data)
        self.session.add(congress)
        await flush_or_conflict(self.session, "The congress")
        return congress

    async def update(self, congress_id: uuid.UUID, data: CongressUpdate) -> Congress:
        congress = await self.get(congress_id)
        values: dict[str, Any] = changes(data)
        if "time_zone" in values:
            zone(values["time_zone"])
        breaks = values.get("breaks", [msgspec.convert(b, BreakWindow) for b in congress.breaks])
        check_calendar(
            values.get("first_day", congress.first_day),
            values.get("last_day", congress.last_day),
            values.get("day_start", hhmm(congress.day_start)),
            values.get("day_end", hhmm(congress.day_end)),
            breaks,
        )
        if {"first_day", "last_day", "time_zone"} & values.keys():
            await self._programme_fits(
                congress,
                values.get("first_day", congress.first_day),
                values.get("last_day", congress.last_day),
                values.get("time_zone", congress.time_zone),
            )
        for key in ("day_start", "day_end"):
            if key in values:
                values[key] = parse_hhmm(values[key])
        if "breaks" in values:
            values["breaks"] = [msgspec.to_builtins(b) for b in values["breaks"]]
        if "cme" in values:
            values["cme"] = checked_cme(values["cme"])
        for key, value in values.items():
            setattr(congress, key, value)
        await flush_or_conflict(self.session, "The congress")
        return congress

    async def _programme_fits(self, congress: Congress, first_day: dt.date, last_day: dt.date, tz_name: str) -> None:
        """Moving the days (or the zone) must not strand allowed windows or placed runs."""
        tz = zone(tz_name)
        items = await self.session.execute(select(ProgrammeItem).where(ProgrammeItem.congress_id == congress.id))
        stranded = [
            i.code or i.title
            for i in items.scalars()
            if any(not first_day <= dt.date.fromisoformat(w["day"]) <= last_day for w in i.allowed_windows)
        ]
        placements = await self.session.execute(
            select(Assignment.starts_at, Assignment.ends_at)
            .join(ScheduleVersion, ScheduleVersion.id == Assignment.version_id)
            .where(ScheduleVersion.congress_id == congress.id)
        )
        runs = sum(
            1
            for start, end in placements.tuples()
            if not first_day <= start.astimezone(tz).date() <= end.astimezone(tz).date() <= last_day
        )
        if stranded or runs:
            parts = []
            if stranded:
                parts.append(f"allowed windows of {', '.join(sorted(stranded)[:10])}")
            if runs:
                parts.append(f"{runs} placed run(s)")
            raise Conflict(
                f"The new days would leave {' and '.join(parts)} outside the congress", code="programme_outside_days"
            )

    async def delete(self, congress_id: uuid.UUID) -> None:
        congress = await self.get(congress_id)
        await self.session.delete(congress)
        await flush_or_conflict(self.session, "Deleting the congress")


@dataclass(slots=True)
class RoomService:
    session: AsyncSession
    principal: Principal | None

    async def search(
        self,
        congress_id: uuid.UUID,
        limit: int,
        offset: int,
        min_capacity: int | None = None,
        equipment: Equipment | None = None,
    ) -> tuple[Sequence[Room], int]:
        await get_or_404(self.session, Congress, congress_id)
        stmt = select(Room).where(Room.congress_id == congress_id).order_by(Room.name)
        if min_capacity is not None:
            stmt = stmt.where(Room.capacity >= min_capacity)
        # Rooms of one congress are few (tens); equipment lives in a JSON column, filtered here portably.
        rows = list((await self.session.execute(stmt)).scalars())
        if equipment is not None:
            rows = [r for r in rows if r.equipment.get(str(equipment), 0) > 0]
        return rows[offset : offset + limit], len(rows)

    async def get(self, congress_id: uuid.UUID, room_id: uuid.UUID) -> Room:
        return await get_or_404(self.session, Room, room_id, Room.congress_id == congress_id)

    async def _name_free(self, congress_id: uuid.UUID, name: str, room_id: uuid.UUID | None = None) -> None:
        stmt = select(Room.id).where(Room.congress_id == congress_id, Room.name == name)
        if room_id is not None:
            stmt = stmt.where(Room.id != room_id)
        if (await self.session.execute(stmt)).first():
            raise Conflict(f"A room named '{name}' exists in this congress", code="room_name_taken")

    async def create(self, congress_id: uuid.UUID, data: RoomCreate) -> Room:
        await get_or_404(self.session, Congress, congress_id)
        await self._name_free(congress_id, data.name)
        room = new_room(congress_id, data)
        self.session.add(room)
        await flush_or_conflict(self.session, "The room")
        return room

    async def update(self, congress_id: uuid.UUID, room_id: uuid.UUID, data: RoomUpdate) -> Room:
        room = await self.get(congress_id, room_id)
        values = changes(data)
        if "name" in values:
            await self._name_free(congress_id, values["name"], room_id)
        if "equipment" in values:
            values["equipment"] = equipment_counts(values["equipment"])
        for key, value in values.items():
            setattr(room, key, value)
        await flush_or_conflict(self.session, "The room")
        return room

    async def delete(self, congress_id: uuid.UUID, room_id: uuid.UUID) -> None:
        room = await self.get(congress_id, room_id)
        await self.session.delete(room)
        await flush_or_conflict(self.session, "Deleting the room (it is used in a schedule version)")

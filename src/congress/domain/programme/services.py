"""Rules for programme items, their faculty and order, and availability windows."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import (
    Assignment,
    Availability,
    Congress,
    FacultyLink,
    ItemPrecedence,
    Person,
    ProgrammeItem,
    Room,
    ScheduleVersion,
)
from congress.domain.congresses.services import equipment_counts
from congress.domain.programme.schemas import (
    AvailabilityCreate,
    AvailabilityRead,
    AvailabilityUpdate,
    DayWindow,
    FacultyCreate,
    FacultyRead,
    ItemCreate,
    ItemFields,
    ItemRead,
    ItemUpdate,
)
from congress.enums import AvailabilityKind, FacultyRole, ItemKind, VersionStatus
from congress.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from congress.lib.queries import aware_utc, changes, flush_or_conflict, get_or_404, hhmm, paginate, paginate_rows, zone
from congress.lib.security import Principal

MAX_WINDOW = dt.timedelta(days=31)


def _check_windows(congress: Congress, windows: Iterable[DayWindow], duration_minutes: int) -> None:
    day_start, day_end = hhmm(congress.day_start), hhmm(congress.day_end)
    for w in windows:
        if not congress.first_day <= w.day <= congress.last_day:
            raise InvalidInput(
                f"Allowed window on {w.day} is outside the congress days",
                code="window_outside_congress",
                field="allowed_windows",
            )
        if w.end <= w.start:
            raise InvalidInput(
                f"Allowed window {w.start}-{w.end} ends before it starts",
                code="window_out_of_order",
                field="allowed_windows",
            )
        if not day_start <= w.start < w.end <= day_end:
            raise InvalidInput(
                f"Allowed window {w.start}-{w.end} lies outside the programme day {day_start}-{day_end}",
                code="window_outside_day",
                field="allowed_windows",
            )
        if _minutes(w.end) - _minutes(w.start) < duration_minutes:
            raise InvalidInput(
                f"Allowed window {w.start}-{w.end} is shorter than the item ({duration_minutes} min)",
                code="window_too_short",
                field="allowed_windows",
            )


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def check_item(
    congress: Congress,
    kind: ItemKind,
    duration_minutes: int,
    capacity: int | None,
    windows: Iterable[DayWindow],
    series: str | None,
    series_position: int | None,
) -> None:
    _check_windows(congress, windows, duration_minutes)
    if kind is ItemKind.HANDS_ON_WORKSHOP and not capacity:
        raise InvalidInput(
            "A hands-on workshop needs a capacity (stations x trainees per station)",
            code="workshop_capacity_required",
            field="capacity",
        )
    if series_position is not None and not series:
        raise InvalidInput("series_position needs a series", code="series_required", field="series")


def item_fields(data: ItemFields) -> dict[str, Any]:
    """The stored columns of an item, normalised (unique topics, positive equipment counts)."""
    return {
        "kind": data.kind,
        "title": data.title,
        "description": data.description,
        "topics": list(dict.fromkeys(data.topics)),
        "duration_minutes": data.duration_minutes,
        "expected_attendance": data.expected_attendance,
        "capacity": data.capacity,
        "runs": data.runs,
        "required_equipment": equipment_counts(data.required_equipment),
        "allowed_windows": [msgspec.to_builtins(w) for w in data.allowed_windows],
        "series": data.series,
        "series_position": data.series_position,
    }


@dataclass(slots=True)
class ItemService:
    session: AsyncSession
    principal: Principal | None

    async def _congress(self, congress_id: uuid.UUID) -> Congress:
        return await get_or_404(self.session, Congress, congress_id)

    async def reads(self, items: Sequence[ProgrammeItem]) -> list[ItemRead]:
        """Items with their faculty and predecessors, in two queries for the whole page."""
        ids = [i.id for i in items]
        faculty: dict[uuid.UUID, list[FacultyRead]] = defaultdict(list)
        follows: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        if ids:
            links = await self.session.execute(
                select(FacultyLink, Person.name)
                .join(Person, Person.id == FacultyLink.person_id)
                .where(FacultyLink.item_id.in_(ids))
                .order_by(FacultyLink.role, Person.name)
            )
            for link, name in links.tuples():
                faculty[link.item_id].append(faculty_read(link, name))
            precedences = await self.session.execute(
                select(ItemPrecedence).where(ItemPrecedence.after_id.in_(ids)).order_by(ItemPrecedence.before_id)
            )
            for p in precedences.scalars():
                follows[p.after_id].append(p.before_id)
        return [
            ItemRead(
                id=i.id,
                congress_id=i.congress_id,
                code=i.code,
                kind=i.kind,
                title=i.title,
                description=i.description,
                topics=list(i.topics),
                duration_minutes=i.duration_minutes,
                expected_attendance=i.expected_attendance,
                capacity=i.capacity,
                runs=i.runs,
                required_equipment=dict(i.required_equipment),
                allowed_windows=[msgspec.convert(w, DayWindow) for w in i.allowed_windows],
                series=i.series,
                series_position=i.series_position,
                follows=follows[i.id],
                faculty=faculty[i.id],
            )
            for i in items
        ]

    async def search(
        self,
        congress_id: uuid.UUID,
        limit: int,
        offset: int,
        kind: ItemKind | None = None,
        topic: str | None = None,
        q: str | None = None,
        person_id: uuid.UUID | None = None,
    ) -> tuple[list[ItemRead], int]:
        await self._congress(congress_id)
        stmt = select(ProgrammeItem).where(ProgrammeItem.congress_id == congress_id)
        if kind is not None:
            stmt = stmt.where(ProgrammeItem.kind == kind)
        if q:
            stmt = stmt.where(
                ProgrammeItem.title.icontains(q, autoescape=True) | ProgrammeItem.code.icontains(q, autoescape=True)
            )
        if person_id is not None:
            stmt = stmt.where(
                ProgrammeItem.id.in_(select(FacultyLink.item_id).where(FacultyLink.person_id == person_id))
            )
        stmt = stmt.order_by(ProgrammeItem.code, ProgrammeItem.title, ProgrammeItem.id)
        if topic:
            # Topics are a JSON list; filter in Python to stay portable across databases.
            rows = [i for i in (await self.session.execute(stmt)).scalars() if topic in i.topics]
            return await self.reads(rows[offset : offset + limit]), len(rows)
        rows_page, total = await paginate(self.session, stmt, limit, offset)
        return await self.reads(rows_page), total

    async def get_row(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> ProgrammeItem:
        return await get_or_404(self.session, ProgrammeItem, item_id, ProgrammeItem.congress_id == congress_id)

    async def get(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> ItemRead:
        return (await self.reads([await self.get_row(congress_id, item_id)]))[0]

    async def _code_free(self, congress_id: uuid.UUID, code: str | None, item_id: uuid.UUID | None = None) -> None:
        if code is None:
            return
        stmt = select(ProgrammeItem.id).where(ProgrammeItem.congress_id == congress_id, ProgrammeItem.code == code)
        if item_id is not None:
            stmt = stmt.where(ProgrammeItem.id != item_id)
        if (await self.session.execute(stmt)).first():
            raise Conflict(f"Another item has the code '{code}'", code="item_code_taken")

    async def _set_follows(self, congress_id: uuid.UUID, item_id: uuid.UUID, before_ids: list[uuid.UUID]) -> None:
        # Serialise order changes per congress, so two concurrent edits cannot close a cycle together.
        await self.session.execute(select(Congress.id).where(Congress.id == congress_id).with_for_update())
        unique = list(dict.fromkeys(before_ids))
        if item_id in unique:
            raise InvalidInput("An item cannot follow itself", code="precedence_cycle", field="follows")
        if unique:
            found = set(
                (
                    await self.session.execute(
                        select(ProgrammeItem.id).where(
                            ProgrammeItem.id.in_(unique), ProgrammeItem.congress_id == congress_id
                        )
                    )
                ).scalars()
            )
            missing = [str(i) for i in unique if i not in found]
            if missing:
                raise InvalidInput(
                    f"follows names items not in this congress: {', '.join(missing)}",
                    code="unknown_item",
                    field="follows",
                )
        await self.session.execute(delete(ItemPrecedence).where(ItemPrecedence.after_id == item_id))
        edges = (
            (
                await self.session.execute(
                    select(ItemPrecedence.before_id, ItemPrecedence.after_id)
                    .join(ProgrammeItem, ProgrammeItem.id == ItemPrecedence.after_id)
                    .where(ProgrammeItem.congress_id == congress_id)
                )
            )
            .tuples()
            .all()
        )
        graph: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for before, after in edges:
            graph[before].append(after)
        # Adding before -> item closes a cycle if item already reaches before.
        reachable, stack = set(), [item_id]
        while stack:
            node = stack.pop()
            for nxt in graph[node]:
                if nxt not in reachable:
                    reachable.add(nxt)
                    stack.append(nxt)
        cyclic = [str(b) for b in unique if b in reachable]
        if cyclic:
            raise InvalidInput(
                f"follows would make a cycle through {', '.join(cyclic)}",
                code="precedence_cycle",
                field="follows",
            )
        for before in unique:
            self.session.add(ItemPrecedence(before_id=before, after_id=item_id))

    async def create(self, congress_id: uuid.UUID, data: ItemCreate) -> ItemRead:
        congress = await self._congress(congress_id)
        check_item(
            congress,
            data.kind,
            data.duration_minutes,
            data.capacity,
            data.allowed_windows,
            data.series,
            data.series_position,
        )
        await self._code_free(congress_id, data.code)
        item = ProgrammeItem(congress_id=congress_id, code=data.code, **item_fields(data))
        self.session.add(item)
        await flush_or_conflict(self.session, "The item")
        await self._set_follows(congress_id, item.id, data.follows)
        await flush_or_conflict(self.session, "The item's order")
        return await self.get(congress_id, item.id)

    async def update(self, congress_id: uuid.UUID, item_id: uuid.UUID, data: ItemUpdate) -> ItemRead:
        congress = await self._congress(congress_id)
        item = await self.get_row(congress_id, item_id)
        values = changes(data)
        follows = values.pop("follows", None)
        if "code" in values:
            await self._code_free(congress_id, values["code"], item_id)
        if "required_equipment" in values:
            values["required_equipment"] = equipment_counts(values["required_equipment"])
        windows = values.get("allowed_windows", [msgspec.convert(w, DayWindow) for w in item.allowed_windows])
        check_item(
            congress,
            values.get("kind", item.kind),
            values.get("duration_minutes", item.duration_minutes),
            values.get("capacity", item.capacity),
            windows,
            values.get("series", item.series),
            values.get("series_position", item.series_position),
        )
        await self._keep_placements(item, values.get("runs", item.runs), values.get("duration_minutes"))
        if "allowed_windows" in values:
            values["allowed_windows"] = [msgspec.to_builtins(w) for w in values["allowed_windows"]]
        if "topics" in values:
            values["topics"] = list(dict.fromkeys(values["topics"]))
        for key, value in values.items():
            setattr(item, key, value)
        if follows is not None:
            await self._set_follows(congress_id, item_id, follows)
        await flush_or_conflict(self.session, "The item")
        return await self.get(congress_id, item_id)

    async def _released_in(self, item_id: uuid.UUID) -> list[int]:
        """Numbers of the released versions that place this item."""
        numbers = await self.session.execute(
            select(ScheduleVersion.number)
            .join(Assignment, Assignment.version_id == ScheduleVersion.id)
            .where(Assignment.item_id == item_id, ScheduleVersion.status == VersionStatus.RELEASED)
            .distinct()
            .order_by(ScheduleVersion.number)
        )
        return [n for n in numbers.scalars() if n is not None]

    async def _keep_placements(self, item: ProgrammeItem, runs: int, duration: int | None) -> None:
        """Released versions never change; draft placements follow a new duration."""
        duration_changes = duration is not None and duration != item.duration_minutes
        if runs < item.runs or duration_changes:
            released = await self._released_in(item.id)
            if released:
                raise Conflict(
                    f"The item is placed in released version(s) {', '.join(map(str, released))}; "
                    "its runs and duration cannot change. Copy it into a new item instead.",
                    code="item_in_release",
                )
        placed = (
            await self.session.execute(select(func.max(Assignment.run)).where(Assignment.item_id == item.id))
        ).scalar_one_or_none()
        if placed is not None and runs < placed:
            raise Conflict(
                f"Run {placed} of the item is placed in a draft; remove it before reducing runs to {runs}",
                code="runs_placed",
            )
        if duration_changes and duration is not None:
            placements = await self.session.execute(select(Assignment).where(Assignment.item_id == item.id))
            for placement in placements.scalars():
                placement.ends_at = placement.starts_at + dt.timedelta(minutes=duration)

    async def delete(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> None:
        item = await self.get_row(congress_id, item_id)
        released = await self._released_in(item.id)
        if released:
            raise Conflict(
                f"The item is placed in released version(s) {', '.join(map(str, released))}; "
                "remove it from a new draft and release that instead",
                code="item_in_release",
            )
        await self.session.delete(item)
        await flush_or_conflict(self.session, "Deleting the item")


def faculty_read(link: FacultyLink, person_name: str) -> FacultyRead:
    return FacultyRead(
        id=link.id,
        item_id=link.item_id,
        person_id=link.person_id,
        person_name=person_name,
        role=link.role,
    )


@dataclass(slots=True)
class FacultyService:
    session: AsyncSession
    principal: Principal | None

    async def _item(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> ProgrammeItem:
        return await get_or_404(self.session, ProgrammeItem, item_id, ProgrammeItem.congress_id == congress_id)

    async def search(
        self,
        congress_id: uuid.UUID,
        item_id: uuid.UUID,
        limit: int,
        offset: int,
        role: FacultyRole | None,
    ) -> tuple[list[FacultyRead], int]:
        await self._item(congress_id, item_id)
        stmt = (
            select(FacultyLink, Person.name)
            .join(Person, Person.id == FacultyLink.person_id)
            .where(FacultyLink.item_id == item_id)
            .order_by(FacultyLink.role, Person.name, FacultyLink.id)
        )
        if role is not None:
            stmt = stmt.where(FacultyLink.role == role)
        rows, total = await paginate_rows(self.session, stmt, limit, offset)
        return [faculty_read(link, name) for link, name in rows], total

    async def get(self, congress_id: uuid.UUID, item_id: uuid.UUID, link_id: uuid.UUID) -> FacultyRead:
        await self._item(congress_id, item_id)
        row = (
            (
                await self.session.execute(
                    select(FacultyLink, Person.name)
                    .join(Person, Person.id == FacultyLink.person_id)
                    .where(FacultyLink.id == link_id, FacultyLink.item_id == item_id)
                )
            )
            .tuples()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"No faculty link with id {link_id}")
        return faculty_read(*row)

    async def create(self, congress_id: uuid.UUID, item_id: uuid.UUID, data: FacultyCreate) -> FacultyRead:
        await self._item(congress_id, item_id)
        person = await get_or_404(self.session, Person, data.person_id)
        clash = select(FacultyLink.id).where(
            FacultyLink.item_id == item_id,
            FacultyLink.person_id == data.person_id,
            FacultyLink.role == data.role,
        )
        if (await self.session.execute(clash)).first():
            raise Conflict(f"{person.name} is already {data.role} of this item", code="faculty_exists")
        link = FacultyLink(item_id=item_id, person_id=data.person_id, role=data.role)
        self.session.add(link)
        await flush_or_conflict(self.session, "The faculty link")
        return faculty_read(link, person.name)

    async def delete(self, congress_id: uuid.UUID, item_id: uuid.UUID, link_id: uuid.UUID) -> None:
        await self._item(congress_id, item_id)
        link = await get_or_404(self.session, FacultyLink, link_id, FacultyLink.item_id == item_id)
        await self.session.delete(link)
        await flush_or_conflict(self.session, "Deleting the faculty link")


def availability_read(a: Availability, tz: zoneinfo.ZoneInfo) -> AvailabilityRead:
    return AvailabilityRead(
        id=a.id,
        congress_id=a.congress_id,
        person_id=a.person_id,
        room_id=a.room_id,
        kind=a.kind,
        starts_at=a.starts_at.astimezone(tz),
        ends_at=a.ends_at.astimezone(tz),
        reason=a.reason,
    )


def own_availability(principal: Principal | None) -> ColumnElement[bool]:
    """Organisers see every window; anyone else only their own person's."""
    if principal is not None and principal.is_organiser:
        return true()
    if principal is None or principal.person_id is None:
        return Availability.id.is_(None)
    return Availability.person_id == principal.person_id


def check_span(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start, end = aware_utc(starts_at, "starts_at"), aware_utc(ends_at, "ends_at")
    if end <= start:
        raise InvalidInput("ends_at must be after starts_at", code="window_out_of_order", field="ends_at")
    if end - start > MAX_WINDOW:
        raise InvalidInput("A window spans at most 31 days", code="window_too_long", field="ends_at")
    return start, end


@dataclass(slots=True)
class AvailabilityService:
    session: AsyncSession
    principal: Principal | None

    async def zone_of(self, congress_id: uuid.UUID) -> zoneinfo.ZoneInfo:
        congress = await get_or_404(self.session, Congress, congress_id)
        return zone(congress.time_zone)

    async def search(
        self,
        congress_id: uuid.UUID,
        limit: int,
        offset: int,
        person_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        kind: AvailabilityKind | None = None,
    ) -> tuple[list[AvailabilityRead], int]:
        tz = await self.zone_of(congress_id)
        stmt = (
            select(Availability)
            .where(Availability.congress_id == congress_id, own_availability(self.principal))
            .order_by(Availability.starts_at, Availability.id)
        )
        if person_id is not None:
            stmt = stmt.where(Availability.person_id == person_id)
        if room_id is not None:
            stmt = stmt.where(Availability.room_id == room_id)
        if kind is not None:
            stmt = stmt.where(Availability.kind == kind)
        rows, total = await paginate(self.session, stmt, limit, offset)
        return [availability_read(a, tz) for a in rows], total

    async def _row(self, congress_id: uuid.UUID, availability_id: uuid.UUID) -> Availability:
        return await get_or_404(
            self.session,
            Availability,
            availability_id,
            Availability.congress_id == congress_id,
            own_availability(self.principal),
        )

    async def get(self, congress_id: uuid.UUID, availability_id: uuid.UUID) -> AvailabilityRead:
        tz = await self.zone_of(congress_id)
        return availability_read(await self._row(congress_id, availability_id), tz)

    async def create(self, congress_id: uuid.UUID, data: AvailabilityCreate) -> AvailabilityRead:
        tz = await self.zone_of(congress_id)
        if (data.person_id is None) == (data.room_id is None):
            raise InvalidInput(
                "Give exactly one of person_id or room_id",
                code="one_owner_required",
                field="person_id",
            )
        principal = self.principal
        own = principal is not None and data.room_id is None and data.person_id == principal.person_id
        if not (principal is not None and principal.is_organiser) and not own:
            raise Forbidden("You may only record your own availability", code="not_own_availability")
        if data.person_id is not None:
            await get_or_404(self.session, Person, data.person_id)
        if data.room_id is not None:
            await get_or_404(self.session, Room, data.room_id, Room.congress_id == congress_id)
        start, end = check_span(data.starts_at, data.ends_at)
        row = Availability(
            congress_id=congress_id,
            person_id=data.person_id,
            room_id=data.room_id,
            kind=data.kind,
            starts_at=start,
            ends_at=end,
            reason=data.reason,
        )
        self.session.add(row)
        await flush_or_conflict(self.session, "The availability window")
        return availability_read(row, tz)

    async def update(
        self, congress_id: uuid.UUID, availability_id: uuid.UUID, data: AvailabilityUpdate
    ) -> AvailabilityRead:
        tz = await self.zone_of(congress_id)
        row = await self._row(congress_id, availability_id)
        values = changes(data)
        start, end = check_span(values.pop("starts_at", row.starts_at), values.pop("ends_at", row.ends_at))
        row.starts_at, row.ends_at = start, end
        for key, value in values.items():
            setattr(row, key, value)
        await flush_or_conflict(self.session, "The availability window")
        return availability_read(row, tz)

    async def delete(self, congress_id: uuid.UUID, availability_id: uuid.UUID) -> None:
        row = await self._row(congress_id, availability_id)
        await self.session.delete(row)
        await flush_or_conflict(self.session, "Deleting the availability window")

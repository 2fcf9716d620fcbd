"""The database ⇄ engine boundary: rows in, an ``Instance`` out, and back.

The engine counts integer minutes from local midnight of the congress's first
day (taken as a UTC instant, so a daylight-saving change inside the congress is
handled here once), and names everything by small integers. ``Mapping`` keeps
the way back to database ids and datetimes.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from congress.enums import AvailabilityKind, VersionStatus
from congress.lib.queries import parse_hhmm
from solver.model import Day, Instance, Item, Placement, Precedence, Window
from solver.model import Person as SolverPerson
from solver.model import Room as SolverRoom
from solver.prep import merged

# Runs start on a 15-minute grid unless a solve asks for another one.
DEFAULT_STEP = 15
# Minutes a speaker needs to change rooms.
DEFAULT_CHANGEOVER = 10


@dataclass
class Mapping:
    """Integer ids of the engine ⇄ database ids, and minutes ⇄ datetimes."""

    origin: dt.datetime
    tz: zoneinfo.ZoneInfo
    items: dict[uuid.UUID, int] = field(default_factory=dict)
    rooms: dict[uuid.UUID, int] = field(default_factory=dict)
    people: dict[uuid.UUID, int] = field(default_factory=dict)
    durations: dict[uuid.UUID, int] = field(default_factory=dict)

    @property
    def item_ids(self) -> dict[int, uuid.UUID]:
        return {v: k for k, v in self.items.items()}

    @property
    def room_ids(self) -> dict[int, uuid.UUID]:
        return {v: k for k, v in self.rooms.items()}

    @property
    def person_ids(self) -> dict[int, uuid.UUID]:
        return {v: k for k, v in self.people.items()}

    def minute(self, moment: dt.datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def moment(self, minute: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=minute)

    def placement(self, a: Assignment) -> Placement:
        return Placement(
            item=self.items[a.item_id], run=a.run, room=self.rooms[a.room_id], start=self.minute(a.starts_at)
        )


def _local(day: dt.date, clock: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(dt.UTC)


def _days(congress: Congress) -> list[dt.date]:
    n = (congress.last_day - congress.first_day).days + 1
    return [congress.first_day + dt.timedelta(days=i) for i in range(n)]


def _complement(windows: list[Window], days: list[Day]) -> list[Window]:
    """The parts of the programme days outside ``windows``."""
    out: list[Window] = []
    for day in days:
        cursor = day.start
        for w in sorted(windows, key=lambda w: w.start):
            if w.end <= cursor or w.start >= day.end:
                continue
            if w.start > cursor:
                out.append(Window(start=cursor, end=w.start))
            cursor = max(cursor, w.end)
        if cursor < day.end:
            out.append(Window(start=cursor, end=day.end))
    return out


def _availability(rows: Sequence[Availability], mapping: Mapping, days: list[Day]) -> tuple[list[Window], list[Window]]:
    """(unavailable, preferred) windows from one owner's rows; declared availability closes the rest."""
    kinds: dict[AvailabilityKind, list[Window]] = defaultdict(list)
    for a in rows:
        kinds[a.kind].append(Window(start=mapping.minute(a.starts_at), end=mapping.minute(a.ends_at)))
    unavailable = list(kinds[AvailabilityKind.UNAVAILABLE])
    if kinds[AvailabilityKind.AVAILABLE]:
        unavailable += _complement(kinds[AvailabilityKind.AVAILABLE], days)
    return merged(unavailable), merged(kinds[AvailabilityKind.PREFERRED])


def _seats(item: ProgrammeItem) -> int:
    return item.capacity if item.capacity is not None else item.expected_attendance


def latest_release(session: Session, congress_id: uuid.UUID) -> ScheduleVersion | None:
    return session.scalars(
        select(ScheduleVersion)
        .where(ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED)
        .order_by(ScheduleVersion.number.desc())
        .limit(1)
    ).first()


def draft_of(session: Session, congress_id: uuid.UUID, *, lock: bool = False) -> ScheduleVersion | None:
    """The congress's draft; with ``lock``, held until the transaction ends (edits and releases wait)."""
    stmt = select(ScheduleVersion).where(
        ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.DRAFT
    )
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def assignments_of(session: Session, version_id: uuid.UUID) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.version_id == version_id)))


def build_instance(
    session: Session,
    congress_id: uuid.UUID,
    *,
    pins: Sequence[Assignment] = (),
    previous: Sequence[Assignment] = (),
    step: int = DEFAULT_STEP,
    changeover: int = DEFAULT_CHANGEOVER,
) -> tuple[Instance, Mapping]:
    congress = session.get_one(Congress, congress_id)
    tz = zoneinfo.ZoneInfo(congress.time_zone)
    mapping = Mapping(origin=_local(congress.first_day, dt.time(0, 0), tz), tz=tz)

    days: list[Day] = []
    breaks: list[Window] = []
    opening = congress.day_start.hour * 60 + congress.day_start.minute
    for d in _days(congress):
        opens = mapping.minute(_local(d, congress.day_start, tz))
        days.append(
            Day(
                start=opens,
                end=mapping.minute(_local(d, congress.day_end, tz)),
                # Where the local clock of the programme hours reads 00:00 (on the night the clocks
                # change this is an hour away from the real midnight, so times still read right).
                midnight=opens - opening,
                label=d.strftime("%a %d %b"),
            )
        )
        for b in congress.breaks:
            begins, ends = _local(d, parse_hhmm(b["start"]), tz), _local(d, parse_hhmm(b["end"]), tz)
            breaks.append(Window(start=mapping.minute(begins), end=mapping.minute(ends)))

    availability = list(session.scalars(select(Availability).where(Availability.congress_id == congress_id)))
    by_room: dict[uuid.UUID, list[Availability]] = defaultdict(list)
    by_person: dict[uuid.UUID, list[Availability]] = defaultdict(list)
    for a in availability:
        if a.room_id is not None:
            by_room[a.room_id].append(a)
        elif a.person_id is not None:
            by_person[a.person_id].append(a)

    rooms: list[SolverRoom] = []
    for n, room in enumerate(
        session.scalars(select(Room).where(Room.congress_id == congress_id).order_by(Room.name, Room.id)), start=1
    ):
        mapping.rooms[room.id] = n
        closed, _ = _availability(by_room.get(room.id, []), mapping, days)
        rooms.append(
            SolverRoom(
                id=n,
                name=room.name,
                capacity=room.capacity,
                equipment={k: v for k, v in room.equipment.items() if v > 0},
                unavailable=closed,
            )
        )

    item_rows = list(
        session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.congress_id == congress_id)
            .order_by(ProgrammeItem.code, ProgrammeItem.title, ProgrammeItem.id)
        )
    )
    for n, row in enumerate(item_rows, start=1):
        mapping.items[row.id] = n
        mapping.durations[row.id] = row.duration_minutes
    faculty: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if item_rows:
        links = session.execute(
            select(FacultyLink.item_id, FacultyLink.person_id)
            .join(ProgrammeItem, ProgrammeItem.id == FacultyLink.item_id)
            .where(ProgrammeItem.congress_id == congress_id)
        ).tuples()
        for item_id, person_id in links:
            faculty[item_id].add(person_id)

    teaching = sorted({p for ps in faculty.values() for p in ps})
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(teaching))).tuples().all())
    people: list[SolverPerson] = []
    for n, person_id in enumerate(teaching, start=1):
        mapping.people[person_id] = n
        away, wished = _availability(by_person.get(person_id, []), mapping, days)
        people.append(SolverPerson(id=n, name=names.get(person_id, str(person_id)), unavailable=away, preferred=wished))

    items: list[Item] = []
    for row in item_rows:
        windows = [_window(w, tz, mapping) for w in row.allowed_windows]
        items.append(
            Item(
                id=mapping.items[row.id],
                title=row.title,
                code=row.code or "",
                duration=row.duration_minutes,
                seats=_seats(row),
                runs=row.runs,
                equipment={k: v for k, v in row.required_equipment.items() if v > 0},
                windows=windows,
                faculty=sorted(mapping.people[p] for p in faculty.get(row.id, set())),
                topics=sorted(set(row.topics)),
                series=row.series,
                series_position=row.series_position,
                people=row.expected_attendance,
            )
        )

    precedences = [
        Precedence(before=mapping.items[b], after=mapping.items[a], gap=g)
        for b, a, g in session.execute(
            select(ItemPrecedence.before_id, ItemPrecedence.after_id, ItemPrecedence.min_gap_minutes).where(
                ItemPrecedence.before_id.in_(list(mapping.items))
            )
        ).tuples()
        if b in mapping.items and a in mapping.items
    ]

    instance = Instance(
        days=days,
        rooms=rooms,
        items=items,
        people=people,
        breaks=breaks,
        precedences=precedences,
        pins=[mapping.placement(a) for a in pins if a.item_id in mapping.items and a.room_id in mapping.rooms],
        previous=[mapping.placement(a) for a in previous if a.item_id in mapping.items and a.room_id in mapping.rooms],
        step=step,
        changeover=changeover,
    )
    return instance, mapping


def _window(raw: dict[str, Any], tz: zoneinfo.ZoneInfo, mapping: Mapping) -> Window:
    day = dt.date.fromisoformat(raw["day"])
    start = _local(day, parse_hhmm(raw["start"]), tz)
    end = _local(day, parse_hhmm(raw["end"]), tz)
    return Window(start=mapping.minute(start), end=mapping.minute(end))


def to_assignments(placements: Sequence[Placement], mapping: Mapping, version_id: uuid.UUID) -> list[Assignment]:
    items, rooms = mapping.item_ids, mapping.room_ids
    out = []
    for p in placements:
        item_id = items[p.item]
        start = mapping.moment(p.start)
        out.append(
            Assignment(
                version_id=version_id,
                item_id=item_id,
                run=p.run,
                room_id=rooms[p.room],
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=mapping.durations[item_id]),
                pinned=False,
            )
        )
    return out

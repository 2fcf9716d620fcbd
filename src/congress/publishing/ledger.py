"""The published-event ledger: written once per release, read by every feed and export.

``publish`` runs inside the release's transaction. For each run the release
places it compares what the event says (time, room, title, description,
faculty, topics) with what the ledger last published: a new run gets the next
stable number and a UID that never changes; a changed run gets its SEQUENCE
raised; a run the release no longer places is kept, cancelled, with its
SEQUENCE raised, so subscribed calendars remove it instead of keeping a ghost.
The returned changes drive the notices to the people affected.

``load_programme`` turns ledger rows into the ``snapshot`` records the
renderers take.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from uuid_utils.compat import uuid7

from congress.db.models import (
    Assignment,
    Congress,
    FacultyLink,
    Person,
    ProgrammeItem,
    PublishedEvent,
    PublishedFaculty,
    Room,
    ScheduleVersion,
)
from congress.enums import FacultyRole
from congress.publishing.snapshot import Event, FacultyEntry, Programme, RoomEntry

ChangeKind = Literal["added", "changed", "cancelled"]

# The order faculty are listed in: who leads first.
ROLE_ORDER = {
    FacultyRole.CHAIR: 0,
    FacultyRole.MODERATOR: 1,
    FacultyRole.SPEAKER: 2,
    FacultyRole.TUTOR: 3,
    FacultyRole.PANELLIST: 4,
}


@dataclass(frozen=True, slots=True)
class EventChange:
    """What one release did to one published event."""

    kind: ChangeKind
    event_id: uuid.UUID
    item_id: uuid.UUID
    run: int
    # The event's content before and after the release (None when added / cancelled).
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def uid_for(slug: str, item_id: uuid.UUID, run: int) -> str:
    return f"{item_id}.{run}@{slug}.congress"


def _content(
    item: ProgrammeItem, run: int, room: Room, assignment: Assignment, faculty: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "runs": item.runs,
        "code": item.code,
        "kind": str(item.kind),
        "title": item.title,
        "description": item.description,
        "topics": list(item.topics),
        "room_id": str(room.id),
        "room_name": room.name,
        "starts_at": assignment.starts_at.astimezone(dt.UTC).isoformat(),
        "ends_at": assignment.ends_at.astimezone(dt.UTC).isoformat(),
        "faculty": faculty,
    }


def _stored(event: PublishedEvent) -> dict[str, Any]:
    return {
        "runs": event.runs,
        "code": event.code,
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "topics": list(event.topics),
        "room_id": str(event.room_id) if event.room_id else None,
        "room_name": event.room_name,
        "starts_at": event.starts_at.astimezone(dt.UTC).isoformat(),
        "ends_at": event.ends_at.astimezone(dt.UTC).isoformat(),
        "faculty": list(event.faculty),
    }


def _fingerprint(content: dict[str, Any]) -> str:
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


def _apply(event: PublishedEvent, content: dict[str, Any]) -> None:
    event.runs = content["runs"]
    event.code = content["code"]
    event.kind = content["kind"]
    event.title = content["title"]
    event.description = content["description"]
    event.topics = content["topics"]
    event.room_id = uuid.UUID(content["room_id"])
    event.room_name = content["room_name"]
    event.starts_at = dt.datetime.fromisoformat(content["starts_at"])
    event.ends_at = dt.datetime.fromisoformat(content["ends_at"])
    event.faculty = content["faculty"]
    event.fingerprint = _fingerprint(content)


def _faculty_of(session: Session, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    ids = list(item_ids)
    found: dict[uuid.UUID, list[tuple[int, str, dict[str, Any]]]] = defaultdict(list)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(
            select(FacultyLink.item_id, FacultyLink.role, Person.id, Person.name, Person.institution)
            .join(Person, Person.id == FacultyLink.person_id)
            .where(FacultyLink.item_id.in_(chunk))
        )
        for item_id, role, person_id, name, institution in rows:
            entry = {"person_id": str(person_id), "name": name, "role": str(role), "institution": institution}
            found[item_id].append((ROLE_ORDER.get(role, 9), name, entry))
    result: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for item_id, entries in found.items():
        # One entry per person (their leading role), in a stable order.
        seen: set[str] = set()
        ordered = []
        for _, _, entry in sorted(entries, key=lambda e: (e[0], e[1], e[2]["person_id"])):
            if entry["person_id"] not in seen:
                seen.add(entry["person_id"])
                ordered.append(entry)
        result[item_id] = ordered
    return result


def publish(session: Session, version: ScheduleVersion) -> list[EventChange]:
    """Bring the ledger to what ``version`` (being released now) places; return what changed."""
    congress = session.get_one(Congress, version.congress_id)
    number = version.number or 0
    released_at = version.released_at or dt.datetime.now(dt.UTC)
    placed = session.execute(
        select(Assignment, ProgrammeItem, Room)
        .join(ProgrammeItem, ProgrammeItem.id == Assignment.item_id)
        .join(Room, Room.id == Assignment.room_id)
        .where(Assignment.version_id == version.id)
        .order_by(Assignment.starts_at, Room.name, ProgrammeItem.id, Assignment.run)
    ).all()
    faculty = _faculty_of(session, {item.id for _, item, _ in placed})
    ledger = {
        (e.item_id, e.run): e
        for e in session.scalars(select(PublishedEvent).where(PublishedEvent.congress_id == congress.id))
    }
    next_number = max((e.number for e in ledger.values()), default=0) + 1
    changes: list[EventChange] = []
    touched: list[PublishedEvent] = []
    for assignment, item, room in placed:
        content = _content(item, assignment.run, room, assignment, faculty.get(item.id, []))
        event = ledger.pop((item.id, assignment.run), None)
        if event is None:
            event = PublishedEvent(
                id=uuid7(),
                congress_id=congress.id,
                item_id=item.id,
                run=assignment.run,
                number=next_number,
                uid=uid_for(congress.slug, item.id, assignment.run),
                sequence=0,
                cancelled=False,
                changed_in=number,
                changed_at=released_at,
            )
            next_number += 1
            _apply(event, content)
            session.add(event)
            changes.append(EventChange("added", event.id, item.id, assignment.run, None, content))
            touched.append(event)
        elif event.cancelled or event.fingerprint != _fingerprint(content):
            before = None if event.cancelled else _stored(event)
            kind: ChangeKind = "added" if event.cancelled else "changed"
            event.cancelled = False
            event.sequence += 1
            event.changed_in = number
            event.changed_at = released_at
            _apply(event, content)
            changes.append(EventChange(kind, event.id, item.id, assignment.run, before, content))
            touched.append(event)
    for event in ledger.values():
        if not event.cancelled:
            changes.append(EventChange("cancelled", event.id, event.item_id, event.run, _stored(event), None))
            event.cancelled = True
            event.sequence += 1
            event.changed_in = number
            event.changed_at = released_at
    session.flush()
    _index_faculty(session, touched)
    return changes


def _index_faculty(session: Session, events: list[PublishedEvent]) -> None:
    """Keep ``published_faculty`` equal to the faculty lists of the events just written."""
    if not events:
        return
    ids = [e.id for e in events]
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        session.query(PublishedFaculty).filter(PublishedFaculty.event_id.in_(chunk)).delete(synchronize_session=False)
    for event in events:
        for person_id in dict.fromkeys(entry["person_id"] for entry in event.faculty):
            session.add(PublishedFaculty(id=uuid7(), event_id=event.id, person_id=uuid.UUID(person_id)))
    session.flush()


def item_url(base_url: str, congress_id: uuid.UUID, item_id: uuid.UUID) -> str:
    return f"{base_url}/api/congresses/{congress_id}/items/{item_id}"


def to_event(row: PublishedEvent, base_url: str) -> Event:
    return Event(
        uid=row.uid,
        number=row.number,
        item_id=row.item_id,
        run=row.run,
        runs=row.runs,
        code=row.code,
        kind=row.kind,
        title=row.title,
        description=row.description,
        topics=tuple(row.topics),
        room_id=row.room_id,
        room=row.room_name,
        starts_at=row.starts_at.astimezone(dt.UTC),
        ends_at=row.ends_at.astimezone(dt.UTC),
        faculty=tuple(
            FacultyEntry(
                person_id=uuid.UUID(f["person_id"]),
                name=f["name"],
                role=f["role"],
                institution=f.get("institution", ""),
            )
            for f in row.faculty
        ),
        sequence=row.sequence,
        cancelled=row.cancelled,
        changed_at=row.changed_at.astimezone(dt.UTC),
        changed_in=row.changed_in,
        url=item_url(base_url, row.congress_id, row.item_id),
    )


def rooms_of(session: Session, congress_id: uuid.UUID) -> tuple[RoomEntry, ...]:
    rooms = session.scalars(select(Room).where(Room.congress_id == congress_id).order_by(Room.id))
    # Rooms are numbered in creation order (time-ordered ids), which stays put as rooms are added.
    return tuple(RoomEntry(id=r.id, name=r.name, capacity=r.capacity, number=n) for n, r in enumerate(rooms, start=1))


def load_programme(
    session: Session,
    congress: Congress,
    release: ScheduleVersion | None,
    base_url: str,
    where: ColumnElement[bool] | None = None,
    include_cancelled: bool = True,
) -> Programme:
    """The released programme as snapshot records; ``where`` narrows the events (a room, a person's items).

    With no release yet, the programme is empty (version 0), which still renders as a valid feed.
    """
    query = select(PublishedEvent).where(PublishedEvent.congress_id == congress.id)
    if release is None:
        query = query.where(PublishedEvent.id.is_(None))
    if where is not None:
        query = query.where(where)
    if not include_cancelled:
        query = query.where(PublishedEvent.cancelled.is_(False))
    rows = session.scalars(query.order_by(PublishedEvent.starts_at, PublishedEvent.room_name, PublishedEvent.uid))
    return Programme(
        congress_id=congress.id,
        slug=congress.slug,
        name=congress.name,
        venue=congress.venue,
        city=congress.city,
        time_zone=congress.time_zone,
        first_day=congress.first_day,
        last_day=congress.last_day,
        day_start=congress.day_start,
        day_end=congress.day_end,
        version=(release.number or 0) if release else 0,
        released_at=((release.released_at or release.updated_at) if release else congress.updated_at).astimezone(
            dt.UTC
        ),
        base_url=base_url,
        rooms=rooms_of(session, congress.id),
        events=tuple(to_event(row, base_url) for row in rows),
    )


def published_count(session: Session, congress_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).where(PublishedEvent.congress_id == congress_id)) or 0

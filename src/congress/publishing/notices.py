"""Telling people what a release changed for them: one outbox message per person.

Who is affected by a changed or cancelled event: its faculty (before and
after the change), people who hold a seat in that run, and people who starred
the item. Each gets one message per release listing every change that
concerns them, in their congress's local time, with an .ics of those events
(new SEQUENCE, cancelled ones as STATUS:CANCELLED) so a calendar can take the
update. The first release of a congress announces nothing: there was no
earlier programme to change.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from uuid_utils.compat import uuid7

from congress.db.models import (
    AgendaStar,
    Congress,
    OutboxMessage,
    Person,
    PublishedEvent,
    ScheduleVersion,
    WorkshopSeat,
)
from congress.enums import OutboxStatus
from congress.publishing import ical
from congress.publishing.ledger import EventChange, load_programme

REASONS = {
    "faculty": "you are on its faculty",
    "seat": "you hold a seat in this run",
    "star": "it is in your agenda",
}


@dataclass(slots=True)
class _Concern:
    change: EventChange
    reasons: set[str] = field(default_factory=set)


def _when(place: dict[str, Any], tz: zoneinfo.ZoneInfo) -> str:
    start = dt.datetime.fromisoformat(place["starts_at"]).astimezone(tz)
    end = dt.datetime.fromisoformat(place["ends_at"]).astimezone(tz)
    return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}, {place['room_name']}"


def _faculty_ids(content: dict[str, Any] | None) -> set[uuid.UUID]:
    return {uuid.UUID(f["person_id"]) for f in (content or {}).get("faculty", [])}


def describe(change: EventChange, tz: zoneinfo.ZoneInfo) -> list[str]:
    """Sentences saying what happened to one event."""
    content = change.after or change.before or {}
    title = f"{content['code']}: {content['title']}" if content.get("code") else content.get("title", "")
    if content.get("runs", 1) > 1:
        title += f" (run {change.run} of {content['runs']})"
    if change.kind == "cancelled":
        assert change.before is not None
        return [f"CANCELLED  {title}", f"    was {_when(change.before, tz)}"]
    assert change.after is not None
    if change.kind == "added" or change.before is None:
        return [f"NEW        {title}", f"    {_when(change.after, tz)}"]
    before, after = change.before, change.after
    lines = [f"CHANGED    {title}"]
    if (before["starts_at"], before["ends_at"], before["room_id"]) != (
        after["starts_at"],
        after["ends_at"],
        after["room_id"],
    ):
        lines += [f"    was {_when(before, tz)}", f"    now {_when(after, tz)}"]
    else:
        lines.append(f"    {_when(after, tz)}")
    if before["title"] != after["title"]:
        lines.append(f"    title was: {before['title']}")
    if before["faculty"] != after["faculty"]:
        names = ", ".join(f["name"] for f in after["faculty"]) or "none"
        lines.append(f"    faculty now: {names}")
    if before["description"] != after["description"] or before["topics"] != after["topics"]:
        lines.append("    description updated")
    return lines


def affected(session: Session, congress_id: uuid.UUID, changes: list[EventChange]) -> dict[uuid.UUID, list[_Concern]]:
    """Person id → the changes that concern them (with why)."""
    by_person: dict[uuid.UUID, dict[uuid.UUID, _Concern]] = defaultdict(dict)

    def note(person_id: uuid.UUID, change: EventChange, reason: str) -> None:
        by_person[person_id].setdefault(change.event_id, _Concern(change)).reasons.add(reason)

    for change in changes:
        for person_id in _faculty_ids(change.before) | _faculty_ids(change.after):
            note(person_id, change, "faculty")
    by_item: dict[uuid.UUID, list[EventChange]] = defaultdict(list)
    for change in changes:
        by_item[change.item_id].append(change)
    runs = {(c.item_id, c.run): c for c in changes}
    for chunk in _chunks(list(by_item)):
        for item_id, person_id in session.execute(
            select(AgendaStar.item_id, AgendaStar.person_id).where(
                AgendaStar.congress_id == congress_id, AgendaStar.item_id.in_(chunk)
            )
        ):
            for change in by_item[item_id]:
                note(person_id, change, "star")
    for chunk_keys in _chunks(list(runs)):
        for item_id, run, person_id in session.execute(
            select(WorkshopSeat.item_id, WorkshopSeat.run, WorkshopSeat.person_id).where(
                tuple_(WorkshopSeat.item_id, WorkshopSeat.run).in_(chunk_keys)
            )
        ):
            note(person_id, runs[(item_id, run)], "seat")
    return {person: list(concerns.values()) for person, concerns in by_person.items()}


def programme_rows(session: Session, event_ids: list[uuid.UUID]) -> list[PublishedEvent]:
    return [
        row
        for chunk in _chunks(event_ids)
        for row in session.scalars(select(PublishedEvent).where(PublishedEvent.id.in_(chunk)))
    ]


def _chunks(values: list[Any], size: int = 400) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def write_notices(
    session: Session, version: ScheduleVersion, changes: list[EventChange], base_url: str, *, first_release: bool
) -> int:
    """Write the outbox messages for one release; return how many."""
    if first_release or not changes:
        return 0
    congress = session.get_one(Congress, version.congress_id)
    tz = zoneinfo.ZoneInfo(congress.time_zone)
    concerns = affected(session, congress.id, changes)
    if not concerns:
        return 0
    event_ids = list({c.change.event_id for cs in concerns.values() for c in cs})
    programme = load_programme(session, congress, version, base_url, where=PublishedEvent.id.in_(event_ids))
    events = {e.uid: e for e in programme.events}
    ids_to_uid = {e.id: e.uid for e in programme_rows(session, event_ids)}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(concerns))))}
    now = dt.datetime.now(dt.UTC)
    written = 0
    for person_id, items in sorted(concerns.items(), key=lambda kv: people[kv[0]].name if kv[0] in people else ""):
        person = people.get(person_id)
        if person is None:
            continue
        items.sort(key=lambda c: ((c.change.after or c.change.before or {}).get("starts_at", ""), c.change.run))
        lines = [
            f"Dear {person.name},",
            "",
            f"release {version.number} of the {congress.name} programme changes "
            f"{'a session' if len(items) == 1 else f'{len(items)} sessions'} that concern you "
            f"(times in {congress.time_zone}):",
            "",
        ]
        for concern in items:
            lines += describe(concern.change, tz)
            lines.append("    (" + "; ".join(REASONS[r] for r in sorted(concern.reasons)) + ")")
            lines.append("")
        lines += [
            "The attached calendar file updates these events in your calendar;",
            "a subscribed congress feed updates by itself.",
            "",
            f"— {congress.name}",
        ]
        own = [events[ids_to_uid[c.change.event_id]] for c in items if ids_to_uid.get(c.change.event_id) in events]
        attachment = ical.render(programme, f"{congress.name}: changes in release {version.number}", own)
        session.add(
            OutboxMessage(
                id=uuid7(),
                congress_id=congress.id,
                person_id=person.id,
                release=version.number or 0,
                recipient=person.email,
                subject=f"{congress.name}: programme changes for you (release {version.number})",
                body="\n".join(lines),
                attachment_name=f"{congress.slug}-release-{version.number}.ics",
                attachment=attachment.decode("utf-8"),
                changes=[_change_record(c, ids_to_uid) for c in items],
                message_id=f"<{uuid7()}@{congress.slug}.congress>",
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
        written += 1
    session.flush()
    return written


def _change_record(concern: _Concern, uids: dict[uuid.UUID, str]) -> dict[str, Any]:
    change = concern.change
    return {
        "uid": uids.get(change.event_id, ""),
        "item_id": str(change.item_id),
        "run": change.run,
        "change": change.kind,
        "reasons": sorted(concern.reasons),
        "before": _place(change.before),
        "after": _place(change.after),
    }


def _place(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if content is None:
        return None
    return {
        "title": content["title"],
        "room_id": content["room_id"],
        "room": content["room_name"],
        "starts_at": content["starts_at"],
        "ends_at": content["ends_at"],
    }

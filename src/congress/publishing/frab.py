"""frab / c3voc schedule exports (``schedule.json`` and ``schedule.xml``) of a released programme.

The documents follow the voc/schedule JSON schema and XSD (https://c3voc.de/wiki/schedule), read by
Giggity, EventFahrplan, info-beamer and the like. Only live events are listed; a cancelled run simply
disappears. Choices the schemas force on us:
- the acronym must match ``^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$``, which rejects slugs such as
  ``essr-2026``; such a slug is written with underscores (``essr_2026``), padded to four characters;
- ``time_zone_name`` is left out when the JSON schema's pattern rejects the zone (every time carries its
  UTC offset anyway);
- event slugs are ``<acronym>-<number>-<title>`` (the XSD wants four ``[a-z0-9_]`` before the first hyphen);
- persons carry ``guid``, ``name`` and ``public_name`` but no integer ``id`` (with one they would match both
  person shapes of the schema's ``oneOf``);
- the pretalx-style event ``code`` (six characters) is not written: ours ("RC 101") do not fit it.

Events land on the day of their local start date; a day's ``day_start``/``day_end`` is the congress's
daily window, widened to cover any event outside it, and days outside ``first_day..last_day`` are added
when an event falls on them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zoneinfo

from congress.publishing.snapshot import Event, FacultyEntry, Programme, printable

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "congress"
TIMESLOT = "00:15"
LANGUAGE = "en"
JSON_MEDIA_TYPE = "application/json"
XML_MEDIA_TYPE = "application/vnd.c3voc.schedule+xml"

# Namespaces for the uuid5 identities this module derives; fixed so that guids never change.
EVENT_NAMESPACE = uuid.UUID("5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61")
ROOM_NAMESPACE = uuid.UUID("1f6e0c9a-4b7d-5e2f-8a3c-6d9b0e1f2a74")

_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
_TIME_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_SLUG_MAX = 60


@dataclasses.dataclass(frozen=True)
class _Room:
    name: str
    guid: uuid.UUID
    capacity: int | None


@dataclasses.dataclass
class _Day:
    index: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    events: list[Event]


def event_guid(event: Event) -> uuid.UUID:
    """The frab guid of an event: stable for the item run (uuid5 of its iCal UID)."""
    return uuid.uuid5(EVENT_NAMESPACE, event.uid)


def acronym(slug: str) -> str:
    """The congress slug, or, when the JSON schema's acronym pattern rejects it, an underscored form."""
    if _ACRONYM.search(slug):
        return slug
    return _slug_prefix(slug)


def frab_json(programme: Programme) -> bytes:
    """``schedule.json`` of the programme's live events."""
    tz = zoneinfo.ZoneInfo(programme.time_zone)
    days = _days(programme, tz)
    conference: dict[str, object] = {
        "acronym": acronym(programme.slug),
        "title": programme.name,
        "start": days[0].date.isoformat(),
        "end": days[-1].date.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": TIMESLOT,
    }
    if _TIME_ZONE_NAME.search(programme.time_zone):
        conference["time_zone_name"] = programme.time_zone
    conference["url"] = _conference_url(programme)
    rooms = _rooms(programme)
    conference["rooms"] = [{"name": r.name, "guid": str(r.guid), "capacity": r.capacity} for r in rooms]
    conference["days"] = [
        {
            "index": day.index,
            "date": day.date.isoformat(),
            "day_start": _stamp(day.start),
            "day_end": _stamp(day.end),
            "rooms": {
                room.name: [_json_event(programme, e, tz) for e in day.events if e.room == room.name] for room in rooms
            },
        }
        for day in days
    ]
    document = {
        "$schema": SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {"version": f"{programme.version}", "conference": conference},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def frab_xml(programme: Programme) -> bytes:
    """``schedule.xml`` of the programme's live events."""
    tz = zoneinfo.ZoneInfo(programme.time_zone)
    days = _days(programme, tz)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR)
    _text(root, "version", f"{programme.version}")
    conference = ET.SubElement(root, "conference")
    _text(conference, "acronym", acronym(programme.slug))
    _text(conference, "title", programme.name)
    _text(conference, "start", days[0].date.isoformat())
    _text(conference, "end", days[-1].date.isoformat())
    _text(conference, "days", str(len(days)))
    _text(conference, "timeslot_duration", TIMESLOT)
    _text(conference, "url", _conference_url(programme))
    if _TIME_ZONE_NAME.search(programme.time_zone):
        _text(conference, "time_zone_name", programme.time_zone)
    rooms = _rooms(programme)
    for day in days:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=_stamp(day.start),
            end=_stamp(day.end),
        )
        for room in rooms:
            room_element = ET.SubElement(day_element, "room", name=printable(room.name), guid=str(room.guid))
            for event in day.events:
                if event.room == room.name:
                    room_element.append(_xml_event(programme, event, tz))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _days(programme: Programme, tz: zoneinfo.ZoneInfo) -> list[_Day]:
    by_date: dict[dt.date, list[Event]] = {}
    date = programme.first_day
    while date <= programme.last_day:
        by_date[date] = []
        date += dt.timedelta(days=1)
    for event in programme.live_events:
        by_date.setdefault(event.starts_at.astimezone(tz).date(), []).append(event)
    days: list[_Day] = []
    for index, (date, events) in enumerate(sorted(by_date.items()), start=1):
        start = _wall(date, programme.day_start, tz)
        end = _wall(date, programme.day_end, tz)
        if end <= start:  # a daily window that ends at or after midnight
            end = _wall(date + dt.timedelta(days=1), programme.day_end, tz)
        events.sort(key=lambda e: (e.starts_at, e.room, e.uid))
        start = min([start, *(e.starts_at.astimezone(tz) for e in events)])
        end = max([end, *(e.ends_at.astimezone(tz) for e in events)])
        days.append(_Day(index=index, date=date, start=start, end=end, events=events))
    return days


def _rooms(programme: Programme) -> list[_Room]:
    """The congress's rooms, then any room name a live event has that none of them has (deleted, renamed)."""
    rooms = [_Room(r.name, r.id, r.capacity) for r in sorted(programme.rooms, key=lambda r: (r.number, r.name))]
    names = {r.name for r in rooms}
    guids = {r.guid for r in rooms}
    for event in programme.live_events:
        if event.room not in names:
            guid = event.room_id
            if guid is None or guid in guids:
                guid = uuid.uuid5(ROOM_NAMESPACE, f"{programme.congress_id}/{event.room}")
            names.add(event.room)
            guids.add(guid)
            rooms.append(_Room(event.room, guid, None))
    return rooms


def _json_event(programme: Programme, event: Event, tz: zoneinfo.ZoneInfo) -> dict[str, object]:
    start = event.starts_at.astimezone(tz)
    return {
        "id": event.number,
        "guid": str(event_guid(event)),
        "date": _stamp(start),
        "start": start.strftime("%H:%M"),
        "end": _stamp(event.ends_at.astimezone(tz)),
        "duration": _duration(event),
        "room": event.room,
        "slug": _event_slug(programme, event),
        "url": event.url,
        "title": event.title,
        "subtitle": "",
        "track": _track(event),
        "type": event.kind,
        "language": LANGUAGE,
        "abstract": "",
        "description": event.description,
        "persons": [{"guid": str(f.person_id), "name": f.name, "public_name": f.name} for f in _persons(event)],
        "links": [],
        "attachments": [],
    }


def _xml_event(programme: Programme, event: Event, tz: zoneinfo.ZoneInfo) -> ET.Element:
    start = event.starts_at.astimezone(tz)
    element = ET.Element("event", id=str(event.number), guid=str(event_guid(event)))
    _text(element, "room", event.room)
    _text(element, "title", event.title)
    _text(element, "subtitle", "")
    _text(element, "type", event.kind)
    _text(element, "date", _stamp(start))
    _text(element, "start", start.strftime("%H:%M"))
    _text(element, "duration", _duration(event))
    _text(element, "abstract", "")
    _text(element, "slug", _event_slug(programme, event))
    _text(element, "track", _track(event))
    persons = ET.SubElement(element, "persons")
    for person in _persons(event):
        _text(persons, "person", person.name).set("guid", str(person.person_id))
    _text(element, "language", LANGUAGE)
    _text(element, "description", event.description)
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")
    _text(element, "url", event.url)
    return element


def _persons(event: Event) -> list[FacultyEntry]:
    """Each person once (someone may hold two roles in one session), in the faculty's order."""
    seen: dict[uuid.UUID, FacultyEntry] = {}
    for entry in event.faculty:
        seen.setdefault(entry.person_id, entry)
    return list(seen.values())


def _track(event: Event) -> str:
    return event.topics[0] if event.topics else event.kind


def _duration(event: Event) -> str:
    minutes = int((event.ends_at - event.starts_at).total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _event_slug(programme: Programme, event: Event) -> str:
    title = _slugify(event.title)
    if len(title) > _SLUG_MAX:  # cut at a word boundary
        title = title[: _SLUG_MAX + 1].rsplit("-", 1)[0][:_SLUG_MAX]
    title = title.strip("-") or "event"
    return f"{_slug_prefix(programme.slug)}-{event.number}-{title}"


def _slug_prefix(slug: str) -> str:
    """Lower-case letters, digits and underscores only, at least four of them."""
    return re.sub(r"[^a-z0-9_]", "_", slug.lower()).ljust(4, "_")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _conference_url(programme: Programme) -> str:
    return f"{programme.base_url}/api/congresses/{programme.congress_id}"


def _wall(date: dt.date, at: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A local wall-clock time as a real instant (a time in a DST gap moves forward)."""
    return dt.datetime.combine(date, at, tzinfo=tz).astimezone(dt.UTC).astimezone(tz)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = printable(text)
    return element

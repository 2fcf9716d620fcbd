"""frab / c3voc schedules (``schedule.json`` and ``schedule.xml``, as pretalx, frab and others export them).

``read_frab`` reads the bytes and returns a :class:`~importers.records.FrabSchedule` plus every problem
found; it never raises for any input bytes. JSON or XML is told by the first character that is not
whitespace (``{`` or ``<``). The format is the voc/schedule one (https://c3voc.de/wiki/schedule; the JSON
schema and XSD are in ``tests/data/c3voc-schedule``).

- An event's key is its ``guid``, else its ``id`` as text: the external id re-imports match on. A key seen
  twice is a ``duplicate_event``; the first event keeps it.
- ``date`` (ISO 8601) gives the start; a date without offset is in the conference's ``time_zone_name``.
  Without ``date``, the day's date and the event's ``start`` (HH:MM) are combined in that zone (a start
  before the day's ``day_start`` time is after midnight, on the next date). No zone at all: a problem.
- ``duration`` is ``H:MM`` or ``H:MM:SS`` (seconds round up to a minute); without it, ``end`` is used.
- ``room`` is the event's own; when missing, the room it is listed under.
- An event with a problem is left out of ``events``; the schedule is returned with the others (the
  application writes nothing while a problem remains, but shows all of them).
- XML is parsed by defusedxml: entity declarations and external references are refused (``unsafe_xml``),
  so neither a billion-laughs payload nor an external entity is ever expanded or fetched.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml
import defusedxml.ElementTree

from importers.records import MAX_BYTES, MAX_ROWS, FrabEvent, FrabPerson, FrabRoom, FrabSchedule, ParsedFrab, Problem

_DURATION = re.compile(r"^\s*(\d{1,3}):([0-5]\d)(?::([0-5]\d))?\s*$")
_START = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?\s*$")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_MESSAGE_MAX = 300


def read_frab(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> ParsedFrab:
    """The schedule in ``data`` (frab/c3voc JSON or XML) and every problem found in it."""
    reader = _Reader(filename)
    try:
        schedule = reader.read(data, max_bytes)
    except Exception as error:  # input nobody foresaw: report, never raise
        reader.problem("unreadable_file", f"The schedule could not be read: {_reason(error)}.")
        schedule = None
    return ParsedFrab(schedule=schedule, problems=reader.problems)


# --- what both formats are read into ---------------------------------------------------------------------------


@dataclass
class _RawPerson:
    name: str
    guid: str | None
    email: str | None


@dataclass
class _RawEvent:
    where: str
    row: int | None
    fields: dict[str, str]
    persons: list[_RawPerson] | None
    listed_room: str
    day_date: str
    day_start: str


@dataclass
class _RawSchedule:
    title: str = ""
    acronym: str = ""
    start: str = ""
    end: str = ""
    time_zone_name: str = ""
    rooms: list[FrabRoom] = field(default_factory=list)
    day_dates: list[str] = field(default_factory=list)
    events: list[_RawEvent] = field(default_factory=list)


class _Stop(Exception):
    """Reading ends here (a limit was reached; the problem is already recorded)."""


@dataclass
class _Reader:
    filename: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(file=self.filename, code=code, message=message, row=row, column=column))

    # --- bytes -------------------------------------------------------------------------------------------------

    def read(self, data: bytes, max_bytes: int) -> FrabSchedule | None:
        if len(data) > max_bytes:
            self.problem("too_large", f"The file has {len(data):,} bytes; at most {max_bytes:,} are accepted.")
            return None
        if not data.strip():
            self.problem("empty_file", "The file is empty.")
            return None
        first = _first_character(data)
        raw: _RawSchedule | None
        if first == "{":
            raw = self._json(data)
            source: Literal["json", "xml"] = "json"
        elif first == "<":
            raw = self._xml(data)
            source = "xml"
        else:
            self.problem(
                "unreadable_file", "The file is neither a JSON nor an XML schedule (it starts with neither { nor <)."
            )
            return None
        if raw is None:
            return None
        return self._schedule(raw, source)

    # --- JSON ----------------------------------------------------------------------------------------------------

    def _json(self, data: bytes) -> _RawSchedule | None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problem(
                "bad_encoding",
                f"The JSON file is not UTF-8 (byte {error.start + 1} cannot be read); save it as UTF-8.",
                row=data[: error.start].count(b"\n") + 1,
            )
            return None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            self.problem("unreadable_file", f"The JSON cannot be read: {_clip(error.msg)}.", row=error.lineno)
            return None
        except (ValueError, RecursionError) as error:
            self.problem("unreadable_file", f"The JSON cannot be read: {_reason(error)}.")
            return None
        schedule = document.get("schedule") if isinstance(document, dict) else None
        conference = schedule.get("conference") if isinstance(schedule, dict) else None
        if not isinstance(conference, dict):
            self.problem(
                "not_a_schedule",
                "The JSON is not a frab/c3voc schedule: it has no $.schedule.conference object.",
                column="conference",
            )
            return None
        raw = _RawSchedule(
            title=_text(conference.get("title")),
            acronym=_text(conference.get("acronym")),
            start=_text(conference.get("start")),
            end=_text(conference.get("end")),
            time_zone_name=_text(conference.get("time_zone_name")),
        )
        rooms = conference.get("rooms")
        for index, room in enumerate(rooms if isinstance(rooms, list) else []):
            if isinstance(room, dict) and _text(room.get("name")).strip():
                raw.rooms.append(
                    FrabRoom(
                        name=_text(room["name"]).strip(),
                        guid=_text(room.get("guid")).strip() or None,
                        capacity=_capacity(room.get("capacity")),
                    )
                )
            else:
                self._not_an(f"$.schedule.conference.rooms[{index}]", "room", "name")
        days = conference.get("days", [])
        if not isinstance(days, list):
            self._not_an("$.schedule.conference.days", "array of days", "days")
            days = []
        for day_index, day in enumerate(days):
            day_path = f"$.schedule.conference.days[{day_index}]"
            if not isinstance(day, dict):
                self._not_an(day_path, "day", "days")
                continue
            day_date = _text(day.get("date"))
            if day_date:
                raw.day_dates.append(day_date)
            day_rooms = day.get("rooms", {})
            if not isinstance(day_rooms, dict):
                self._not_an(f"{day_path}.rooms", "object of rooms", "rooms")
                continue
            for room_name, events in day_rooms.items():
                room_path = f"{day_path}.rooms[{json.dumps(room_name, ensure_ascii=False)}]"
                if room_name.strip():
                    raw.rooms.append(FrabRoom(name=room_name.strip()))
                if not isinstance(events, list):
                    self._not_an(room_path, "array of events", "rooms")
                    continue
                for event_index, event in enumerate(events):
                    where = f"{room_path}[{event_index}]"
                    if not isinstance(event, dict):
                        self._not_an(where, "event", None)
                        continue
                    raw.events.append(
                        _RawEvent(
                            where=where,
                            row=None,
                            fields={name: _text(value) for name, value in event.items() if name != "persons"},
                            persons=_json_persons(event.get("persons")),
                            listed_room=room_name,
                            day_date=day_date,
                            day_start=_text(day.get("day_start")),
                        )
                    )
        return raw

    def _not_an(self, where: str, what: str, column: str | None) -> None:
        self.problem("invalid_value", f"{where}: expected {_article(what)} {what}.", column=column)

    # --- XML -----------------------------------------------------------------------------------------------------

    def _xml(self, data: bytes) -> _RawSchedule | None:
        declared = _XML_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        if not utf16 and (declared is None or declared.group(1).lower() in {b"utf-8", b"utf8"}):
            try:
                data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                self.problem(
                    "bad_encoding",
                    f"The XML file is not UTF-8 (byte {error.start + 1} cannot be read) and declares no other "
                    "encoding; save it as UTF-8.",
                    row=data[: error.start].count(b"\n") + 1,
                )
                return None
        # An XML declaration must come first; whitespace before it (a common copy-paste slip) is skipped, and
        # line numbers still count from the file's first line.
        body = data.removeprefix(b"\xef\xbb\xbf")
        stripped = body.lstrip(b" \t\r\n")
        skipped = body[: len(body) - len(stripped)].count(b"\n") if stripped.startswith(b"<?xml") else 0
        builder = _LineTreeBuilder(skipped)
        try:
            parser = defusedxml.ElementTree.XMLParser(target=builder)
            builder.parser = parser
            parser.feed(stripped if stripped.startswith(b"<?xml") else data)
            root = parser.close()
        except defusedxml.DefusedXmlException as error:
            self.problem(
                "unsafe_xml",
                f"The XML declares entities, a DTD or external references ({type(error).__name__}); such files "
                "are refused.",
            )
            return None
        except ParseError as error:
            line = error.position[0] + skipped if isinstance(getattr(error, "position", None), tuple) else None
            self.problem("unreadable_file", f"The XML cannot be read: {_reason(error)}.", row=line)
            return None
        except (ValueError, LookupError, RecursionError) as error:
            self.problem("unreadable_file", f"The XML cannot be read: {_reason(error)}.")
            return None
        if not isinstance(root, Element) or _tag(root) != "schedule":
            self.problem("not_a_schedule", "The XML is not a frab/c3voc schedule: its root is not <schedule>.")
            return None
        conference = _child(root, "conference")
        if conference is None:
            self.problem(
                "not_a_schedule",
                "The XML is not a frab/c3voc schedule: it has no <conference>.",
                column="conference",
                row=builder.line(root),
            )
            return None
        raw = _RawSchedule(
            title=_child_text(conference, "title"),
            acronym=_child_text(conference, "acronym"),
            start=_child_text(conference, "start"),
            end=_child_text(conference, "end"),
            time_zone_name=_child_text(conference, "time_zone_name"),
        )
        rooms = _child(conference, "rooms")
        for room in _children(rooms, "room") if rooms is not None else ():
            name = (room.get("name") or "").strip()
            if name:
                capacity = room.get("capacity")
                raw.rooms.append(
                    FrabRoom(
                        name=name,
                        guid=(room.get("guid") or "").strip() or None,
                        capacity=_capacity(capacity.strip()) if capacity else None,
                    )
                )
        for day_index, day in enumerate(_children(root, "day"), start=1):
            day_date = (day.get("date") or "").strip()
            if day_date:
                raw.day_dates.append(day_date)
            for room_index, room in enumerate(_children(day, "room"), start=1):
                room_name = (room.get("name") or "").strip()
                if room_name:
                    raw.rooms.append(FrabRoom(name=room_name, guid=(room.get("guid") or "").strip() or None))
                for event_index, event in enumerate(_children(room, "event"), start=1):
                    line = builder.line(event)
                    path = f"/schedule/day[{day_index}]/room[{room_index}]/event[{event_index}]"
                    fields = {name: (event.get(name) or "").strip() for name in ("guid", "id")}
                    for child in event:
                        name = _tag(child)
                        if name not in {"persons", "links", "attachments", "recording"}:
                            fields[name] = "".join(child.itertext())
                    raw.events.append(
                        _RawEvent(
                            where=f"line {line}" if line else path,
                            row=line,
                            fields=fields,
                            persons=_xml_persons(_child(event, "persons")),
                            listed_room=room_name,
                            day_date=day_date,
                            day_start=(day.get("start") or "").strip(),
                        )
                    )
        return raw

    # --- both ----------------------------------------------------------------------------------------------------

    def _schedule(self, raw: _RawSchedule, source: Literal["json", "xml"]) -> FrabSchedule | None:
        zone: zoneinfo.ZoneInfo | None = None
        time_zone = raw.time_zone_name.strip()
        if time_zone:
            try:
                zone = zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                self.problem(
                    "unknown_time_zone",
                    f"The conference's time_zone_name {_clip(time_zone)!r} is not a known time zone.",
                    column="time_zone_name",
                )
        events: list[FrabEvent] = []
        seen: dict[str, str] = {}
        for candidate in raw.events:
            if len(events) >= MAX_ROWS:
                self.problem(
                    "too_many_events", f"The schedule has more than {MAX_ROWS:,} events; reading stopped there."
                )
                break
            event = self._event(candidate, zone)
            if event is None:
                continue
            if event.key in seen:
                self.problem(
                    "duplicate_event",
                    f"{candidate.where}: the event key {_clip(event.key)!r} is already used by the event at "
                    f"{seen[event.key]}.",
                    row=candidate.row,
                    column="guid" if candidate.fields.get("guid", "").strip() else "id",
                )
                continue
            seen[event.key] = candidate.where
            events.append(event)
        days = self._days(raw, events)
        if days is None:
            return None
        rooms: dict[str, FrabRoom] = {}
        for room in [*raw.rooms, *(FrabRoom(name=e.room) for e in events)]:
            known = rooms.get(room.name)
            if known is None:
                rooms[room.name] = room
            elif (known.guid is None and room.guid) or (known.capacity is None and room.capacity is not None):
                rooms[room.name] = FrabRoom(
                    name=room.name, guid=known.guid or room.guid, capacity=_first(known.capacity, room.capacity)
                )
        return FrabSchedule(
            title=raw.title.strip(),
            acronym=raw.acronym.strip(),
            time_zone=time_zone if zone is not None else None,
            first_day=days[0],
            last_day=days[1],
            rooms=list(rooms.values()),
            events=events,
            source=source,
        )

    def _days(self, raw: _RawSchedule, events: list[FrabEvent]) -> tuple[dt.date, dt.date] | None:
        start = self._conference_date(raw.start, "start")
        end = self._conference_date(raw.end, "end")
        listed = [d for d in (_date(text) for text in raw.day_dates) if d is not None]
        first = start or (min(listed) if listed else None) or min((e.starts_at.date() for e in events), default=None)
        last = end or (max(listed) if listed else None) or max((e.starts_at.date() for e in events), default=None)
        if first is None or last is None:
            self.problem(
                "missing_field",
                "The conference has no start date (no start, no days, no events with a date).",
                column="start",
            )
            return None
        if last < first:
            self.problem("invalid_value", f"The conference ends ({last}) before it starts ({first}).", column="end")
            last = first
        return first, last

    def _conference_date(self, text: str, column: str) -> dt.date | None:
        if not text.strip():
            return None
        value = _date(text)
        if value is None:
            self.problem("invalid_value", f"The conference's {column} {_clip(text)!r} is not a date.", column=column)
        return value

    def _event(self, raw: _RawEvent, zone: zoneinfo.ZoneInfo | None) -> FrabEvent | None:
        fields = raw.fields
        where = raw.where
        ok = True

        def missing(column: str, what: str) -> None:
            nonlocal ok
            ok = False
            self.problem("missing_field", f"{where}: the event has no {what}.", row=raw.row, column=column)

        def invalid(column: str, message: str, code: str = "invalid_value") -> None:
            nonlocal ok
            ok = False
            self.problem(code, f"{where}: {message}", row=raw.row, column=column)

        key = fields.get("guid", "").strip() or fields.get("id", "").strip()
        if not key:
            missing("guid", "guid or id")
        title = fields.get("title", "").strip()
        if not title:
            missing("title", "title")
        room = fields.get("room", "").strip() or raw.listed_room.strip()
        if not room:
            missing("room", "room")
        starts_at = self._start(raw, zone, missing, invalid)
        minutes = self._duration(raw, starts_at, missing, invalid)
        persons: list[FrabPerson] = []
        if raw.persons is None:
            invalid("persons", "persons is not a list of persons.")
        else:
            for index, person in enumerate(raw.persons):
                if person.name:
                    persons.append(FrabPerson(name=person.name, guid=person.guid, email=person.email))
                else:
                    invalid("persons", f"person {index + 1} has no name.")
        if not ok or starts_at is None or minutes is None:
            return None
        return FrabEvent(
            key=key,
            title=title,
            room=room,
            starts_at=starts_at,
            duration_minutes=minutes,
            track=fields.get("track", "").strip(),
            type=fields.get("type", "").strip(),
            subtitle=fields.get("subtitle", "").strip(),
            abstract=fields.get("abstract", "").strip(),
            description=fields.get("description", "").strip(),
            language=fields.get("language", "").strip(),
            url=fields.get("url", "").strip(),
            persons=persons,
            where=where,
        )

    def _start(self, raw: _RawEvent, zone: zoneinfo.ZoneInfo | None, missing: Any, invalid: Any) -> dt.datetime | None:
        text = raw.fields.get("date", "").strip()
        if text:
            value = _datetime(text)
            if value is None:
                invalid("date", f"the date {_clip(text)!r} is not an ISO 8601 date and time.")
                return None
            if value.tzinfo is not None:
                return value
            if zone is None:
                invalid(
                    "date",
                    f"the date {_clip(text)!r} has no UTC offset and the conference has no time_zone_name.",
                    "missing_time_zone",
                )
                return None
            return value.replace(tzinfo=zone)
        start = _START.match(raw.fields.get("start", ""))
        day = _date(raw.day_date)
        if start is None or day is None:
            missing("date", "date (nor a start time on a dated day)")
            return None
        if zone is None:
            invalid(
                "start",
                "the event has only a start time and the conference has no time_zone_name.",
                "missing_time_zone",
            )
            return None
        at = dt.time(int(start.group(1)), int(start.group(2)), int(start.group(3) or 0))
        day_start = _datetime(raw.day_start)
        if day_start is not None and at < day_start.time():  # listed on a day that runs past midnight
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, at, tzinfo=zone)

    def _duration(self, raw: _RawEvent, starts_at: dt.datetime | None, missing: Any, invalid: Any) -> int | None:
        text = raw.fields.get("duration", "").strip()
        if text:
            match = _DURATION.match(text)
            if match is None:
                invalid("duration", f"the duration {_clip(text)!r} is not H:MM or H:MM:SS.")
                return None
            hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
            return hours * 60 + minutes + (1 if seconds else 0)
        end_text = raw.fields.get("end", "").strip()
        if not end_text:
            missing("duration", "duration")
            return None
        end = _datetime(end_text)
        if end is None or end.tzinfo is None:
            invalid("end", f"the end {_clip(end_text)!r} is not an ISO 8601 date and time with a UTC offset.")
            return None
        if starts_at is None:
            return None
        seconds_long = (end - starts_at).total_seconds()
        if seconds_long < 0:
            invalid("end", "the event ends before it starts.")
            return None
        return int(-(-seconds_long // 60))


# --- XML helpers -------------------------------------------------------------------------------------------------


class _LineTreeBuilder(TreeBuilder):
    """A tree builder that remembers the line each element starts on (for problems)."""

    def __init__(self, skipped: int = 0) -> None:
        super().__init__()
        self.parser: Any = None
        self._skipped = skipped
        self._lines: dict[int, int] = {}
        self._elements: list[Element] = []  # keeps ids stable while the tree is read

    def start(self, tag: Any, attrs: dict[Any, Any]) -> Element:
        element = super().start(tag, attrs)
        expat = getattr(self.parser, "parser", None)
        line = getattr(expat, "CurrentLineNumber", None)
        if isinstance(line, int):
            self._lines[id(element)] = line + self._skipped
            self._elements.append(element)
        return element

    def line(self, element: Element) -> int | None:
        return self._lines.get(id(element))


def _tag(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _children(parent: Element, name: str) -> Iterator[Element]:
    return (child for child in parent if _tag(child) == name)


def _child(parent: Element, name: str) -> Element | None:
    return next(_children(parent, name), None)


def _child_text(parent: Element, name: str) -> str:
    child = _child(parent, name)
    return "".join(child.itertext()) if child is not None else ""


def _xml_persons(persons: Element | None) -> list[_RawPerson]:
    if persons is None:
        return []
    return [
        _RawPerson(
            name=" ".join("".join(person.itertext()).split()),
            guid=(person.get("guid") or "").strip() or None,
            email=(person.get("email") or "").strip() or None,
        )
        for person in _children(persons, "person")
    ]


# --- JSON helpers ------------------------------------------------------------------------------------------------


def _json_persons(persons: Any) -> list[_RawPerson] | None:
    if persons is None:
        return []
    if not isinstance(persons, list):
        return None
    found: list[_RawPerson] = []
    for person in persons:
        if not isinstance(person, dict):
            found.append(_RawPerson(name="", guid=None, email=None))
            continue
        name = _text(person.get("name")).strip() or _text(person.get("public_name")).strip()
        found.append(
            _RawPerson(
                name=" ".join(name.split()),
                guid=_text(person.get("guid")).strip() or None,
                email=_text(person.get("email")).strip() or None,
            )
        )
    return found


def _text(value: Any) -> str:
    """A JSON value as text: strings as they are, numbers written out, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


# --- values --------------------------------------------------------------------------------------------------------


def _first_character(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data[:64].decode("utf-16", "ignore").lstrip("\ufeff \t\r\n")[:1]
        except UnicodeError:
            return ""
    return data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1].decode("ascii", "replace")


def _date(text: str) -> dt.date | None:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        value = _datetime(text)
        return value.date() if value is not None else None


def _datetime(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _capacity(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit() or len(value) > 9:
            return None
        return int(value)
    if isinstance(value, int) and 0 <= value < 10**9:
        return value
    return None


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def _article(what: str) -> str:
    return "an" if what[:1] in "aeiou" else "a"


def _reason(error: BaseException) -> str:
    return _clip(re.sub(r"\s+", " ", str(error)).strip().rstrip(".") or type(error).__name__)


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 1] + "…"

"""iCalendar (RFC 5545) feeds of a released programme.

Rules that strict clients hold us to, each kept here:
- every TZID used has its VTIMEZONE (ical.js turns an unknown TZID into a floating time);
- every event has DTSTAMP, a UID that never changes for the item run, and a SEQUENCE that grows
  whenever a release changes it; a run a release removed stays in the feed as STATUS:CANCELLED;
- no METHOD (a feed is not an iTIP message, so no ORGANIZER is needed);
- lines end in CRLF and are folded at 75 octets (icalendar does both; the tests check the bytes);
- REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL tell clients how often to poll.

The output depends only on the snapshot, so the same release gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable, Mapping

import icalendar

from congress.publishing.snapshot import Event, Programme, printable

PRODID = "-//congress//Radiology congress programme//EN"
REFRESH = dt.timedelta(hours=1)  # also X-PUBLISHED-TTL:PT1H below
MEDIA_TYPE = "text/calendar"  # the server adds "; charset=utf-8"

ROLE_LABELS = {
    "chair": "Chair",
    "moderator": "Moderator",
    "speaker": "Speaker",
    "tutor": "Tutor",
    "panellist": "Panellist",
}


def summary(event: Event) -> str:
    title = f"{event.code}: {event.title}" if event.code else event.title
    if event.runs > 1:
        title += f" (run {event.run} of {event.runs})"
    return title


def description(event: Event, note: str = "") -> str:
    lines: list[str] = []
    if note:
        lines += [note, ""]
    lines += [
        f"{ROLE_LABELS.get(f.role, f.role.title())}: {f.name}" + (f", {f.institution}" if f.institution else "")
        for f in event.faculty
    ]
    if event.description:
        if lines:
            lines.append("")
        lines.append(event.description)
    if event.topics:
        lines += ["", "Topics: " + ", ".join(event.topics)]
    lines += ["", event.url]
    return "\n".join(lines).strip()


def location(programme: Programme, event: Event) -> str:
    return ", ".join(part for part in (event.room, programme.venue) if part)


class Text(icalendar.vText):
    """TEXT escaped by RFC 5545 §3.3.11 alone (icalendar's own escaping turns a literal backslash-N into a newline)."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n")
        for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
            text = text.replace(plain, escaped)
        return text.encode("utf-8")


def text(value: str) -> Text:
    return Text(printable(value))


def wall_time(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The local time with TZID, or UTC where the local clock shows that time twice (the hour the clocks go back).

    RFC 5545 reads a repeated local time as its first occurrence; writing UTC there is exact for every client.
    """
    local = moment.astimezone(tz)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(dt.UTC)
    return local


@functools.lru_cache(maxsize=64)
def timezone(name: str, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """The zone's rules from ``first`` to ``last`` (inclusive), one observance per onset.

    ical.js (like libical before its fix of sf#44) ignores the DTSTART of an
    observance that also has RDATEs, which icalendar writes when a span holds two
    changes of the same kind; splitting them keeps every client right. Cached: a release's notices and
    feeds share the same few spans (callers only read the component).
    """
    zone = icalendar.Timezone.from_tzid(name, first_date=first, last_date=last + dt.timedelta(days=1))
    split = icalendar.Timezone()
    for key, value in zone.property_items(recursive=False)[1:-1]:
        split.add(key, value, encode=False)
    for observance in zone.subcomponents:
        onsets = [observance.get("dtstart").dt]
        for rdates in (
            observance.get("rdate", []) if isinstance(observance.get("rdate"), list) else [observance.get("rdate")]
        ):
            if rdates is not None:
                onsets += [d.dt for d in rdates.dts]
        for onset in sorted(set(onsets)):
            single = type(observance)()
            for key, value in observance.property_items(recursive=False)[1:-1]:
                if key not in ("DTSTART", "RDATE"):
                    single.add(key, value, encode=False)
            single.add("dtstart", onset)
            split.add_component(single)
    return split


def vevent(programme: Programme, event: Event, tz: zoneinfo.ZoneInfo, note: str = "") -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("dtstamp", event.changed_at)
    component.add("last-modified", event.changed_at)
    component.add("sequence", event.sequence)
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    component.add("summary", text(summary(event)))
    component.add("dtstart", wall_time(event.starts_at, tz))
    component.add("dtend", wall_time(event.ends_at, tz))
    component.add("location", text(location(programme, event)))
    component.add("description", text(description(event, note)))
    component.add("url", event.url)
    if event.topics:
        component.add("categories", list(event.topics))
    component.add("class", "PUBLIC")
    component.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    return component


def render(
    programme: Programme,
    title: str,
    events: Iterable[Event] | None = None,
    notes: Mapping[str, str] | None = None,
) -> bytes:
    """A feed of ``events`` (default: all of the programme's, cancelled ones included).

    ``notes`` adds a first line to the description of some events, by UID
    ("You hold a seat in this run").
    """
    chosen = list(programme.events if events is None else events)
    tz = zoneinfo.ZoneInfo(programme.time_zone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", text(title))
    cal.add("x-wr-calname", text(title))
    cal.add("x-wr-timezone", programme.time_zone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    # The zone's rules for the whole span the feed covers, before the events (one VTIMEZONE even for an empty feed).
    days = [m.astimezone(tz).date() for e in chosen for m in (e.starts_at, e.ends_at)]
    days += [programme.first_day, programme.last_day]
    cal.add_component(timezone(programme.time_zone, min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1)))
    for event in chosen:
        cal.add_component(vevent(programme, event, tz, (notes or {}).get(event.uid, "")))
    data: bytes = cal.to_ical()
    return data

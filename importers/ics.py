"""A person's availability from a calendar export (iCalendar, RFC 5545): the times they are busy.

``read_busy`` reads the bytes a person uploads (an ``.ics`` export from Outlook, Google, Apple, Thunderbird
…) and returns the times they are busy inside a window, in UTC. It never raises for any input bytes:
whatever is wrong becomes a :class:`~importers.records.Problem`.

- Parsing is ``icalendar``'s; recurrences (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) are expanded by
  ``recurring_ical_events``. ``X-WR-TIMEZONE`` is not applied: floating times are in the congress's zone.
- A VEVENT makes the person busy unless it is ``TRANSP:TRANSPARENT`` or ``STATUS:CANCELLED`` (an override
  may cancel or free a single occurrence). VFREEBUSY ``FREEBUSY`` periods of type BUSY, BUSY-UNAVAILABLE or
  BUSY-TENTATIVE (BUSY when not given) count too; VTODO and VJOURNAL do not.
- Times with a TZID use the calendar's VTIMEZONE (but an IANA name always means the tz database's zone),
  else the zone ``icalendar`` knows by that name (IANA names, the Windows names Outlook writes, and
  ``/vendor/…/Area/City``); a TZID neither knows is an ``unknown_time_zone`` problem for that event.
  Floating times and all-day dates are in ``time_zone``; an all-day event covers whole local days (DTEND
  exclusive, one day when missing). A local time in a DST gap uses the offset before the gap, a repeated
  one its first occurrence (RFC 5545 3.3.5).
- A timed event with neither DTEND nor DURATION lasts no time and is skipped. DTEND gives every occurrence
  the same exact duration; DURATION's days and weeks are nominal (local days), its hours exact.
- Intervals are clipped to ``[window_start, window_end)``; empty ones are dropped; nothing is merged.
- SUMMARY, DESCRIPTION, LOCATION, attendees and the like are never read into the records.

An event with a problem is left out together with every other component of its UID (its overrides, its
master), so that a broken override never lets the master's original occurrence through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import recurring_ical_events

from importers.records import MAX_BYTES, Busy, ParsedBusy, Problem

# Whatever the window, expansion asks the library for a slightly wider span (floating and all-day times are
# placed in the congress's zone only afterwards), then clips exactly.
_MARGIN = dt.timedelta(days=2)
# A recurrence rule that could repeat more often than this between its start and the window's end is not
# expanded (the rule engine walks every repetition from the start: FREQ=MINUTELY since 1970 would not end).
MAX_RULE_STEPS = 500_000
# All rules of a file together.
MAX_TOTAL_STEPS = 2_000_000
# A step in a zone a VTIMEZONE defines (dateutil walks the zone's own rules, from 1601 for Outlook, for
# every conversion) costs about this many steps in an IANA zone.
DEFINED_ZONE_COST = 25
# Wall-clock budget for expanding a file (a rule that can never occur is walked to the year 9999, a few
# seconds each); checked between events.
TIME_BUDGET_SECONDS = 20.0

_BUSY_TYPES = frozenset({"BUSY", "BUSY-UNAVAILABLE", "BUSY-TENTATIVE"})
_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE", "EXDATE")
_CHECKED_PROPERTIES = frozenset({*_DATE_PROPERTIES, "DURATION", "RRULE"})
_SINGLE_PROPERTIES = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
_MESSAGE_MAX = 300

# Seconds in one step of each frequency (a month and a year at their shortest: an upper bound of steps).
_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}
_FREQ_ORDER = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Rule parts that expand a step into several (when finer than the frequency), and into how many at most.
_TIME_PARTS = (("BYSECOND", "SECONDLY"), ("BYMINUTE", "MINUTELY"), ("BYHOUR", "HOURLY"))
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
_DAYS_PER_STEP = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}


def read_busy(
    data: bytes,
    filename: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    time_zone: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_events: int = 50_000,
) -> ParsedBusy:
    """The times the calendar in ``data`` is busy within ``[window_start, window_end)`` (aware datetimes).

    ``time_zone`` (an IANA name) places floating times and all-day dates. Raises ``ValueError`` only for
    bad arguments (a naive window, an unknown ``time_zone``), never for the file's content.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window_start and window_end must be aware datetimes")
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}") from error
    reader = _Reader(
        filename=filename,
        window_start=window_start.astimezone(dt.UTC),
        window_end=window_end.astimezone(dt.UTC),
        zone=zone,
        max_events=max_events,
    )
    text = reader.decode(data, max_bytes)
    if text is not None:
        try:
            reader.read(text)
        except _Stop:
            pass
        except Exception as error:  # a library failing on input nobody foresaw: report, never raise
            reader.problem("unreadable_file", f"The calendar could not be read: {_reason(error)}.")
    busy = sorted(reader.busy, key=lambda b: (b.starts_at, b.ends_at, b.uid, b.recurrence or b.starts_at))
    return ParsedBusy(busy=busy, problems=reader.problems)


class _Stop(Exception):
    """Reading ends here (a limit was reached; the problem is already recorded)."""


@dataclass
class _Series:
    """All VEVENTs of one UID (a master and its overrides, or a single event)."""

    uid: str
    components: list[Any] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    bad: bool = False
    # An RRULE with both COUNT and UNTIL (RFC 5545 forbids it; some exports write it) is expanded by COUNT,
    # then cut at UNTIL here: the rule engine would warn and stop at whichever came first.
    until: dt.datetime | None = None
    rdates: set[dt.datetime] = field(default_factory=set)

    @property
    def row(self) -> int | None:
        return self.rows[0] if self.rows else None

    @property
    def recurring(self) -> bool:
        return any(c.get("RRULE") is not None or c.get("RDATE") is not None for c in self.components) or any(
            c.get("RECURRENCE-ID") is not None for c in self.components
        )

    @property
    def master(self) -> Any | None:
        """The component without RECURRENCE-ID; of several, the highest SEQUENCE (the first on a tie), as the
        expansion library and RFC 5545 choose."""
        return _latest(c for c in self.components if c.get("RECURRENCE-ID") is None)


@dataclass
class _Reader:
    filename: str
    window_start: dt.datetime
    window_end: dt.datetime
    zone: zoneinfo.ZoneInfo
    max_events: int
    busy: list[Busy] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    steps: int = 0
    started: float = field(default_factory=time.monotonic)

    # --- problems --------------------------------------------------------------------------------------------

    def problem(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(file=self.filename, code=code, message=message, row=row, column=column))

    # --- bytes to text ---------------------------------------------------------------------------------------

    def decode(self, data: bytes, max_bytes: int) -> str | None:
        if len(data) > max_bytes:
            self.problem("too_large", f"The file has {len(data):,} bytes; at most {max_bytes:,} are accepted.")
            return None
        if not data.strip():
            self.problem("empty_file", "The file is empty.")
            return None
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.problem("bad_encoding", "The calendar is saved as UTF-16; export it as UTF-8 (RFC 5545).")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if b"BEGIN:VCALENDAR" in data[:4096].upper():
                self.problem(
                    "bad_encoding",
                    f"The calendar is not UTF-8 (byte {error.start + 1} cannot be read); export it as UTF-8.",
                    row=data[: error.start].count(b"\n") + 1,
                )
            else:
                self.problem("unreadable_file", "The file is not an iCalendar file (it is not even text).")
            return None
        first = text.lstrip().split("\n", 1)[0].strip().upper()
        if first != "BEGIN:VCALENDAR":
            self.problem(
                "unreadable_file", "The file is not an iCalendar file: it does not start with BEGIN:VCALENDAR."
            )
            return None
        return text

    # --- the calendar ----------------------------------------------------------------------------------------

    def read(self, text: str) -> None:
        prepared = self._prepare_time_zones(text)
        try:
            calendars = icalendar.Calendar.from_ical(prepared, multiple=True)
        except Exception as error:
            self.problem("unreadable_file", f"The calendar could not be parsed: {_reason(error)}.")
            return
        calendars = [c for c in calendars if getattr(c, "name", None) == "VCALENDAR"]
        if not calendars:
            self.problem("unreadable_file", "The file holds no complete calendar (BEGIN:VCALENDAR … END:VCALENDAR).")
            return
        lines = _component_lines(text)
        events: list[Any] = []
        free_busy: list[Any] = []
        for calendar in calendars:
            if str(calendar.get("CALSCALE", "GREGORIAN")).upper() != "GREGORIAN":
                self.problem("unreadable_file", "Only Gregorian calendars (CALSCALE:GREGORIAN) can be read.")
                return
            events.extend(calendar.walk("VEVENT"))
            free_busy.extend(calendar.walk("VFREEBUSY"))
        event_rows = _rows_for(events, lines.get("VEVENT", []))
        free_busy_rows = _rows_for(free_busy, lines.get("VFREEBUSY", []))
        for series in self._series(events, event_rows):
            self._check_time()
            if not series.bad:
                self._expand(series)
        for component, row in zip(free_busy, free_busy_rows, strict=True):
            self._free_busy(component, row)

    # --- time zones --------------------------------------------------------------------------------------------

    def _prepare_time_zones(self, text: str) -> str:
        """The text to parse: unfolded, each VTIMEZONE checked, and its TZID made unique to its definition.

        ``icalendar`` keeps the zones VTIMEZONEs define in a process-wide cache keyed by TZID, so a second
        file defining "My Zone" differently would be read with the first file's rules. A TZID this file
        defines (and that is not an IANA name, which ``icalendar`` always takes from the tz database) is
        therefore renamed to ``<TZID> ~<digest of its definition>`` here, in the VTIMEZONE and in every
        TZID parameter. A VTIMEZONE whose rules are not simple yearly ones (or that ``icalendar`` cannot
        turn into a zone) is dropped with an ``unsupported_time_zone`` problem: converting times with it
        could take minutes. A ``/vendor/…/Area/City`` TZID without VTIMEZONE becomes ``Area/City``.
        """
        lines = _UNFOLD.sub("", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        original_rows = _component_lines(text).get("VTIMEZONE", [])
        blocks = _blocks(lines, "VTIMEZONE")
        rows = original_rows if len(original_rows) == len(blocks) else [None] * len(blocks)
        renamed: dict[str, str] = {}
        defined: set[str] = set()
        dropped: list[tuple[int, int]] = []
        for (first, last), row in zip(blocks, rows, strict=True):
            block = lines[first : last + 1]
            tzid = _tzid_of(block)
            if tzid is not None and _is_iana(tzid):
                defined.add(tzid)
                continue  # icalendar reads IANA names from the tz database, whatever the VTIMEZONE says
            reason = _time_zone_trouble(block)
            if tzid is not None and reason is None and tzid not in renamed:
                unique = f"{tzid} ~{hashlib.sha256(chr(10).join(block).encode()).hexdigest()[:16]}"
                candidate = [_rename_tzid_property(line, unique) for line in block]
                try:
                    zone: Any = icalendar.Timezone.from_ical("\r\n".join(candidate))
                    zone.to_tz(lookup_tzid=False)
                except Exception as error:
                    reason = f"icalendar cannot use it ({_reason(error)})"
                else:
                    renamed[tzid] = unique
            if reason is not None:
                self.problem(
                    "unsupported_time_zone",
                    f"The time zone {_clip(tzid or '?')!r} is defined with rules that cannot be used: {reason}.",
                    row=row,
                    column="VTIMEZONE",
                )
                dropped.append((first, last))
            elif tzid is not None:
                defined.add(tzid)
        for first, last in reversed(dropped):
            del lines[first : last + 1]
        out: list[str] = []
        for line in lines:
            if "TZID" in line.upper():
                line = _rename_tzid_parameters(line, renamed, defined)
                if line[:5].upper() == "TZID:" and line[5:].strip() in renamed:
                    line = line[:5] + renamed[line[5:].strip()]
            out.append(line)
        return "\r\n".join(out)

    def _series(self, events: list[Any], rows: list[int | None]) -> Iterator[_Series]:
        by_uid: dict[str, _Series] = {}
        synthetic: dict[str, int] = {}
        for component, row in zip(events, rows, strict=True):
            uid_values = _values(component.get("UID"))
            uid = str(uid_values[0]).strip() if uid_values else ""
            if not uid:
                uid = _synthetic_uid(component)
                synthetic[uid] = synthetic.get(uid, 0) + 1
                if synthetic[uid] > 1:  # two UID-less events at the same times stay two events
                    uid = f"{uid}-{synthetic[uid]}"
            series = by_uid.setdefault(uid, _Series(uid=uid))
            series.components.append(component)
            series.rows.append(row)
            if not self._valid(component, row, series):
                series.bad = True
        yield from by_uid.values()

    def _valid(self, component: Any, row: int | None, series: _Series) -> bool:
        """Whether a VEVENT can be expanded; a problem for each reason it cannot."""
        ok = True
        for name, reason in getattr(component, "errors", []) or []:
            name = str(name).upper()
            if name in _CHECKED_PROPERTIES:
                code = "invalid_recurrence" if name == "RRULE" else "invalid_datetime"
                self.problem(code, f"{name} cannot be read: {_clip(str(reason))}.", row=row, column=name)
                ok = False
        for name in _SINGLE_PROPERTIES:
            if isinstance(component.get(name), list):
                code = "invalid_event" if name == "UID" else "invalid_datetime"
                self.problem(code, f"{name} appears more than once in the event.", row=row, column=name)
                ok = False
        if not ok:
            return False
        if component.get("DTSTART") is None:
            self.problem("missing_start", "The event has no DTSTART.", row=row, column="DTSTART")
            return False
        for name in _DATE_PROPERTIES:
            for value in _values(component.get(name)):
                tzid = value.params.get("TZID") if hasattr(value, "params") else None
                if tzid and any(isinstance(d, dt.datetime) and d.tzinfo is None for d in _datetimes(value)):
                    self.problem(
                        "unknown_time_zone",
                        f"{name} names the time zone {_clip(str(tzid))!r}, which the calendar does not define "
                        "and which is not a known time zone name.",
                        row=row,
                        column=name,
                    )
                    ok = False
        if not ok:
            return False
        try:
            start = self._utc(component.decoded("DTSTART"))
            if component.get("DTEND") is not None:
                if self._utc(component.decoded("DTEND")) < start:
                    self.problem("end_before_start", "DTEND is before DTSTART.", row=row, column="DTEND")
                    return False
            elif component.get("DURATION") is not None:
                duration = component.decoded("DURATION")
                if not isinstance(duration, dt.timedelta) or duration < dt.timedelta(0):
                    self.problem("end_before_start", "DURATION is negative.", row=row, column="DURATION")
                    return False
            rules = _values(component.get("RRULE"))
            start_zone = getattr(component.decoded("DTSTART"), "tzinfo", None)
            cost = (
                1
                if start_zone is None or isinstance(start_zone, zoneinfo.ZoneInfo | dt.timezone)
                else DEFINED_ZONE_COST
            )
            for rule in rules:
                if not self._rule_bounded(rule, start, row, cost):
                    return False
            if any("COUNT" in rule and "UNTIL" in rule for rule in rules):
                if len(rules) > 1 or component.get("RECURRENCE-ID") is not None:
                    self.problem(
                        "invalid_recurrence",
                        "An RRULE has both COUNT and UNTIL, which RFC 5545 forbids.",
                        row=row,
                        column="RRULE",
                    )
                    return False
                series.until = self._utc(_values(rules[0]["UNTIL"])[0])
                del rules[0]["UNTIL"]
                series.rdates = {self._utc(d) for value in _values(component.get("RDATE")) for d in _datetimes(value)}
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as error:
            self.problem("invalid_datetime", f"The event's times cannot be read: {_reason(error)}.", row=row)
            return False
        return True

    def _rule_bounded(self, rule: Any, start: dt.datetime, row: int | None, cost: int) -> bool:
        """Whether ``rule`` from ``start`` can be expanded in bounded time (problems when not).

        ``cost`` weighs each step (``DEFINED_ZONE_COST`` in a zone the calendar defines itself).
        """
        parts = _rule_parts(rule)
        stop = self.window_end + _MARGIN
        until = (parts.get("UNTIL") or [None])[0]
        if until is not None:
            stop = min(stop, self._utc(until))
        walked = _repetitions(parts, start, stop)
        if walked is None or walked * cost > MAX_RULE_STEPS or self.steps + walked * cost > MAX_TOTAL_STEPS:
            limit = MAX_RULE_STEPS // cost
            self.problem(
                "recurrence_too_frequent",
                f"The rule {_clip(_rule_text(rule))!r} repeats too often between its start and the window's end "
                f"to be expanded (at most {limit:,} repetitions"
                f"{' in a time zone the calendar defines' if cost > 1 else ''}, fewer if the file has many).",
                row=row,
                column="RRULE",
            )
            return False
        self.steps += walked * cost
        in_window = _repetitions(parts, max(start, self.window_start - _MARGIN), stop)
        if in_window is not None and in_window * cost > self.max_events:
            self.problem(
                "too_many_events",
                f"The rule {_clip(_rule_text(rule))!r} can repeat more than {self.max_events // cost:,} times in "
                f"the window{' in a time zone the calendar defines' if cost > 1 else ''}; reading stopped there.",
                row=row,
                column="RRULE",
            )
            raise _Stop
        return True

    def _expand(self, series: _Series) -> None:
        sub = icalendar.Calendar()
        for component in series.components:
            sub.add_component(component)
        try:
            occurrences = recurring_ical_events.CalendarQuery(sub).between(
                self.window_start - _MARGIN, self.window_end + _MARGIN
            )
            by_recurrence: dict[dt.datetime, list[Any]] = {}
            for component in series.components:
                if component.get("RECURRENCE-ID") is not None:
                    by_recurrence.setdefault(self._utc(component.decoded("RECURRENCE-ID")), []).append(component)
            overrides = {recurrence: _latest(versions) for recurrence, versions in by_recurrence.items()}
            master = series.master
            found: list[Busy] = []
            for occurrence in occurrences:
                busy = self._occurrence(series, occurrence, overrides, master)
                if busy is not None:
                    found.append(busy)
        except Exception as error:
            self.problem(
                "invalid_event",
                f"The event (UID {_clip(series.uid)!r}) cannot be expanded: {_reason(error)}.",
                row=series.row,
            )
            return
        for busy in found:
            self._add(busy)

    def _occurrence(
        self, series: _Series, occurrence: Any, overrides: dict[dt.datetime, Any], master: Any | None
    ) -> Busy | None:
        if str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            return None
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            return None
        start_value = occurrence.decoded("DTSTART")
        starts_at = self._utc(start_value)
        recurrence_id = occurrence.get("RECURRENCE-ID")
        recurrence = self._utc(recurrence_id.dt) if recurrence_id is not None else None
        all_day = not isinstance(start_value, dt.datetime)
        source = overrides.get(recurrence) if recurrence is not None else None
        generated = source is None and master is not None and series.recurring
        if (
            series.until is not None
            and recurrence is not None
            and recurrence > series.until
            and recurrence not in series.rdates
            and recurrence not in overrides
        ):
            return None
        if source is None:
            source = master if master is not None else series.components[0]
        ends_at = self._end(occurrence, source, start_value, starts_at, generated=generated)
        if ends_at is None:
            return None
        clipped_start = max(starts_at, self.window_start)
        clipped_end = min(ends_at, self.window_end)
        if clipped_end <= clipped_start:
            return None
        return Busy(
            starts_at=clipped_start,
            ends_at=clipped_end,
            all_day=all_day,
            uid=series.uid,
            recurrence=recurrence if series.recurring else None,
        )

    def _end(
        self, occurrence: Any, source: Any, start_value: Any, starts_at: dt.datetime, *, generated: bool
    ) -> dt.datetime | None:
        """The occurrence's end (RFC 5545: DTEND's exact duration, DURATION's nominal days); None: no length."""
        if not isinstance(start_value, dt.datetime):  # all day: whole local days
            end_value = occurrence.decoded("DTEND") if occurrence.get("DTEND") is not None else None
            if end_value is None:
                return self._utc(start_value + dt.timedelta(days=1))
            return self._utc(end_value)
        if source.get("DTEND") is not None:
            if generated:
                exact = self._utc(source.decoded("DTEND")) - self._utc(source.decoded("DTSTART"))
                return starts_at + exact
            return self._utc(source.decoded("DTEND"))
        if source.get("DURATION") is not None:
            duration: dt.timedelta = source.decoded("DURATION")
            nominal = dt.timedelta(days=duration.days)
            exact = duration - nominal
            return self._utc(start_value + nominal) + exact
        return None  # RFC 5545 3.6.1: a timed event without DTEND or DURATION takes no time

    def _free_busy(self, component: Any, row: int | None) -> None:
        uid_values = _values(component.get("UID"))
        uid = (str(uid_values[0]).strip() if uid_values else "") or _synthetic_uid(component)
        for name, reason in getattr(component, "errors", []) or []:
            if str(name).upper() == "FREEBUSY":
                self.problem(
                    "invalid_datetime", f"FREEBUSY cannot be read: {_clip(str(reason))}.", row=row, column="FREEBUSY"
                )
                return
        for value in _values(component.get("FREEBUSY")):
            params = getattr(value, "params", {}) or {}
            if str(params.get("FBTYPE", "BUSY")).upper() not in _BUSY_TYPES:
                continue
            for period in _periods(value):
                try:
                    start, end_or_duration = period
                    starts_at = self._utc(start)
                    if isinstance(end_or_duration, dt.timedelta):
                        ends_at = starts_at + end_or_duration
                    else:
                        ends_at = self._utc(end_or_duration)
                except (ValueError, TypeError, OverflowError) as error:
                    self.problem(
                        "invalid_datetime",
                        f"A FREEBUSY period cannot be read: {_reason(error)}.",
                        row=row,
                        column="FREEBUSY",
                    )
                    continue
                if ends_at < starts_at:
                    self.problem(
                        "end_before_start", "A FREEBUSY period ends before it starts.", row=row, column="FREEBUSY"
                    )
                    continue
                clipped_start = max(starts_at, self.window_start)
                clipped_end = min(ends_at, self.window_end)
                if clipped_end > clipped_start:
                    self._add(Busy(starts_at=clipped_start, ends_at=clipped_end, all_day=False, uid=uid))

    # --- helpers ---------------------------------------------------------------------------------------------

    def _add(self, busy: Busy) -> None:
        if len(self.busy) >= self.max_events:
            self.problem(
                "too_many_events",
                f"The calendar has more than {self.max_events:,} busy times in the window; reading stopped there.",
            )
            raise _Stop
        self.busy.append(busy)

    def _check_time(self) -> None:
        if time.monotonic() - self.started > TIME_BUDGET_SECONDS:
            self.problem(
                "too_many_events",
                f"Expanding the calendar's recurrences took more than {TIME_BUDGET_SECONDS:.0f} seconds; "
                "reading stopped there.",
            )
            raise _Stop

    def _utc(self, value: Any) -> dt.datetime:
        """A DATE (local midnight), floating, or aware value as an aware UTC datetime."""
        if isinstance(value, dt.datetime):
            moment: dt.datetime = value
            if moment.tzinfo is None or moment.utcoffset() is None:
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(dt.UTC)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time(0), tzinfo=self.zone).astimezone(dt.UTC)
        raise TypeError(f"expected a date or date-time, got {type(value).__name__}")


# --- module helpers ------------------------------------------------------------------------------------------


_UNFOLD = re.compile(r"\r?\n[ \t]")
# What a VTIMEZONE's STANDARD/DAYLIGHT rule may use: yearly transitions, one month, one weekday rule.
_ZONE_RULE_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYMONTH", "BYDAY", "BYMONTHDAY"})
MAX_ZONE_TRANSITIONS = 2_000  # STANDARD/DAYLIGHT blocks plus RDATE values in one VTIMEZONE
MIN_ZONE_YEAR = 1500  # Outlook starts its rules in 1601; each conversion walks them from their start


def _blocks(lines: list[str], name: str) -> list[tuple[int, int]]:
    """(first, last) line indexes of each top-level-or-nested BEGIN:name … END:name block (not nested in itself)."""
    found: list[tuple[int, int]] = []
    begin: int | None = None
    for index, line in enumerate(lines):
        upper = line.strip().upper()
        if upper == f"BEGIN:{name}" and begin is None:
            begin = index
        elif upper == f"END:{name}" and begin is not None:
            found.append((begin, index))
            begin = None
    return found


def _content_name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()


def _tzid_of(block: list[str]) -> str | None:
    depth = 0
    for line in block[1:]:
        name = _content_name(line)
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth -= 1
        elif name == "TZID" and depth == 0 and ":" in line:
            return line.split(":", 1)[1].strip() or None
    return None


def _time_zone_trouble(block: list[str]) -> str | None:
    """Why a VTIMEZONE block would be too costly to use, or None."""
    transitions = 0
    for line in block:
        name = _content_name(line)
        value = line.split(":", 1)[1] if ":" in line else ""
        if name == "BEGIN" and value.strip().upper() in {"STANDARD", "DAYLIGHT"}:
            transitions += 1
        elif name == "RDATE":
            transitions += value.count(",") + 1
        elif name == "DTSTART" and value.strip()[:4].isdigit() and int(value.strip()[:4]) < MIN_ZONE_YEAR:
            return f"a transition starts before the year {MIN_ZONE_YEAR}"
        elif name == "RRULE":
            parts: dict[str, str] = {}
            for item in value.split(";"):
                key, _, part = item.partition("=")
                parts[key.strip().upper()] = part.strip()
            if parts.get("FREQ", "").upper() != "YEARLY":
                return f"a transition repeats {parts.get('FREQ', 'irregularly').lower()}, not yearly"
            if set(parts) - _ZONE_RULE_PARTS:
                return f"a transition rule uses {', '.join(sorted(set(parts) - _ZONE_RULE_PARTS))}"
            sizes = {key: len(parts[key].split(",")) for key in ("BYMONTH", "BYDAY") if key in parts}
            if any(size > 1 for size in sizes.values()) or len(parts.get("BYMONTHDAY", "").split(",")) > 7:
                return "a transition rule names several months or weekdays"
        if transitions > MAX_ZONE_TRANSITIONS:
            return f"it lists more than {MAX_ZONE_TRANSITIONS:,} transitions"
    return None


def _is_iana(tzid: str) -> bool:
    try:
        zoneinfo.ZoneInfo(tzid.strip("/"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _global_tzid(tzid: str) -> str | None:
    """The IANA name at the end of a "globally unique" ``/vendor/…/Area/City`` TZID (RFC 5545 3.2.19)."""
    parts = tzid.strip("/").split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if _is_iana(candidate):
            return candidate
    return None


def _rename_tzid_property(line: str, unique: str) -> str:
    return f"{line.split(':', 1)[0]}:{unique}" if _content_name(line) == "TZID" and ":" in line else line


def _value_colon(line: str) -> int | None:
    """The index of the colon between a content line's name and parameters and its value."""
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            return index
    return None


def _rename_tzid_parameters(line: str, renamed: dict[str, str], defined: set[str]) -> str:
    """The content line with each TZID parameter naming a renamed zone (or a vendor-prefixed one) replaced."""
    end = _value_colon(line)
    if end is None:
        return line
    head, rest = line[:end], line[end:]
    pieces: list[str] = []
    current: list[str] = []
    in_quotes = False
    for char in head:
        if char == '"':
            in_quotes = not in_quotes
        if char == ";" and not in_quotes:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    changed = False
    for index, piece in enumerate(pieces[1:], start=1):
        key, sep, value = piece.partition("=")
        if not sep or key.strip().upper() != "TZID":
            continue
        tzid = value.strip().strip('"')
        replacement = renamed.get(tzid)
        if replacement is None and tzid.startswith("/") and tzid not in defined and not _is_iana(tzid):
            replacement = _global_tzid(tzid)
        if replacement is not None:
            pieces[index] = (
                f'{key}="{replacement}"' if any(c in replacement for c in ';:,"') else f"{key}={replacement}"
            )
            changed = True
    return ";".join(pieces) + rest if changed else line


def _latest(components: Iterable[Any]) -> Any | None:
    """The component with the highest SEQUENCE; the first of those on a tie (None if there is none)."""
    latest: Any | None = None
    for component in components:
        if latest is None or _sequence(component) > _sequence(latest):
            latest = component
    return latest


def _sequence(component: Any) -> int:
    try:
        return int(component.get("SEQUENCE", -1))
    except (TypeError, ValueError):
        return -1


def _component_lines(text: str) -> dict[str, list[int]]:
    """Line numbers (1-based) of every ``BEGIN:<name>``, by component name, in file order."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip().upper()
        if stripped.startswith("BEGIN:"):
            lines.setdefault(stripped[6:], []).append(number)
    return lines


def _rows_for(components: list[Any], lines: list[int]) -> list[int | None]:
    """The BEGIN line of each component; unknown (None) when the parser's count differs from the text's."""
    if len(components) == len(lines):
        return list(lines)
    return [None] * len(components)


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _datetimes(value: Any) -> Iterable[Any]:
    """The date/date-time values of a DTSTART-like (``.dt``) or RDATE/EXDATE-like (``.dts``) property."""
    if hasattr(value, "dts"):
        for item in value.dts:
            inner = getattr(item, "dt", item)
            yield from (inner[0],) if isinstance(inner, tuple) else (inner,)
    elif hasattr(value, "dt"):
        inner = value.dt
        yield from (inner[0],) if isinstance(inner, tuple) else (inner,)


def _periods(value: Any) -> list[tuple[Any, Any]]:
    inner = getattr(value, "dt", None)
    if isinstance(inner, tuple) and len(inner) == 2:
        return [inner]
    return []


def _rule_parts(rule: Any) -> dict[str, list[Any]]:
    return {str(k).upper(): v if isinstance(v, list) else [v] for k, v in dict(rule).items()}


def _repetitions(parts: dict[str, list[Any]], start: dt.datetime, stop: dt.datetime) -> int | None:
    """An upper bound of the repetitions the rule engine walks from ``start`` to ``stop``; None if unknown."""
    freq = str((parts.get("FREQ") or [""])[0]).upper()
    if freq not in _FREQ_SECONDS:
        return None
    try:
        interval = max(1, int((parts.get("INTERVAL") or [1])[0]))
        count = int(parts["COUNT"][0]) if "COUNT" in parts else None
    except (TypeError, ValueError):
        return None
    span = max(0.0, (stop - start).total_seconds())
    steps = int(span // (_FREQ_SECONDS[freq] * interval)) + 1
    finer = _FREQ_ORDER[: _FREQ_ORDER.index(freq)]
    per_step = 1
    expanding = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
    for part, unit in _TIME_PARTS:
        if unit in finer:
            expanding.add(part)
            if part in parts:
                per_step *= max(1, len(parts[part]))
    if freq in _DAYS_PER_STEP:
        expanding.update(_DAY_PARTS)
        if any(part in parts for part in _DAY_PARTS):
            per_step *= _DAYS_PER_STEP[freq]
    if freq == "YEARLY":
        expanding.add("BYMONTH")
        if "BYMONTH" in parts and not any(part in parts for part in _DAY_PARTS):
            per_step *= max(1, len(parts["BYMONTH"]))
    total = steps * per_step
    if count is not None and not set(parts) - expanding:  # nothing filters: the engine stops after COUNT
        total = min(total, max(0, count))
    return total


def _rule_text(rule: Any) -> str:
    try:
        return rule.to_ical().decode("utf-8", "replace") if hasattr(rule, "to_ical") else str(rule)
    except Exception:
        return "RRULE"


def _synthetic_uid(component: Any) -> str:
    """A stable identity for a component without UID: a digest of its times (never of its text)."""
    digest = hashlib.sha256()
    for name in ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "FREEBUSY"):
        for value in _values(component.get(name)):
            try:
                digest.update(name.encode() + b":" + value.to_ical() + b"\n")
            except Exception:
                digest.update(name.encode() + b":?\n")
    return f"no-uid-{digest.hexdigest()[:32]}"


def _reason(error: BaseException) -> str:
    return _clip(re.sub(r"\s+", " ", str(error)).strip().rstrip(".") or type(error).__name__)


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 1] + "…"

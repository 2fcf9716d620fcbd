"""CME credits from door scans, as pure functions: presence, minutes per session, the majority rule, caps.

Nothing here touches the database or the web: the application loads the scans, the released sessions
and the attendee's evaluations, and calls ``presences``, ``statement`` or ``statements``. The rules,
with a worked example, are in ``docs/cme.md``; in short:

* **Presence.** Scans are sorted by time (at one instant an exit before an entry, then by room), and
  repeated scans of the same room, time and direction count once. An entry (``in``, or a scan whose
  direction the door does not know) opens a presence in that room and ends any open one. An exit
  from the same room ends it at the exit, however late. Without that exit, a presence ends at the
  next scan or at its *limit*, whichever comes first: the latest end of the sessions in that room
  that were running at the entry or started within ``entry_tolerance_minutes`` after it. An entry
  with no such session has no limit to run to and gives no presence (unless an exit from the same
  room closes it).
* **Minutes per session** are the overlap of presence in the session's room with ``[start, end)``.
* **Eligible sessions**: CME-eligible, evaluated (if the congress requires it), and attended for more
  than ``majority`` of their duration (strictly). Credit follows the time actually attended.
* **Time counts once.** Overlapping eligible sessions share their common time: it goes to the one
  that starts first (then ends first, then by key), so a person's credited time is a union.
* **Credits per day** are credited hours × ``credits_per_hour``, clipped to the half-day caps
  (morning and afternoon, split at ``half_day_split`` local time) and the day's cap, then rounded
  down to ``rounding_step``. Rounding is cumulative within the day, so each session gets the
  increase of the rounded running total: the sessions' credits add up to the day's exactly.

All arithmetic is integer microseconds and ``Fraction``; credits come out as ``Decimal`` with two places.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, NamedTuple

import msgspec

ROUNDING_STEPS = (Decimal("0.25"), Decimal("0.5"), Decimal("1"))
MAX_CREDITS_PER_HOUR = Decimal(10)
MAX_CAP = Decimal(100)
MAX_ENTRY_TOLERANCE_MINUTES = 120

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_US_PER_HOUR = 3_600_000_000
_CENT = Decimal("0.01")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class Direction(enum.StrEnum):
    """What the door reader knows about the scan; ``None`` on a ``Scan`` when it does not know."""

    IN = "in"
    OUT = "out"


class Ended(enum.StrEnum):
    """How a presence ended."""

    EXIT = "exit"  # an exit scan at the same room
    NEXT_SCAN = "next_scan"  # the person's next scan elsewhere (or a new entry here)
    SESSION_END = "session_end"  # no exit: the end of the session running at the entry


class Reason(enum.StrEnum):
    """Why a session earned less than the time spent in it."""

    NOT_CME_ELIGIBLE = "not_cme_eligible"
    NOT_EVALUATED = "not_evaluated"
    BELOW_MAJORITY = "below_majority"
    OVERLAP = "overlap"
    CAPPED = "capped"


REASON_TEXT: Mapping[Reason, str] = {
    Reason.NOT_CME_ELIGIBLE: "not CME-eligible",
    Reason.NOT_EVALUATED: "not evaluated",
    Reason.BELOW_MAJORITY: "below majority",
    Reason.OVERLAP: "time already counted for an overlapping session",
    Reason.CAPPED: "capped",
}


class Half(enum.StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


def _decimal_problem(value: object, name: str, *, low: Decimal, high: Decimal, low_open: bool) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return f"{name} must be a finite decimal number"
    if value < low or (low_open and value == low) or value > high:
        bound = "greater than" if low_open else "at least"
        return f"{name} must be {bound} {low} and at most {high}, not {value}"
    return None


class CmeConfig(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A congress's CME rules. Decode with ``msgspec.json.decode(raw, type=CmeConfig)`` or
    ``msgspec.convert(mapping, CmeConfig)``: a broken rule is a ``msgspec.ValidationError`` naming the
    field; building one directly raises ``ValueError`` with the same message."""

    credits_per_hour: Decimal = Decimal(1)
    rounding_step: Decimal = Decimal(1)
    # A session counts when attended for strictly more than this share of its duration.
    majority: Decimal = Decimal("0.5")
    entry_tolerance_minutes: Annotated[int, msgspec.Meta(ge=0, le=MAX_ENTRY_TOLERANCE_MINUTES)] = 15
    # Caps per local day; days not listed take default_day_cap (None: no cap).
    day_caps: dict[dt.date, Decimal] = msgspec.field(default_factory=dict)
    default_day_cap: Decimal | None = None
    half_day_cap: Decimal | None = None
    half_day_split: Annotated[str, msgspec.Meta(pattern=_CLOCK.pattern)] = "13:00"
    evaluation_required: bool = False

    def __post_init__(self) -> None:
        problems = [
            _decimal_problem(
                self.credits_per_hour, "credits_per_hour", low=Decimal(0), high=MAX_CREDITS_PER_HOUR, low_open=True
            ),
            _decimal_problem(self.majority, "majority", low=Decimal(0), high=Decimal(1), low_open=False),
        ]
        if isinstance(self.majority, Decimal) and self.majority.is_finite() and self.majority == 1:
            problems.append("majority must be less than 1 (nobody attends more than all of a session)")
        if not isinstance(self.rounding_step, Decimal) or self.rounding_step not in ROUNDING_STEPS:
            problems.append(f"rounding_step must be 0.25, 0.5 or 1, not {self.rounding_step}")
        tolerance = self.entry_tolerance_minutes
        if isinstance(tolerance, bool) or not isinstance(tolerance, int):
            problems.append("entry_tolerance_minutes must be a whole number of minutes")
        elif not 0 <= tolerance <= MAX_ENTRY_TOLERANCE_MINUTES:
            problems.append(f"entry_tolerance_minutes must be 0 to {MAX_ENTRY_TOLERANCE_MINUTES}, not {tolerance}")
        if not isinstance(self.half_day_split, str) or not _CLOCK.match(self.half_day_split):
            problems.append(f"half_day_split must be a local time HH:MM, not {self.half_day_split!r}")
        caps: list[tuple[str, Decimal | None]] = [
            ("default_day_cap", self.default_day_cap),
            ("half_day_cap", self.half_day_cap),
            *((f"day_caps[{day.isoformat()}]", cap) for day, cap in sorted(self.day_caps.items())),
        ]
        for name, cap in caps:
            if cap is None:
                continue
            problem = _decimal_problem(cap, name, low=Decimal(0), high=MAX_CAP, low_open=False)
            if problem is None and self.rounding_step in ROUNDING_STEPS and cap % self.rounding_step:
                problem = f"{name} {cap} is not a multiple of the rounding step {self.rounding_step}"
            if problem is not None:
                problems.append(problem)
        found = [p for p in problems if p is not None]
        if found:
            raise ValueError("; ".join(found))

    @property
    def split_time(self) -> dt.time:
        """The local time at which the afternoon starts."""
        return dt.time.fromisoformat(self.half_day_split)

    def day_cap(self, day: dt.date) -> Decimal | None:
        """The cap for one local day: its own, else the default, else none."""
        return self.day_caps.get(day, self.default_day_cap)


def _aware(moment: object, name: str) -> None:
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


class Scan(msgspec.Struct, kw_only=True, frozen=True):
    """One badge scan at a session room's door."""

    person: str
    room: str
    scanned_at: dt.datetime
    direction: Direction | None = None

    def __post_init__(self) -> None:
        _aware(self.scanned_at, "scanned_at")


class SessionSlot(msgspec.Struct, kw_only=True, frozen=True):
    """One run of a released session: where, when ``[starts_at, ends_at)``, and its local day."""

    key: str
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    day: dt.date
    title: str = ""
    cme: bool = True

    def __post_init__(self) -> None:
        _aware(self.starts_at, "starts_at")
        _aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"session {self.key!r} must end after it starts")


class Presence(msgspec.Struct, kw_only=True, frozen=True):
    """A span ``[starts_at, ends_at)`` (UTC) that a person spent in a room, as read from the scans."""

    person: str
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    ended_by: Ended


class SessionCredit(msgspec.Struct, kw_only=True, frozen=True):
    """One session a person was present in, and what it earned.

    ``minutes_present`` is the time in the room during the session; ``minutes_credited`` the part of
    it that counts towards credits (none when the session is not eligible; less when an overlapping
    session counted some of it first). Caps cut credits, not minutes. Minutes are whole minutes,
    rounded down; the credits come from the exact time. ``reasons`` is empty when all of the time
    present counted.
    """

    key: str
    title: str
    room: str
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes_present: int
    minutes_credited: int
    credits: Decimal
    reasons: tuple[Reason, ...]


class DayCredit(msgspec.Struct, kw_only=True, frozen=True):
    """One local day: its sessions in time order, its half-day and day credits, and the cap that applied."""

    day: dt.date
    sessions: tuple[SessionCredit, ...]
    minutes_credited: int
    morning_credits: Decimal
    afternoon_credits: Decimal
    credits: Decimal
    cap: Decimal | None
    half_day_cap: Decimal | None


class Statement(msgspec.Struct, kw_only=True, frozen=True):
    """A person's CME statement: the days with any session attended, and the total."""

    person: str
    days: tuple[DayCredit, ...]
    minutes_credited: int
    credits: Decimal


# -- time as integer microseconds -------------------------------------------------------------------

Span = tuple[int, int]


def _us(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _moment(us: int) -> dt.datetime:
    return _EPOCH + us * _MICROSECOND


def _length(spans: Iterable[Span]) -> int:
    return sum(b - a for a, b in spans)


def _clip(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    """The parts of sorted, disjoint spans inside ``[start, end)``."""
    return [(max(a, start), min(b, end)) for a, b in spans if a < end and b > start]


def _union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif a < b:
            merged.append((a, b))
    return merged


def _subtract(spans: Sequence[Span], taken: Sequence[Span]) -> list[Span]:
    """Sorted, disjoint spans minus sorted, disjoint spans."""
    result: list[Span] = []
    for a, b in spans:
        start = a
        for c, d in taken:
            if d <= start or c >= b:
                continue
            if c > start:
                result.append((start, c))
            start = max(start, d)
            if start >= b:
                break
        if start < b:
            result.append((start, b))
    return result


class _Slot(NamedTuple):
    start: int
    end: int
    slot: SessionSlot


class _Programme:
    """The sessions by room, sorted by start, for lookups by time."""

    def __init__(self, sessions: Iterable[SessionSlot]) -> None:
        rooms: dict[str, list[_Slot]] = defaultdict(list)
        keys: set[str] = set()
        for slot in sessions:
            if slot.key in keys:
                raise ValueError(f"two sessions have the key {slot.key!r}")
            keys.add(slot.key)
            rooms[slot.room].append(_Slot(_us(slot.starts_at), _us(slot.ends_at), slot))
        self.rooms = {room: sorted(slots, key=lambda s: (s.start, s.end, s.slot.key)) for room, slots in rooms.items()}
        self.starts = {room: [s.start for s in slots] for room, slots in self.rooms.items()}
        self.longest = {room: max(s.end - s.start for s in slots) for room, slots in self.rooms.items()}

    def between(self, room: str, start: int, end: int) -> list[_Slot]:
        """The sessions in a room that start before ``end`` and end after ``start``."""
        slots = self.rooms.get(room)
        if not slots:
            return []
        starts = self.starts[room]
        first = bisect.bisect_right(starts, start - self.longest[room])
        last = bisect.bisect_left(starts, end)
        return [s for s in slots[first:last] if s.end > start]

    def entry_limit(self, room: str, at: int, tolerance: int) -> int | None:
        """The latest end of the sessions running at ``at`` or starting within ``tolerance`` after it."""
        ends = [s.end for s in self.between(room, at, at + tolerance + 1) if s.end > at]
        return max(ends, default=None)


# -- presence ---------------------------------------------------------------------------------------


def _person_presences(person: str, scans: Iterable[Scan], programme: _Programme, tolerance: int) -> list[Presence]:
    # One key per distinct (time, room, direction); at one instant exits come before entries.
    keys = {
        (_us(s.scanned_at), 0 if s.direction is Direction.OUT else 1, s.room, s.direction or "")
        for s in scans
        if s.person == person
    }
    spans: list[tuple[str, int, int, Ended]] = []
    current: tuple[str, int, int | None] | None = None  # room, since, limit

    def close(at: int | None, exit_here: bool) -> None:
        """End the open presence: at an exit here, else at the next scan ``at`` or the limit, if sooner."""
        assert current is not None
        room, since, limit = current
        if exit_here and at is not None:
            end, how = at, Ended.EXIT
        elif at is not None and limit is not None and at <= limit:
            end, how = at, Ended.NEXT_SCAN
        else:
            end, how = (since if limit is None else limit), Ended.SESSION_END
        if end > since:
            spans.append((room, since, end, how))

    for at, _, room, direction in sorted(keys):
        if current is not None:
            close(at, exit_here=direction == Direction.OUT and current[0] == room)
            current = None
        if direction != Direction.OUT:
            current = (room, at, programme.entry_limit(room, at, tolerance))
    if current is not None:
        close(None, exit_here=False)

    merged: list[tuple[str, int, int, Ended]] = []
    for span in spans:
        if merged and merged[-1][0] == span[0] and merged[-1][2] == span[1]:
            merged[-1] = (span[0], merged[-1][1], span[2], span[3])
        else:
            merged.append(span)
    return [
        Presence(person=person, room=room, starts_at=_moment(a), ends_at=_moment(b), ended_by=how)
        for room, a, b, how in merged
    ]


def presences(scans: Iterable[Scan], sessions: Iterable[SessionSlot], config: CmeConfig) -> list[Presence]:
    """Every person's presences, by person and then time; times in UTC."""
    programme = _Programme(sessions)
    tolerance = config.entry_tolerance_minutes * _US_PER_MINUTE
    by_person: dict[str, list[Scan]] = defaultdict(list)
    for scan in scans:
        by_person[scan.person].append(scan)
    return [
        presence
        for person in sorted(by_person)
        for presence in _person_presences(person, by_person[person], programme, tolerance)
    ]


# -- credits ----------------------------------------------------------------------------------------


def _zone(time_zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}") from error


def _credits(value: Fraction) -> Decimal:
    """A multiple of the rounding step (so of 1/4) as a Decimal with two places."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(_CENT)


def _cap(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


class _Piece(NamedTuple):
    start: int
    order: int  # the session's place in time order
    end: int
    half: Half


def _statement(
    person: str,
    room_presence: Mapping[str, list[Span]],
    programme: _Programme,
    config: CmeConfig,
    zone: zoneinfo.ZoneInfo,
    evaluated: Collection[str],
) -> Statement:
    # Every session with any presence, and the time present in it.
    attended: dict[str, tuple[_Slot, list[Span]]] = {}
    for room, spans in room_presence.items():
        for span_start, span_end in spans:
            for slot in programme.between(room, span_start, span_end):
                if slot.slot.key not in attended:
                    attended[slot.slot.key] = (slot, _clip(spans, slot.start, slot.end))
    ordered = sorted(attended.values(), key=lambda item: (item[0].start, item[0].end, item[0].slot.key))

    majority = Fraction(config.majority)
    rate = Fraction(config.credits_per_hour)
    step = Fraction(config.rounding_step)
    half_cap = _cap(config.half_day_cap)
    split = config.split_time

    reasons: dict[str, list[Reason]] = {}
    credited: dict[str, list[Span]] = {}
    taken: list[Span] = []
    pieces: dict[dt.date, list[_Piece]] = defaultdict(list)
    for order, (slot, spans) in enumerate(ordered):
        session = slot.slot
        why: list[Reason] = []
        reasons[session.key] = why
        if not session.cme:
            why.append(Reason.NOT_CME_ELIGIBLE)
        if config.evaluation_required and session.key not in evaluated:
            why.append(Reason.NOT_EVALUATED)
        if _length(spans) <= majority * (slot.end - slot.start):
            why.append(Reason.BELOW_MAJORITY)
        if why:
            credited[session.key] = []
            continue
        own = _subtract(spans, taken)
        credited[session.key] = own
        taken = _union([*taken, *own])
        if _length(own) < _length(spans):
            why.append(Reason.OVERLAP)
        split_at = _us(dt.datetime.combine(session.day, split, tzinfo=zone))
        for a, b in own:
            if a < split_at:
                pieces[session.day].append(_Piece(a, order, min(b, split_at), Half.MORNING))
            if b > split_at:
                pieces[session.day].append(_Piece(max(a, split_at), order, b, Half.AFTERNOON))

    # Per day: clip each piece's exact credits to the caps in time order, round the running total.
    earned: dict[str, Fraction] = defaultdict(Fraction)
    halves: dict[tuple[dt.date, Half], Fraction] = defaultdict(Fraction)
    for day, day_pieces in pieces.items():
        day_cap = _cap(config.day_cap(day))
        counted = Fraction(0)
        used = {Half.MORNING: Fraction(0), Half.AFTERNOON: Fraction(0)}
        rounded = Fraction(0)
        for piece in sorted(day_pieces):
            session = ordered[piece.order][0].slot
            exact = Fraction((piece.end - piece.start) * rate, _US_PER_HOUR)
            allowed = exact
            if half_cap is not None:
                allowed = min(allowed, half_cap - used[piece.half])
            if day_cap is not None:
                allowed = min(allowed, day_cap - counted)
            if allowed < exact and Reason.CAPPED not in reasons[session.key]:
                reasons[session.key].append(Reason.CAPPED)
            used[piece.half] += allowed
            counted += allowed
            total = (counted // step) * step
            earned[session.key] += total - rounded
            halves[day, piece.half] += total - rounded
            rounded = total

    days: dict[dt.date, list[SessionCredit]] = defaultdict(list)
    for slot, spans in ordered:
        session = slot.slot
        days[session.day].append(
            SessionCredit(
                key=session.key,
                title=session.title,
                room=session.room,
                day=session.day,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                minutes_present=_length(spans) // _US_PER_MINUTE,
                minutes_credited=_length(credited[session.key]) // _US_PER_MINUTE,
                credits=_credits(earned[session.key]),
                reasons=tuple(reasons[session.key]),
            )
        )
    day_credits = []
    for day in sorted(days):
        morning, afternoon = halves[day, Half.MORNING], halves[day, Half.AFTERNOON]
        day_us = sum(_length(credited[s.key]) for s in days[day])
        day_credits.append(
            DayCredit(
                day=day,
                sessions=tuple(days[day]),
                minutes_credited=day_us // _US_PER_MINUTE,
                morning_credits=_credits(morning),
                afternoon_credits=_credits(afternoon),
                credits=_credits(morning + afternoon),
                cap=config.day_cap(day),
                half_day_cap=config.half_day_cap,
            )
        )
    total_us = sum(_length(spans) for spans in credited.values())
    return Statement(
        person=person,
        days=tuple(day_credits),
        minutes_credited=total_us // _US_PER_MINUTE,
        credits=_credits(sum(halves.values(), Fraction(0))),
    )


def _by_room(items: Iterable[Presence]) -> dict[str, list[Span]]:
    rooms: dict[str, list[Span]] = defaultdict(list)
    for presence in items:
        rooms[presence.room].append((_us(presence.starts_at), _us(presence.ends_at)))
    return {room: _union(spans) for room, spans in rooms.items()}


def statement_from_presences(
    person: str,
    presence: Iterable[Presence],
    sessions: Iterable[SessionSlot],
    config: CmeConfig,
    *,
    time_zone: str,
    evaluated: Collection[str] = frozenset(),
) -> Statement:
    """A person's statement from presences already known (those of other people are ignored).

    ``evaluated`` holds the keys of the sessions the person evaluated; it matters only when the
    config requires evaluations. ``time_zone`` is the congress's (IANA name): it places the
    morning/afternoon split.
    """
    zone = _zone(time_zone)
    own = _by_room(p for p in presence if p.person == person)
    return _statement(person, own, _Programme(sessions), config, zone, evaluated)


def statement(
    person: str,
    scans: Iterable[Scan],
    sessions: Iterable[SessionSlot],
    config: CmeConfig,
    *,
    time_zone: str,
    evaluated: Collection[str] = frozenset(),
) -> Statement:
    """A person's CME statement from door scans (scans of other people are ignored)."""
    zone = _zone(time_zone)
    programme = _Programme(sessions)
    tolerance = config.entry_tolerance_minutes * _US_PER_MINUTE
    own = _by_room(_person_presences(person, scans, programme, tolerance))
    return _statement(person, own, programme, config, zone, evaluated)


def statements(
    scans: Iterable[Scan],
    sessions: Iterable[SessionSlot],
    config: CmeConfig,
    *,
    time_zone: str,
    evaluated: Mapping[str, Collection[str]] | None = None,
) -> list[Statement]:
    """The statement of everyone with a scan, by person; ``evaluated`` maps a person to session keys."""
    zone = _zone(time_zone)
    programme = _Programme(sessions)
    tolerance = config.entry_tolerance_minutes * _US_PER_MINUTE
    by_person: dict[str, list[Scan]] = defaultdict(list)
    for scan in scans:
        by_person[scan.person].append(scan)
    done = evaluated or {}
    return [
        _statement(
            person,
            _by_room(_person_presences(person, by_person[person], programme, tolerance)),
            programme,
            config,
            zone,
            done.get(person, frozenset()),
        )
        for person in sorted(by_person)
    ]

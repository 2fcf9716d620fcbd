"""Score a CoSPLib schedule exactly as upstream's checker does.

Upstream (ahmedkheiri/CoSPLib, ``Solver/solution.py``, ``evaluate_solution``)
sums, for every penalty family whose weight is above 0, the weight times the
family's violations, plus an unweighted check of multi-slot submissions. This
module computes the same numbers from :class:`importers.cosplib.Instance` and
:class:`importers.cosplib.Solution`, including upstream's quirks, which decide
the published scores (each is described in ``docs/cosplib.md``):

* the submission penalties (sessions, rooms, time zones) are counted once per
  time slot a submission fills, so a submission filling three slots counts three
  times;
* a time slot is known by the session's name followed by the slot's number
  (``"Mon1" + "0"``), and a (session, room) pair by the two names joined: names
  that run together share one key, as they do upstream;
* the similar-tracks penalty of two tracks is the cell in the row of the track
  listed first and the column of the other one (upstream reads the part above
  the diagonal);
* upstream's current ``Problem`` (``domain/problem.py``) fills only the
  attendee-conflict lists, so the presenter and chair conflict families always
  count 0 (``earlier_conflict_rules=True`` counts them as an earlier upstream
  version did; see the docs);
* the session's date is ignored and every session is taken to be on
  2021-07-21; the conference's time zone is attached the way ``pytz`` does with
  ``datetime.replace``, i.e. with the zone's first (local mean time) offset,
  rounded to the minute (which makes no difference for GMT±N zones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from importers.cosplib import Instance, Number, Solution, time_zone

__all__ = [
    "FAMILIES",
    "FamilyScore",
    "Score",
    "attendee_conflicts",
    "score",
    "similar_penalty",
    "time_zone_penalties",
]

# Upstream's constants for the multi-slot check.
_SPLIT_SUBMISSION = 10_000_000  # a multi-slot submission's slots in one (session, room) differ from what it needs
_SCATTERED_SUBMISSION = 1_000_000_000  # a multi-slot submission's slots are not consecutive (or it is missing)
_REFERENCE_DAY = dt.date(2021, 7, 21)  # upstream puts every session on this day

# (key, upstream's name, field of Weights or None when unweighted) in upstream's order of evaluation.
FAMILIES: tuple[tuple[str, str, str | None], ...] = (
    ("tracks_sessions", "Tracks_Sessions|Penalty", "tracks_sessions"),
    ("tracks_rooms", "Tracks_Rooms|Penalty", "tracks_rooms"),
    ("sessions_rooms", "Sessions_Rooms|Penalty", "sessions_rooms"),
    ("similar_tracks", "Similar Tracks", "similar_tracks"),
    ("rooms_per_track", "Number of rooms per track", "rooms_per_track"),
    ("parallel_tracks", "Parallel tracks", "parallel_tracks"),
    ("consecutive_tracks", "Consecutive tracks", "consecutive_tracks"),
    ("submissions_time_zones", "Submissions timezones", "submissions_time_zones"),
    ("submissions_order", "Submissions order", "submissions_order"),
    ("submissions_sessions", "Submissions_Sessions|Penalty", "submissions_sessions"),
    ("submissions_rooms", "Submissions_Rooms|Penalty", "submissions_rooms"),
    ("presenters_conflicts", "Presenters conflicts [Session Level]", "presenters_conflicts"),
    ("attendees_conflicts", "Attendees conflicts [Session Level]", "attendees_conflicts"),
    ("chairs_conflicts", "Chairs conflicts", "chairs_conflicts"),
    ("presenters_conflicts_time_slot", "Presenters conflicts [Timeslot Level]", "presenters_conflicts_time_slot"),
    ("attendees_conflicts_time_slot", "Attendees conflicts [Timeslot Level]", "attendees_conflicts_time_slot"),
    ("multi_slot_submissions", "Submissions with multiple timeslots in different sessions", None),
)


class FamilyScore(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    # Upstream's name for the family (as its checker prints it, without the trailing colon).
    name: str
    # The weight from the parameters sheet; None for the multi-slot check, which upstream always counts as is.
    weight: int | None
    # The family's unweighted value (a count of violations, or a sum of penalties).
    violations: Number
    # Whether upstream counts the family (weight above 0, or unweighted).
    counted: bool
    # What the family adds to the total: weight × violations when counted, else 0.
    value: Number


class Score(msgspec.Struct, frozen=True, kw_only=True):
    total: Number
    families: list[FamilyScore]
    # Every submission placed, in exactly as many slots as it needs (upstream's evaluate_all_submissions_scheduled).
    all_scheduled: bool
    # Every placed submission belongs to the track of its (session, room) (upstream's validate_solution).
    tracks_consistent: bool

    def family(self, key: str) -> FamilyScore:
        for family in self.families:
            if family.key == key:
                return family
        raise KeyError(key)


# --- the schedule as indices (upstream's representation) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Model:
    instance: Instance
    # [session][room] → track index or -1; [session][room][slot] → submission index or -1.
    tracks: list[list[int]]
    subs: list[list[list[int]]]
    track_of: list[int]  # submission → its track's index
    # Conflict lists as upstream builds them (submission → set of submissions; track → set of tracks).
    presenter_conflicts: list[set[int]]
    attendee_conflicts: list[set[int]]
    chair_conflicts: list[set[int]]

    def cells(self) -> list[tuple[int, int, int, int]]:
        """(session, room, slot, submission) for every filled slot, in upstream's loop order."""
        return [
            (s, r, t, sub)
            for s, rooms in enumerate(self.subs)
            for r, slots in enumerate(rooms)
            for t, sub in enumerate(slots)
            if sub != -1
        ]


def _model(instance: Instance, solution: Solution, *, earlier_rules: bool) -> _Model:
    track_index = {track.name: i for i, track in enumerate(instance.tracks)}
    sub_index = {submission.name: i for i, submission in enumerate(instance.submissions)}
    n_rooms = len(instance.rooms)
    if len(solution.tracks) != len(instance.sessions) or len(solution.submissions) != len(instance.sessions):
        raise ValueError("the solution does not have one entry per session of the instance")
    tracks: list[list[int]] = []
    subs: list[list[list[int]]] = []
    for session, track_row, grid in zip(instance.sessions, solution.tracks, solution.submissions, strict=True):
        if len(track_row) != n_rooms or len(grid) != n_rooms:
            raise ValueError(f"session '{session.name}' does not have one entry per room")
        if any(len(slots) != session.max_time_slots for slots in grid):
            raise ValueError(f"session '{session.name}' does not have {session.max_time_slots} slots per room")
        try:
            tracks.append([-1 if name is None else track_index[name] for name in track_row])
            subs.append([[-1 if name is None else sub_index[name] for name in slots] for slots in grid])
        except KeyError as exc:
            raise ValueError(f"the solution names {exc}, which the instance does not define") from None
    presenters, attendees, chairs = _conflicts(instance, track_index, earlier_rules=earlier_rules)
    return _Model(
        instance=instance,
        tracks=tracks,
        subs=subs,
        track_of=[track_index[submission.track] for submission in instance.submissions],
        presenter_conflicts=presenters,
        attendee_conflicts=attendees,
        chair_conflicts=chairs,
    )


def _conflicts(
    instance: Instance, track_index: dict[str, int], *, earlier_rules: bool
) -> tuple[list[set[int]], list[set[int]], list[set[int]]]:
    """The conflict lists (presenter and attendee per submission, chair per track) as upstream builds them.

    Upstream's current ``Problem.__set_conflicts`` fills only the attendee lists: two submissions are in attendee
    conflict when an attendee of one attends the other, presents it, or chairs its track (the tracks differing). It
    fills no presenter and no chair list, so those families always count 0. With ``earlier_rules`` the lists of
    upstream's earlier ``FindConflictsNoAttendees`` are filled as well: submissions sharing a presenter, or whose
    presenter chairs the other's (different) track; tracks sharing a chair.
    """
    submissions = instance.submissions
    chairs_of = [set(instance.tracks[track_index[s.track]].chairs) for s in submissions]
    attendee: list[set[int]] = [set() for _ in submissions]
    presenter: list[set[int]] = [set() for _ in submissions]
    for i, this in enumerate(submissions):
        attends, presents = set(this.attendees), set(this.presenters)
        for j, other in enumerate(submissions):
            if i == j:
                continue
            other_track = this.track != other.track
            if (
                attends & set(other.attendees)
                or attends & set(other.presenters)
                or (other_track and attends & chairs_of[j])
            ):
                attendee[i].add(j)
                attendee[j].add(i)
            if earlier_rules and (presents & set(other.presenters) or (other_track and presents & chairs_of[j])):
                presenter[i].add(j)
                presenter[j].add(i)
    chair: list[set[int]] = [set() for _ in instance.tracks]
    if earlier_rules:
        for a, this_track in enumerate(instance.tracks):
            for b, other_track_ in enumerate(instance.tracks):
                if a != b and set(this_track.chairs) & set(other_track_.chairs):
                    chair[a].add(b)
                    chair[b].add(a)
    return presenter, attendee, chair


# --- the families ------------------------------------------------------------------------------------------------


def _tracks_sessions(m: _Model) -> Number:
    tracks = m.instance.tracks
    sessions = m.instance.sessions
    return sum(
        m.instance.tracks_sessions[tracks[t].name][sessions[s].name]
        for s, row in enumerate(m.tracks)
        for t in row
        if t != -1
    )


def _tracks_rooms(m: _Model) -> Number:
    tracks = m.instance.tracks
    rooms = m.instance.rooms
    return sum(
        m.instance.tracks_rooms[tracks[t].name][rooms[r].name] for row in m.tracks for r, t in enumerate(row) if t != -1
    )


def _sessions_rooms(m: _Model) -> Number:
    sessions = m.instance.sessions
    rooms = m.instance.rooms
    return sum(
        m.instance.sessions_rooms[sessions[s].name][rooms[r].name]
        for s, row in enumerate(m.tracks)
        for r, t in enumerate(row)
        if t != -1
    )


def _similar_pair(m: _Model) -> Callable[[int, int], Number]:
    """The penalty upstream keeps for two different tracks: row of the one listed first, column of the other."""
    similar = m.instance.similar_tracks
    position = {name: i for i, name in enumerate(similar)}
    names = [track.name for track in m.instance.tracks]

    def pair(a: int, b: int) -> Number:
        first, second = sorted((names[a], names[b]), key=position.__getitem__)
        return similar[first][second]

    return pair


def _similar_tracks(m: _Model) -> Number:
    pair = _similar_pair(m)
    total: Number = 0
    for row in m.tracks:
        for i, this in enumerate(row):
            for other in row[i:]:
                if this != other and this != -1 and other != -1:
                    total += pair(this, other)
    return total


def _rooms_per_track(m: _Model) -> int:
    rooms: dict[int, set[int]] = {}
    for row in m.tracks:
        for r, t in enumerate(row):
            if t != -1:
                rooms.setdefault(t, set()).add(r)
    return sum(len(used) - 1 for used in rooms.values() if len(used) > 1)


def _parallel_tracks(m: _Model) -> int:
    total = 0
    for t in range(len(m.instance.tracks)):
        for row in m.tracks:
            count = row.count(t)
            if count > 1:
                total += count - 1
    return total


def _consecutive_tracks(m: _Model) -> int:
    sessions: dict[int, list[int]] = {}
    for s, row in enumerate(m.tracks):
        for t in row:
            if t != -1 and s not in sessions.setdefault(t, []):
                sessions[t].append(s)
    # Upstream compares sums: the sessions used (ascending, distinct) sum to the whole range's sum only if contiguous.
    return sum(1 for used in sessions.values() if len(used) > 1 and sum(used) != sum(range(used[0], used[-1] + 1)))


def _time_zone_penalties(instance: Instance) -> list[list[int]]:
    """[submission][session] → the time-zone penalty upstream assigns."""
    p = instance.parameters
    local = time_zone(p.local_time_zone)
    if local is None:  # the reader refuses such an instance
        raise ValueError(f"unknown time zone {p.local_time_zone!r}")
    # pytz attaches a zone through datetime.replace with its first offset (local mean time for real zones),
    # rounded to the minute; the session times are then converted properly.
    first = dt.datetime(1, 1, 2, tzinfo=local).utcoffset() or dt.timedelta(0)
    attached = dt.timezone(dt.timedelta(seconds=int((first.total_seconds() + 30) // 60) * 60))
    zones = {}
    for submission in instance.submissions:
        zone = time_zone(submission.time_zone)
        if zone is None:
            raise ValueError(f"unknown time zone {submission.time_zone!r}")
        zones[submission.time_zone] = zone
    table: list[list[int]] = []
    for submission in instance.submissions:
        zone = zones[submission.time_zone]
        row: list[int] = []
        for session in instance.sessions:
            start = dt.datetime.combine(_REFERENCE_DAY, session.start, attached).astimezone(zone).time()
            end = dt.datetime.combine(_REFERENCE_DAY, session.end, attached).astimezone(zone).time()
            if start < p.less_suitable_from or end > p.less_suitable_to or end < p.less_suitable_from:
                row.append(p.unsuitable_penalty)
            elif p.less_suitable_from <= start < p.suitable_from or p.suitable_to < end <= p.less_suitable_to:
                row.append(p.less_suitable_penalty)
            else:
                row.append(0)
        table.append(row)
    return table


def _submissions_time_zones(m: _Model) -> Number:
    table = _time_zone_penalties(m.instance)
    return sum(table[sub][s] for s, _r, _t, sub in m.cells())


def _submissions_sessions(m: _Model) -> Number:
    subs = m.instance.submissions
    sessions = m.instance.sessions
    return sum(subs[sub].session_penalties[sessions[s].name] for s, _r, _t, sub in m.cells())


def _submissions_rooms(m: _Model) -> Number:
    subs = m.instance.submissions
    rooms = m.instance.rooms
    return sum(subs[sub].room_penalties[rooms[r].name] for _s, r, _t, sub in m.cells())


def _slot_key(m: _Model, s: int, t: int) -> str:
    """Upstream's key of a time slot: the session's name and the slot's number run together."""
    return f"{m.instance.sessions[s].name}{t}"


def _slot_keys(m: _Model) -> list[tuple[int, int, str]]:
    return [
        (s, t, _slot_key(m, s, t))
        for s, session in enumerate(m.instance.sessions)
        for t in range(session.max_time_slots)
    ]


def _submissions_order(m: _Model) -> int:
    subs = m.instance.submissions
    per_track: dict[int, list[int]] = {}
    per_slot: dict[str, list[int]] = {key: [] for _s, _t, key in _slot_keys(m)}
    for s, row in enumerate(m.tracks):
        for r, t in enumerate(row):
            if t == -1:
                continue
            for slot, sub in enumerate(m.subs[s][r]):
                if sub == -1:
                    continue
                listed = per_track.setdefault(t, [])  # by the track of the room, not the submission's own
                if sub not in listed:
                    listed.append(sub)
                in_slot = per_slot[_slot_key(m, s, slot)]
                if sub not in in_slot:
                    in_slot.append(sub)
    total = 0
    # Two ordered submissions of one track in the same time slot (in parallel rooms).
    for in_slot in per_slot.values():
        for i, a in enumerate(in_slot):
            for b in in_slot[i + 1 :]:
                if m.track_of[a] == m.track_of[b] and subs[a].order != 0 and subs[b].order != 0:
                    total += 1
    # An ordered submission not at its place in its track's sequence (rooms, then slots, in session order).
    for listed in per_track.values():
        for place, sub in enumerate(listed, start=1):
            if subs[sub].order not in (0, place):
                total += 1
    return total


def _session_level(m: _Model, conflicts: list[set[int]]) -> int:
    """Pairs of conflicting submissions in different rooms of one session."""
    total = 0
    for rooms in m.subs:
        pairs: list[tuple[int, int]] = []
        for r, slots in enumerate(rooms):
            for sub in slots:
                if sub != -1 and conflicts[sub] and (sub, r) not in pairs:
                    pairs.append((sub, r))
        for i, (a, room_a) in enumerate(pairs):
            for b, room_b in pairs[i + 1 :]:
                if a in conflicts[b] and room_a != room_b:
                    total += 1
    return total


def _time_slot_level(m: _Model, conflicts: list[set[int]]) -> int:
    """Pairs of conflicting submissions in the same time slot."""
    per_slot: dict[str, list[int]] = {key: [] for _s, _t, key in _slot_keys(m)}
    for s, _r, t, sub in m.cells():
        in_slot = per_slot[_slot_key(m, s, t)]
        if conflicts[sub] and sub not in in_slot:
            in_slot.append(sub)
    total = 0
    # Upstream walks the (session, slot) pairs, so a key shared by two of them is counted twice.
    for _s, _t, key in _slot_keys(m):
        in_slot = per_slot[key]
        for i, a in enumerate(in_slot):
            for b in in_slot[i + 1 :]:
                if a in conflicts[b]:
                    total += 1
    return total


def _chairs_conflicts(m: _Model) -> int:
    total = 0
    for row in m.tracks:
        listed = [t for t in row if t != -1 and m.chair_conflicts[t]]
        for i, a in enumerate(listed):
            for b in listed[i + 1 :]:
                if a in m.chair_conflicts[b]:
                    total += 1
    return total


def _multi_slot_submissions(m: _Model) -> int:
    subs = m.instance.submissions
    sessions, rooms = m.instance.sessions, m.instance.rooms
    per_pair: dict[str, list[int]] = {f"{session.name}{room.name}": [] for session in sessions for room in rooms}
    slots_of: dict[int, list[int]] = {i: [] for i, sub in enumerate(subs) if sub.required_time_slots > 1}
    for s, r, t, sub in m.cells():
        if subs[sub].required_time_slots > 1:
            per_pair[f"{sessions[s].name}{rooms[r].name}"].append(sub)
            slots_of[sub].append(t)
    total = 0
    for placed in per_pair.values():
        for sub in set(placed):
            if subs[sub].required_time_slots != placed.count(sub):
                total += _SPLIT_SUBMISSION
    for slots in slots_of.values():
        if not slots:
            return _SCATTERED_SUBMISSION  # upstream returns at once, dropping what it counted
        if sum(range(slots[0], slots[-1] + 1)) != sum(slots):
            total += _SCATTERED_SUBMISSION
    return total


def _all_scheduled(m: _Model) -> bool:
    placed: dict[int, int] = {}
    for _s, _r, _t, sub in m.cells():
        placed[sub] = placed.get(sub, 0) + 1
    return all(placed.get(i, 0) == sub.required_time_slots for i, sub in enumerate(m.instance.submissions))


def _tracks_consistent(m: _Model) -> bool:
    return all(m.track_of[sub] == m.tracks[s][r] for s, r, _t, sub in m.cells() if m.tracks[s][r] != -1)


_EVALUATORS: dict[str, Callable[[_Model], Number]] = {
    "tracks_sessions": _tracks_sessions,
    "tracks_rooms": _tracks_rooms,
    "sessions_rooms": _sessions_rooms,
    "similar_tracks": _similar_tracks,
    "rooms_per_track": _rooms_per_track,
    "parallel_tracks": _parallel_tracks,
    "consecutive_tracks": _consecutive_tracks,
    "submissions_time_zones": _submissions_time_zones,
    "submissions_order": _submissions_order,
    "submissions_sessions": _submissions_sessions,
    "submissions_rooms": _submissions_rooms,
    "presenters_conflicts": lambda m: _session_level(m, m.presenter_conflicts),
    "attendees_conflicts": lambda m: _session_level(m, m.attendee_conflicts),
    "chairs_conflicts": _chairs_conflicts,
    "presenters_conflicts_time_slot": lambda m: _time_slot_level(m, m.presenter_conflicts),
    "attendees_conflicts_time_slot": lambda m: _time_slot_level(m, m.attendee_conflicts),
    "multi_slot_submissions": _multi_slot_submissions,
}


def score(instance: Instance, solution: Solution, *, earlier_conflict_rules: bool = False) -> Score:
    """Every family's violations and weighted value, and the total upstream's ``evaluate_solution`` returns.

    ``earlier_conflict_rules`` also counts presenter and chair conflicts the way an earlier upstream version found
    them (the current one never does; see :func:`_conflicts`). The published reference scores are the same either
    way: the reference schedules have no such conflict.

    Raises ValueError when the solution does not fit the instance (shape, or a name the instance does not define);
    a solution from :func:`importers.cosplib.read_solution` always fits.
    """
    m = _model(instance, solution, earlier_rules=earlier_conflict_rules)
    weights = instance.parameters.weights
    families: list[FamilyScore] = []
    total: Number = 0
    for key, name, weight_field in FAMILIES:
        violations = _EVALUATORS[key](m)
        weight: int | None = None if weight_field is None else getattr(weights, weight_field)
        counted = weight is None or weight > 0
        value: Number = (violations if weight is None else weight * violations) if counted else 0
        total += value
        families.append(
            FamilyScore(key=key, name=name, weight=weight, violations=violations, counted=counted, value=value)
        )
    return Score(
        total=total,
        families=families,
        all_scheduled=_all_scheduled(m),
        tracks_consistent=_tracks_consistent(m),
    )


# --- the rules' inputs, for models that optimise the score (importers.cosplib_solve) -----------------------------


def time_zone_penalties(instance: Instance) -> list[list[int]]:
    """[submission][session] → the time-zone penalty upstream assigns (unweighted)."""
    return _time_zone_penalties(instance)


def similar_penalty(instance: Instance) -> Callable[[int, int], Number]:
    """(track index, track index) → the similar-tracks penalty upstream counts for the two (unweighted)."""
    position = {name: i for i, name in enumerate(instance.similar_tracks)}
    names = [track.name for track in instance.tracks]

    def pair(a: int, b: int) -> Number:
        first, second = sorted((names[a], names[b]), key=position.__getitem__)
        return instance.similar_tracks[first][second]

    return pair


def attendee_conflicts(instance: Instance, *, earlier_conflict_rules: bool = False) -> list[set[int]]:
    """Submission index → the submissions in attendee conflict with it, as upstream builds the lists."""
    track_index = {track.name: i for i, track in enumerate(instance.tracks)}
    return _conflicts(instance, track_index, earlier_rules=earlier_conflict_rules)[1]

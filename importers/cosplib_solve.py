"""Solve a CoSPLib instance with the programme engine (``solver``).

CoSPLib's concepts are the engine's blocks, tracks and track items (see
``docs/cosplib.md``): a session is a :class:`solver.model.Block`, a track a
:class:`solver.model.Track`, a submission an item of its track filling as many
slots as it requires. Every penalty family becomes a cost in the records,
already multiplied by its weight (a family of weight 0 costs nothing), so that
the engine's objective is upstream's score of the schedule it finds:

=========================  ====================================================
upstream family             engine
=========================  ====================================================
Tracks_Sessions|Penalty     ``Track.block_costs`` (per cell)
Tracks_Rooms|Penalty        ``Track.room_costs`` (per cell)
Sessions_Rooms|Penalty      ``Block.room_costs`` (per cell used)
Similar Tracks              ``TrackPair`` (per pair of cells in one block)
Number of rooms per track   ``Track.room_change_cost``
Parallel tracks             ``Track.parallel_cost``
Consecutive tracks          ``Track.scattered_cost``
Submissions timezones       ``Item.start_costs`` (one window per block), × slots
Submissions order           ``Item.place`` and ``Track.order_cost``
Submissions_Sessions        ``Item.block_costs``, × slots
Submissions_Rooms           ``Item.room_costs``, × slots
Attendees conflicts         ``Conflict.block_cost`` / ``Conflict.slot_cost``
Presenters, chairs          hard: a person is in one room per block
Multiple timeslots          hard: an item's slots are consecutive in one cell
=========================  ====================================================

Penalties that are not whole numbers are scaled by a power of ten (the engine
counts in integers); ``Translation.scale`` says by how much. The score printed
for a schedule is always :func:`importers.cosplib_score.score` of the schedule
written, never the engine's objective.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import msgspec

from importers.cosplib import Instance, Number, Solution
from importers.cosplib_score import Score, attendee_conflicts, score, similar_penalty, time_zone_penalties
from solver.engine import Engine, ProgressCallback
from solver.model import Block, Conflict, Day, Item, Params, Person, Placement, Room, TimeCost, Track, TrackPair
from solver.model import Instance as EngineInstance
from solver.model import Solution as EngineSolution
from solver.prep import Sessions, slot_start

__all__ = ["Solved", "Translation", "from_placements", "objective_score", "solve", "to_placements", "translate"]

_MINUTES_PER_DAY = 24 * 60
_MAX_SCALE = 10**6


@dataclass(frozen=True)
class Translation:
    """A CoSPLib instance as an engine instance, and the names behind the engine's ids."""

    source: Instance
    instance: EngineInstance
    # Engine costs are upstream's penalties times this (1 unless a penalty has decimals).
    scale: int
    # Whether presenters and chairs were made people of the engine (one room per block).
    people: bool


class Solved(msgspec.Struct, frozen=True, kw_only=True):
    solution: Solution
    score: Score
    # The engine's result (status, objective, bound, first feasible, wall time).
    engine: EngineSolution
    scale: int


def _session_minutes(instance: Instance) -> list[tuple[int, int]]:
    """(start, end) of every session on one time line: its date's day (or, without dates, a new day whenever a
    session does not start after the previous one), then its time of day."""
    dated = all(s.date is not None for s in instance.sessions)
    first = min((s.date for s in instance.sessions if s.date is not None), default=None)
    out: list[tuple[int, int]] = []
    day, previous = 0, -1
    for session in instance.sessions:
        start_of_day = session.start.hour * 60 + session.start.minute
        end_of_day = session.end.hour * 60 + session.end.minute
        if dated and session.date is not None and first is not None:
            day = (session.date - first).days
        elif start_of_day <= previous:
            day += 1
        previous = start_of_day
        start = day * _MINUTES_PER_DAY + start_of_day
        end = day * _MINUTES_PER_DAY + end_of_day
        if end <= start:
            end += _MINUTES_PER_DAY  # a session past midnight
        # Every slot lasts at least a minute (only the order of slots matters to the score).
        end = max(end, start + session.max_time_slots)
        out.append((start, end))
    return out


def _days(spans: list[tuple[int, int]]) -> list[Day]:
    by_day: dict[int, tuple[int, int]] = {}
    for start, end in spans:
        day = start // _MINUTES_PER_DAY
        low, high = by_day.get(day, (start, end))
        by_day[day] = (min(low, start), max(high, end))
    return [
        Day(start=low, end=high, midnight=day * _MINUTES_PER_DAY, label=f"day {day + 1}")
        for day, (low, high) in sorted(by_day.items())
    ]


def _scale(values: list[Number]) -> int:
    """The smallest power of ten that makes every value whole (at most a million; beyond it values are rounded)."""
    fractions = [Fraction(str(v)) for v in values if not float(v).is_integer()]
    scale = 1
    while scale < _MAX_SCALE and any((f * scale).denominator != 1 for f in fractions):
        scale *= 10
    return scale


def translate(instance: Instance, *, people: bool = True) -> Translation:
    """The engine instance whose objective, for any schedule, is ``score(instance, schedule).total`` × scale.

    With ``people`` the presenters of each submission and the chairs of each track are the engine's people:
    nobody is in two rooms of one session (upstream counts no presenter or chair conflicts today; its
    earlier rules did, and the published schedules have none).
    """
    p = instance.parameters
    w = p.weights
    sessions, rooms, tracks, subs = instance.sessions, instance.rooms, instance.tracks, instance.submissions
    tz = time_zone_penalties(instance)
    similar = similar_penalty(instance)
    conflicts = attendee_conflicts(instance)

    def weigh(weight: int, value: Number) -> Number:
        return weight * value if weight > 0 else 0

    raw: list[Number] = []
    for table, weight in (
        (instance.tracks_sessions, w.tracks_sessions),
        (instance.tracks_rooms, w.tracks_rooms),
        (instance.sessions_rooms, w.sessions_rooms),
        (instance.similar_tracks, w.similar_tracks),
    ):
        raw += [weigh(weight, v) for row in table.values() for v in row.values()]
    for sub in subs:
        raw += [weigh(w.submissions_sessions, v) for v in sub.session_penalties.values()]
        raw += [weigh(w.submissions_rooms, v) for v in sub.room_penalties.values()]
    raw += [weigh(w.submissions_time_zones, v) for row in tz for v in row]
    scale = _scale(raw)

    def cost(weight: int, value: Number, times: int = 1) -> int:
        return round(Fraction(str(weigh(weight, value))) * scale * times)

    person_ids: dict[str, int] = {}

    def person(name: str) -> int:
        return person_ids.setdefault(name, len(person_ids) + 1)

    spans = _session_minutes(instance)
    blocks = [
        Block(
            id=s + 1,
            start=start,
            end=end,
            slots=session.max_time_slots,
            label=session.name,
            room_costs={
                r + 1: c
                for r, room in enumerate(rooms)
                if (c := cost(w.sessions_rooms, instance.sessions_rooms[session.name][room.name]))
            },
        )
        for s, (session, (start, end)) in enumerate(zip(sessions, spans, strict=True))
    ]
    track_id = {track.name: k + 1 for k, track in enumerate(tracks)}
    engine_tracks = [
        Track(
            id=k + 1,
            name=track.name,
            chairs=[person(c) for c in dict.fromkeys(track.chairs)] if people else [],
            block_costs={
                s + 1: c
                for s, session in enumerate(sessions)
                if (c := cost(w.tracks_sessions, instance.tracks_sessions[track.name][session.name]))
            },
            room_costs={
                r + 1: c
                for r, room in enumerate(rooms)
                if (c := cost(w.tracks_rooms, instance.tracks_rooms[track.name][room.name]))
            },
            room_change_cost=max(0, w.rooms_per_track) * scale,
            parallel_cost=max(0, w.parallel_tracks) * scale,
            scattered_cost=max(0, w.consecutive_tracks) * scale,
            order_cost=max(0, w.submissions_order) * scale,
        )
        for k, track in enumerate(tracks)
    ]
    items = []
    for i, sub in enumerate(subs):
        k = sub.required_time_slots
        items.append(
            Item(
                id=i + 1,
                title=sub.name,
                duration=0,
                track=track_id[sub.track],
                slots=k,
                place=sub.order,
                faculty=[person(x) for x in dict.fromkeys(sub.presenters)] if people else [],
                block_costs={
                    s + 1: c
                    for s, session in enumerate(sessions)
                    if (c := cost(w.submissions_sessions, sub.session_penalties[session.name], k))
                },
                room_costs={
                    r + 1: c
                    for r, room in enumerate(rooms)
                    if (c := cost(w.submissions_rooms, sub.room_penalties[room.name], k))
                },
                start_costs=[
                    TimeCost(start=b.start, end=b.end, cost=c)
                    for s, b in enumerate(blocks)
                    if (c := cost(w.submissions_time_zones, tz[i][s], k))
                ],
            )
        )
    pairs = [
        TrackPair(a=a + 1, b=b + 1, cost=c)
        for a in range(len(tracks))
        for b in range(a + 1, len(tracks))
        if (c := cost(w.similar_tracks, similar(a, b)))
    ]
    engine_conflicts = [
        Conflict(
            a=a + 1,
            b=b + 1,
            block_cost=max(0, w.attendees_conflicts) * scale,
            slot_cost=max(0, w.attendees_conflicts_time_slot) * scale,
        )
        for a in range(len(subs))
        for b in sorted(conflicts[a])
        if a < b and (w.attendees_conflicts > 0 or w.attendees_conflicts_time_slot > 0)
    ]
    engine = EngineInstance(
        days=_days(spans),
        rooms=[Room(id=r + 1, name=room.name, capacity=0) for r, room in enumerate(rooms)],
        items=items,
        people=[Person(id=pid, name=name) for name, pid in person_ids.items()],
        blocks=blocks,
        tracks=engine_tracks,
        track_pairs=pairs,
        conflicts=engine_conflicts,
    )
    return Translation(source=instance, instance=engine, scale=scale, people=people)


def from_placements(translation: Translation, placements: list[Placement]) -> Solution:
    """The engine's placements as a CoSPLib schedule (the track of a cell is the track of its items)."""
    source = translation.source
    ses = Sessions(translation.instance)
    n_rooms = len(source.rooms)
    tracks: list[list[str | None]] = [[None] * n_rooms for _ in source.sessions]
    grid: list[list[list[str | None]]] = [
        [[None] * session.max_time_slots for _ in range(n_rooms)] for session in source.sessions
    ]
    for placement in placements:
        where = ses.locate(placement.start)
        if where is None:
            raise ValueError(f"item {placement.item} does not start at a slot")
        s, j = where
        sub = source.submissions[placement.item - 1]
        r = placement.room - 1
        tracks[s][r] = sub.track
        for k in range(j, j + sub.required_time_slots):
            grid[s][r][k] = sub.name
    return Solution(tracks=tracks, submissions=grid)


def to_placements(translation: Translation, solution: Solution) -> list[Placement]:
    """A CoSPLib schedule as the engine's placements (a submission at the first slot it fills)."""
    source, engine = translation.source, translation.instance
    index = {sub.name: i for i, sub in enumerate(source.submissions)}
    out: dict[int, Placement] = {}
    for s, grid in enumerate(solution.submissions):
        block = engine.blocks[s]
        for r, slots in enumerate(grid):
            for j, name in enumerate(slots):
                if name is None or index[name] + 1 in out:
                    continue
                out[index[name] + 1] = Placement(item=index[name] + 1, run=1, room=r + 1, start=slot_start(block, j))
    return sorted(out.values(), key=lambda p: p.item)


def solve(
    instance: Instance,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    on_progress: ProgressCallback | None = None,
    engine_factory: Callable[[EngineInstance, Params], Engine] = Engine,
) -> Solved | None:
    """The best schedule found within the time limit (None when none was found), scored by upstream's rules.

    Presenters and chairs are kept to one room per session; if that is proven impossible, the instance is
    solved again without it (upstream does not count such conflicts today).
    """
    started = dt.datetime.now(dt.UTC)
    translation = translate(instance)
    params = Params(time_limit=time_limit, workers=workers, seed=seed)
    result = engine_factory(translation.instance, params).run(on_progress)
    if result.status == "infeasible":
        spent = (dt.datetime.now(dt.UTC) - started).total_seconds()
        translation = translate(instance, people=False)
        params = msgspec.structs.replace(params, time_limit=max(1.0, time_limit - spent))
        result = engine_factory(translation.instance, params).run(on_progress)
    if not result.placements or result.status not in ("optimal", "feasible", "cancelled"):
        return None
    solution = from_placements(translation, result.placements)
    return Solved(solution=solution, score=score(instance, solution), engine=result, scale=translation.scale)


def objective_score(solved: Solved) -> float | None:
    """The engine's objective in upstream's units (equal to the score when the model is exact)."""
    if solved.engine.objective is None:
        return None
    return solved.engine.objective / solved.scale if solved.scale != 1 else solved.engine.objective

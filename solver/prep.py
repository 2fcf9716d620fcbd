"""Facts derived from an instance before any model is built.

Shared by the CP-SAT model, the greedy warm start and the explanations, so all
three agree on which rooms fit an item and when it may start.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from solver.model import Block, Day, Instance, Item, Placement, Room, TimeCost, Track, Window


def fits(item: Item, room: Room) -> bool:
    """The room seats one run and holds the equipment the item needs."""
    return room.capacity >= item.seats and all(room.equipment.get(k, 0) >= n for k, n in item.equipment.items())


def overlaps_any(start: int, end: int, windows: list[Window]) -> bool:
    return any(w.start < end and start < w.end for w in windows)


def merged(windows: list[Window]) -> list[Window]:
    """The same minutes as disjoint windows, in order (overlapping or touching windows joined)."""
    out: list[Window] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if out and w.start <= out[-1].end:
            if w.end > out[-1].end:
                out[-1] = Window(start=out[-1].start, end=w.end)
        else:
            out.append(w)
    return out


def clock(instance: Instance, minute: int) -> str:
    """``Day 2 10:30`` for a minute of the instance."""
    for day in instance.days:
        if day.midnight <= minute < day.midnight + 24 * 60 or (day.start <= minute <= day.end):
            local = minute - day.midnight
            return f"{day.label or 'day'} {local // 60:02d}:{local % 60:02d}".strip()
    return f"minute {minute}"


def span(instance: Instance, start: int, end: int) -> str:
    """``Day 2 10:30–12:00``."""
    first = clock(instance, start)
    for day in instance.days:
        if day.midnight <= start < day.midnight + 24 * 60 and end <= day.midnight + 24 * 60:
            local = end - day.midnight
            return f"{first}–{local // 60:02d}:{local % 60:02d}"
    return f"{first} – {clock(instance, end)}"


def hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if m == 0:
        return f"{h} h"
    return f"{h} h {m:02d}" if h else f"{m} min"


@dataclass(frozen=True, slots=True)
class RoomClass:
    """Rooms the model may treat as one pooled resource."""

    index: int
    rooms: tuple[Room, ...]

    @property
    def size(self) -> int:
        return len(self.rooms)

    @property
    def capacity(self) -> int:
        return self.rooms[0].capacity

    @property
    def unavailable(self) -> list[Window]:
        return self.rooms[0].unavailable


@dataclass(frozen=True, slots=True)
class Run:
    item: Item
    run: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.item.id, self.run)


@dataclass
class Prepared:
    instance: Instance
    pool_rooms: bool = True
    items: dict[int, Item] = field(init=False)
    rooms: dict[int, Room] = field(init=False)
    pins: dict[tuple[int, int], Placement] = field(init=False)
    previous: dict[tuple[int, int], Placement] = field(init=False)

    def __post_init__(self) -> None:
        inst = self.instance
        if inst.blocks:
            # A room's cells in the blocks tell rooms apart: no pooling.
            self.pool_rooms = False
        self.items = {i.id: i for i in inst.items}
        self.rooms = {r.id: r for r in inst.rooms}
        self.pins = {(p.item, p.run): p for p in inst.pins}
        self.previous = {(p.item, p.run): p for p in inst.previous}

    @cached_property
    def people(self) -> dict[int, str]:
        names = {p.id: p.name for p in self.instance.people}
        for item in self.instance.items:
            for pid in item.faculty:
                names.setdefault(pid, f"person {pid}")
        return names

    @cached_property
    def unavailable(self) -> dict[int, list[Window]]:
        return {p.id: list(p.unavailable) for p in self.instance.people}

    @cached_property
    def preferred(self) -> dict[int, list[Window]]:
        return {p.id: list(p.preferred) for p in self.instance.people if p.preferred}

    @cached_property
    def ordinary(self) -> list[Item]:
        """Items with a start of their own (not talks in a track)."""
        return [item for item in self.instance.items if item.track is None]

    @cached_property
    def runs(self) -> list[Run]:
        return [Run(item, k) for item in self.ordinary for k in range(1, item.runs + 1)]

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.instance)

    @cached_property
    def classes(self) -> list[RoomClass]:
        """Group rooms that no constraint tells apart; rooms with a pin stay alone."""
        pinned = {p.room for p in self.instance.pins}
        groups: dict[object, list[Room]] = defaultdict(list)
        for room in sorted(self.instance.rooms, key=lambda r: (-r.capacity, r.name, r.id)):
            if self.pool_rooms and room.id not in pinned:
                key: object = (
                    room.capacity,
                    tuple(sorted((k, n) for k, n in room.equipment.items() if n > 0)),
                    tuple(sorted((w.start, w.end) for w in room.unavailable)),
                )
            else:
                key = ("room", room.id)
            groups[key].append(room)
        return [RoomClass(i, tuple(rooms)) for i, rooms in enumerate(groups.values())]

    @cached_property
    def class_of_room(self) -> dict[int, RoomClass]:
        return {room.id: c for c in self.classes for room in c.rooms}

    @cached_property
    def compatible(self) -> dict[int, list[RoomClass]]:
        return {item.id: [c for c in self.classes if fits(item, c.rooms[0])] for item in self.instance.items}

    def faculty_unavailable(self, item: Item) -> list[Window]:
        return [w for pid in item.faculty for w in self.unavailable.get(pid, [])]

    def grid_starts(self, item: Item, *, windows: bool = True, people: bool = True) -> list[int]:
        """Starts on the grid inside a day, clear of breaks (and of the item's windows and faculty's absences)."""
        inst = self.instance
        blocked = list(inst.breaks) + (self.faculty_unavailable(item) if people else [])
        out: list[int] = []
        for day in inst.days:
            s = day.start
            while s + item.duration <= day.end:
                e = s + item.duration
                if not overlaps_any(s, e, blocked) and (
                    not windows or not item.windows or any(w.contains(s, e) for w in item.windows)
                ):
                    out.append(s)
                s += inst.step
        return out

    @cached_property
    def starts(self) -> dict[tuple[int, int], list[int]]:
        """Possible starts of every run.

        A pinned run may only start at its pin, and only if the pin keeps every rule a start must
        keep (off the grid is allowed); otherwise it has no start and the explanations name the pin.
        """
        out: dict[tuple[int, int], list[int]] = {}
        for item in self.ordinary:
            free = self.grid_starts(item)
            for k in range(1, item.runs + 1):
                pin = self.pins.get((item.id, k))
                out[(item.id, k)] = (
                    free if pin is None else ([pin.start] if self.start_allowed(item, pin.start) else [])
                )
        return out

    def start_allowed(self, item: Item, start: int) -> bool:
        """The run lies inside a day, clear of breaks and of its faculty's absences, inside its windows."""
        end = start + item.duration
        day = self.day_of(start)
        return (
            day is not None
            and end <= day.end
            and not overlaps_any(start, end, [*self.instance.breaks, *self.faculty_unavailable(item)])
            and (not item.windows or any(w.contains(start, end) for w in item.windows))
        )

    @cached_property
    def topic_grid(self) -> int:
        """Minutes between the instants at which parallel items of a topic are counted: the start grid
        (at least 5 minutes), so two runs that overlap at all share an instant when durations follow the grid."""
        return max(5, self.instance.step)

    @cached_property
    def samples(self) -> list[int]:
        """The instants at which parallel items of a topic are counted: the topic grid of each day,
        breaks left out (nothing runs in them)."""
        g = self.topic_grid
        breaks = self.instance.breaks
        return [
            t
            for day in self.instance.days
            for t in range(day.start, day.end, g)
            if not any(w.start <= t < w.end for w in breaks)
        ]

    @cached_property
    def topics(self) -> dict[str, list[Item]]:
        by_topic: dict[str, list[Item]] = defaultdict(list)
        for item in self.ordinary:
            for t in sorted(set(item.topics)):
                by_topic[t].append(item)
        return {t: items for t, items in sorted(by_topic.items()) if len(items) > 1}

    def day_of(self, minute: int) -> Day | None:
        for day in self.instance.days:
            if day.start <= minute < day.end:
                return day
        return None

    @cached_property
    def audience_pairs(self) -> dict[tuple[int, int], int]:
        """People who want both items, for every pair of items some audience wants together."""
        people: dict[tuple[int, int], int] = defaultdict(int)
        ordinary = {item.id for item in self.ordinary}
        for group in self.instance.audiences:
            members = sorted({i for i in group.items if i in ordinary})
            for a, b in itertools.combinations(members, 2):
                people[(a, b)] += group.size
        return dict(sorted(people.items()))


def share(weight: int, a: Item, b: Item) -> int:
    """A clash between one run of each: the full weight split over the runs on offer (rounded up)."""
    return math.ceil(weight / (a.runs * b.runs)) if weight else 0


def room_fit_points(seats: int, capacity: int) -> int:
    """How badly an audience fits a room: 0 (good) to 9.

    A room more than half empty costs a point per further 5 % of empty seats;
    a room more than 95 % full costs 5 points (no margin for walk-ins).
    Items without an expected audience cost nothing.
    """
    if seats <= 0 or capacity <= 0:
        return 0
    empty_pct = 100 * (capacity - seats) // capacity
    points = max(0, empty_pct - 50) // 5
    if seats * 100 > 95 * capacity:
        points += 5
    return points


def series_chains(instance: Instance) -> list[list[Item]]:
    """Items of each series ordered by position (items without a position are left out)."""
    by_series: dict[str, list[Item]] = defaultdict(list)
    for item in instance.items:
        if item.series is not None and item.series_position is not None and item.track is None:
            by_series[item.series].append(item)
    return [sorted(v, key=lambda i: (i.series_position or 0, i.id)) for _, v in sorted(by_series.items())]


def series_pairs(instance: Instance) -> list[tuple[Item, Item]]:
    """(earlier, later) for items of a series whose positions differ, consecutive positions only."""
    out: list[tuple[Item, Item]] = []
    for chain in series_chains(instance):
        positions = sorted({i.series_position or 0 for i in chain})
        for p, q in itertools.pairwise(positions):
            for a in (i for i in chain if i.series_position == p):
                out.extend((a, b) for b in chain if b.series_position == q)
    return out


def start_cost(costs: list[TimeCost], start: int) -> int:
    """The cost of starting at ``start``: the first window that holds it, else 0."""
    return next((c.cost for c in costs if c.start <= start < c.end), 0)


def slot_start(block: Block, slot: int) -> int:
    """The minute at which slot ``slot`` of ``block`` starts (``slot == block.slots``: the block's end)."""
    return block.start + slot * (block.end - block.start) // max(1, block.slots)


class Sessions:
    """Facts about blocks, tracks and track items, shared by the model, the warm start and the extraction.

    Blocks, rooms and tracks are known by their index in the instance's lists; items by id.
    """

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.blocks = list(instance.blocks)
        self.rooms = list(instance.rooms)
        self.tracks = list(instance.tracks)
        self.track_index = {t.id: k for k, t in enumerate(self.tracks)}
        self.items = [item for item in instance.items if item.track is not None]
        self.by_track: dict[int, list[Item]] = defaultdict(list)
        for item in self.items:
            if item.track in self.track_index:
                self.by_track[self.track_index[item.track]].append(item)
        people = {p.id: p for p in instance.people}
        self.away = {pid: list(p.unavailable) for pid, p in people.items()}
        self.usable = [self._usable(b) for b in self.blocks]
        self.open = {
            (s, r): self.usable[s] and not overlaps_any(b.start, b.end, room.unavailable)
            for s, b in enumerate(self.blocks)
            for r, room in enumerate(self.rooms)
        }

    def _usable(self, block: Block) -> bool:
        inside = any(d.start <= block.start and block.end <= d.end for d in self.instance.days)
        return (
            inside
            and block.slots > 0
            and block.end > block.start
            and not overlaps_any(block.start, block.end, self.instance.breaks)
        )

    def person_free(self, pid: int, block: Block) -> bool:
        return not overlaps_any(block.start, block.end, self.away.get(pid, []))

    def item_blocks(self, item: Item) -> list[int]:
        """Blocks the item may be in: long enough, usable, inside its windows, its faculty (and chairs) free."""
        track = self.track_of(item)
        if track is None or item.runs != 1 or item.slots < 1:
            return []
        people = [*item.faculty, *track.chairs]
        return [
            s
            for s, b in enumerate(self.blocks)
            if self.usable[s]
            and item.slots <= b.slots
            and (not item.windows or any(w.contains(b.start, b.end) for w in item.windows))
            and all(self.person_free(pid, b) for pid in people)
        ]

    def item_rooms(self, item: Item) -> list[int]:
        return [r for r, room in enumerate(self.rooms) if fits(item, room)]

    def item_cells(self, item: Item) -> list[tuple[int, int]]:
        rooms = self.item_rooms(item)
        return [(s, r) for s in self.item_blocks(item) for r in rooms if self.open[(s, r)]]

    def track_of(self, item: Item) -> Track | None:
        k = self.track_index.get(item.track) if item.track is not None else None
        return self.tracks[k] if k is not None else None

    def locate(self, minute: int) -> tuple[int, int] | None:
        """(block, slot) of a minute that is a slot's start, or None."""
        for s, b in enumerate(self.blocks):
            if b.start <= minute < b.end:
                for j in range(b.slots):
                    if slot_start(b, j) == minute:
                        return s, j
        return None

"""An independent check of every hard constraint of a schedule.

This module is the referee for the engine: it reads an :class:`Instance` and a
list of :class:`Placement` and reports each broken hard constraint as a
:class:`Violation`, in words an organiser can act on. It deliberately shares
nothing with the engine but the records of :mod:`solver.model`, and favours
plain, obviously correct code over cleverness.

How odd input is treated:

* A placement naming an item that does not exist (``unknown_item``) or a run
  the item does not have (``no_such_run``) is reported and otherwise ignored.
* A placement naming a room that does not exist (``unknown_room``) is
  reported; it still counts as the run's placement (so the run is not also
  reported as ``unplaced``), but nothing else is checked for it.
* When a run is placed more than once (``duplicate_run``), the placement in a
  known room with the earliest ``(start, room)`` is checked and the others are
  ignored, so the result does not depend on the order of ``placements``.

Talks in tracks (items with a ``track``) are checked against the blocks: each
starts at a slot of a block and fills ``slots`` slots of it (``off_slot``,
``past_block``), its track exists (``unknown_track``), a block × room cell holds
the items of one track only (``cell_shared``), and nobody is in two rooms of
one block, presenting or chairing (``person_rooms``). Their minutes (from the
slot's start to the end of their last slot) are checked like any run's, except
that no changeover is asked for between two talks; precedences and pins do not
apply to talks (their order is their place in the track).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from solver.model import Block, Day, Instance, Item, Person, Placement, Room, Violation, Window

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class _Run:
    """One placed run that refers to a known item, run number and room."""

    item: Item
    run: int
    room: Room
    start: int
    end: int
    # For a talk in a track: the block and the first slot it fills (None when it is not at a slot).
    block: int | None = None
    slot: int | None = None

    def overlaps(self, other: _Run) -> bool:
        return self.start < other.end and other.start < self.end

    def overlaps_window(self, window: Window) -> bool:
        return window.overlaps(self.start, self.end)


def validate(instance: Instance, placements: Sequence[Placement]) -> list[Violation]:
    """Every broken hard constraint of ``placements`` for ``instance``, sorted by code, items and message."""
    return _Validator(instance).check(placements)


class _Validator:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.items: dict[int, Item] = {item.id: item for item in instance.items}
        self.rooms: dict[int, Room] = {room.id: room for room in instance.rooms}
        self.people: dict[int, Person] = {person.id: person for person in instance.people}
        self.pinned: set[tuple[int, int]] = {(pin.item, pin.run) for pin in instance.pins}
        self.violations: list[Violation] = []

    # -- the checks, in the order of the specification ------------------------------------------

    def check(self, placements: Sequence[Placement]) -> list[Violation]:
        runs = self.check_references_and_counts(placements)
        for run in runs:
            self.check_room_fit(run)
            self.check_day_and_grid(run)
            self.check_breaks(run)
            self.check_item_windows(run)
            self.check_room_unavailable(run)
            self.check_person_unavailable(run)
        self.check_room_clashes(runs)
        self.check_people(runs)
        self.check_runs_overlap(runs)
        self.check_precedences(runs)
        self.check_series(runs)
        self.check_pins(placements)
        self.check_tracks(runs)
        return sorted(self.violations, key=lambda v: (v.code, v.items, v.message))

    def check_references_and_counts(self, placements: Sequence[Placement]) -> list[_Run]:
        """Report bad references, duplicate and missing runs; return the one run checked per (item, run)."""
        placed: dict[tuple[int, int], list[Placement]] = defaultdict(list)
        for placement in placements:
            item = self.items.get(placement.item)
            if item is None:
                self.add(
                    "unknown_item",
                    f"A placement refers to item {placement.item}, which does not exist",
                    [placement.item],
                )
                continue
            if not 1 <= placement.run <= item.runs:
                self.add(
                    "no_such_run",
                    f"{item.label} has {_plural(item.runs, 'run')}, but run {placement.run} is placed",
                    [item.id],
                )
                continue
            if placement.room not in self.rooms:
                self.add(
                    "unknown_room",
                    f"{self.run_name(item, placement.run)} is placed in room {placement.room}, which does not exist",
                    [item.id],
                )
            placed[item.id, placement.run].append(placement)

        runs: list[_Run] = []
        for item in self.items.values():
            for number in range(1, item.runs + 1):
                found = placed.get((item.id, number), [])
                if not found:
                    self.add("unplaced", f"{self.run_name(item, number)} is not placed", [item.id])
                    continue
                if len(found) > 1:
                    where = "; ".join(sorted(self.where(p) for p in found))
                    self.add(
                        "duplicate_run",
                        f"{self.run_name(item, number)} is placed {len(found)} times: {where}",
                        [item.id],
                    )
                known = [p for p in found if p.room in self.rooms]
                if known:
                    chosen = min(known, key=lambda p: (p.start, p.room))
                    runs.append(self.make_run(item, number, self.rooms[chosen.room], chosen.start))
        return runs

    def make_run(self, item: Item, number: int, room: Room, start: int) -> _Run:
        if item.track is None:
            return _Run(item=item, run=number, room=room, start=start, end=start + item.duration)
        for index, block in enumerate(self.instance.blocks):
            if block.start <= start < block.end:
                starts = [_slot_start(block, j) for j in range(block.slots)]
                if start in starts:
                    slot = starts.index(start)
                    end = _slot_start(block, min(block.slots, slot + max(1, item.slots)))
                    return _Run(item=item, run=number, room=room, start=start, end=end, block=index, slot=slot)
        return _Run(item=item, run=number, room=room, start=start, end=start + 1)

    def check_room_fit(self, run: _Run) -> None:
        item, room = run.item, run.room
        if room.capacity < item.seats:
            self.add(
                "room_too_small",
                f"{self.name(run)} needs {item.seats} seats but {room.name} holds {room.capacity}",
                [item.id],
            )
        missing = [
            f"{key} x{need} (has {room.equipment.get(key, 0)})"
            for key, need in sorted(item.equipment.items())
            if room.equipment.get(key, 0) < need
        ]
        if missing:
            self.add(
                "missing_equipment",
                f"{self.name(run)} needs equipment {room.name} lacks: {', '.join(missing)}",
                [item.id],
            )

    def check_day_and_grid(self, run: _Run) -> None:
        day = next((d for d in self.instance.days if d.window.contains(run.start, run.end)), None)
        if day is None:
            self.add("outside_day", f"{self.name(run)} ({self.span(run)}) is not within a programme day", [run.item.id])
            return
        if run.item.track is not None:
            self.check_slot(run)
            return
        step = self.instance.step
        if step > 0 and (run.item.id, run.run) not in self.pinned and (run.start - day.start) % step != 0:
            self.add(
                "off_grid",
                f"{self.name(run)} starts at {self.time(run.start)}, which is not a multiple of {step} minutes "
                f"after the day's start at {self.time(day.start)}",
                [run.item.id],
            )

    def check_slot(self, run: _Run) -> None:
        if run.block is None or run.slot is None:
            self.add(
                "off_slot",
                f"{self.name(run)} starts at {self.time(run.start)}, which is not the start of a slot of a block",
                [run.item.id],
            )
            return
        block = self.instance.blocks[run.block]
        if run.slot + run.item.slots > block.slots:
            self.add(
                "past_block",
                f"{self.name(run)} needs {_plural(run.item.slots, 'slot')} from slot {run.slot + 1} of "
                f"{self.block_name(run.block)}, which has {_plural(block.slots, 'slot')}",
                [run.item.id],
            )

    def check_breaks(self, run: _Run) -> None:
        for window in self.instance.breaks:
            if run.overlaps_window(window):
                self.add(
                    "crosses_break",
                    f"{self.name(run)} ({self.span(run)}) overlaps the break {self.window(window)}",
                    [run.item.id],
                )

    def check_item_windows(self, run: _Run) -> None:
        windows = run.item.windows
        if windows and not any(w.contains(run.start, run.end) for w in windows):
            allowed = ", ".join(self.window(w) for w in windows)
            self.add(
                "outside_windows",
                f"{self.name(run)} ({self.span(run)}) is outside its allowed times: {allowed}",
                [run.item.id],
            )

    def check_room_unavailable(self, run: _Run) -> None:
        for window in run.room.unavailable:
            if run.overlaps_window(window):
                self.add(
                    "room_unavailable",
                    f"{self.name(run)} ({self.span(run)}) is in {run.room.name}, "
                    f"which is unavailable {self.window(window)}",
                    [run.item.id],
                )

    def check_person_unavailable(self, run: _Run) -> None:
        for person_id in _unique(run.item.faculty):
            person = self.people.get(person_id)
            if person is None:
                continue
            for window in person.unavailable:
                if run.overlaps_window(window):
                    self.add(
                        "person_unavailable",
                        f"{person.name} teaches {self.name(run)} ({self.span(run)}) "
                        f"but is unavailable {self.window(window)}",
                        [run.item.id],
                    )

    def check_room_clashes(self, runs: list[_Run]) -> None:
        by_room: dict[int, list[_Run]] = defaultdict(list)
        for run in runs:
            by_room[run.room.id].append(run)
        for group in by_room.values():
            for a, b in _close_pairs(group, 0):
                if a.overlaps(b):
                    self.add(
                        "room_clash",
                        f"{self.name(a)} ({self.span(a)}) and {self.name(b)} ({self.span(b)}) overlap in {a.room.name}",
                        _unique([a.item.id, b.item.id]),
                    )

    def check_people(self, runs: list[_Run]) -> None:
        by_person: dict[int, list[_Run]] = defaultdict(list)
        for run in runs:
            for person_id in _unique(run.item.faculty):
                by_person[person_id].append(run)
        changeover = max(self.instance.changeover, 0)
        for person_id, group in by_person.items():
            person = self.person_name(person_id)
            for a, b in _close_pairs(group, changeover):
                ids = _unique([a.item.id, b.item.id])
                if a.overlaps(b):
                    self.add(
                        "person_clash",
                        f"{person} is in {self.name(a)} ({self.span(a)}) and {self.name(b)} ({self.span(b)}) "
                        "at the same time",
                        ids,
                    )
                    continue
                gap = max(b.start - a.end, a.start - b.end)
                talks = a.item.track is not None and b.item.track is not None
                if a.room.id != b.room.id and gap < changeover and not talks:
                    first, second = (a, b) if a.end <= b.start else (b, a)
                    self.add(
                        "changeover",
                        f"{person} has {_plural(gap, 'minute')} to get from {self.name(first)} in {first.room.name} "
                        f"(ends {self.time(first.end)}) to {self.name(second)} in {second.room.name} "
                        f"(starts {self.time(second.start)}); {changeover} needed",
                        ids,
                    )

    def check_runs_overlap(self, runs: list[_Run]) -> None:
        by_item: dict[int, list[_Run]] = defaultdict(list)
        for run in runs:
            by_item[run.item.id].append(run)
        for group in by_item.values():
            for a, b in _close_pairs(group, 0):
                if a.overlaps(b):
                    self.add(
                        "runs_overlap",
                        f"Runs {a.run} ({self.span(a)}) and {b.run} ({self.span(b)}) of {a.item.label} overlap",
                        [a.item.id],
                    )

    def check_precedences(self, runs: list[_Run]) -> None:
        by_item = _runs_by_item(runs)
        for rule in self.instance.precedences:
            before, after = self.items.get(rule.before), self.items.get(rule.after)
            if before is None or after is None or before.track is not None or after.track is not None:
                continue  # talks are ordered by their place in the track
            placed_before, placed_after = by_item.get(before.id, {}), by_item.get(after.id, {})
            if before.runs == after.runs:
                pairs = [(placed_before[k], placed_after[k]) for k in placed_before if k in placed_after]
            else:
                pairs = [(a, b) for a in placed_before.values() for b in placed_after.values()]
            for a, b in pairs:
                if b.start < a.end + rule.gap:
                    wait = f"at least {_plural(rule.gap, 'minute')} after" if rule.gap else "after"
                    self.add(
                        "precedence",
                        f"{self.name(b)} starts {self.time(b.start)}, but must start {wait} "
                        f"{self.name(a)} ends ({self.time(a.end)})",
                        _unique([a.item.id, b.item.id]),
                    )

    def check_series(self, runs: list[_Run]) -> None:
        by_item = _runs_by_item(runs)
        series: dict[str, list[tuple[int, Item]]] = defaultdict(list)
        for item in self.items.values():
            if item.series is not None and item.series_position is not None:
                series[item.series].append((item.series_position, item))
        for name, members in series.items():
            for first_position, first in members:
                for later_position, later in members:
                    if first_position >= later_position:
                        continue
                    for a in by_item.get(first.id, {}).values():
                        for b in by_item.get(later.id, {}).values():
                            if b.start < a.end:
                                self.add(
                                    "series_order",
                                    f"In series {name}, {self.name(b)} (part {later_position}) starts "
                                    f"{self.time(b.start)}, before {self.name(a)} (part {first_position}) "
                                    f"ends ({self.time(a.end)})",
                                    _unique([a.item.id, b.item.id]),
                                )

    def check_pins(self, placements: Sequence[Placement]) -> None:
        present = {_placement_key(p) for p in placements}
        for pin in sorted({_placement_key(p) for p in self.instance.pins}):
            pinned = self.items.get(pin[0])
            if pin in present or (pinned is not None and pinned.track is not None):
                continue  # talks are not pinned
            item_id, number, room_id, start = pin
            item = self.items.get(item_id)
            name = self.run_name(item, number) if item is not None else f"item {item_id} (run {number})"
            actual = sorted(self.where(p) for p in placements if (p.item, p.run) == (item_id, number))
            now = f"placed {'; '.join(actual)}" if actual else "not placed"
            self.add(
                "pin_moved",
                f"{name} is pinned to {self.time(start)} in {self.room_name(room_id)} but is {now}",
                [item_id],
            )

    def check_tracks(self, runs: list[_Run]) -> None:
        """Talks: a known track, one track per cell, nobody in two rooms of one block."""
        tracks = {track.id: track for track in self.instance.tracks}
        cells: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        where: dict[tuple[int, int], dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        for run in runs:
            if run.item.track is None:
                continue
            if run.item.track not in tracks:
                self.add(
                    "unknown_track",
                    f"{self.name(run)} belongs to track {run.item.track}, which does not exist",
                    [run.item.id],
                )
                continue
            if run.block is None:
                continue
            cells[(run.block, run.room.id)][run.item.track].append(run.item.id)
            for person_id in _unique(run.item.faculty):
                where[(person_id, run.block)][run.room.id].append(f"presents {run.item.label}")
        for (block, room_id), by_track in sorted(cells.items()):
            if len(by_track) > 1:
                names = " and ".join(f"'{tracks[t].name}'" for t in sorted(by_track))
                self.add(
                    "cell_shared",
                    f"{self.room_name(room_id)} holds talks of {names} in {self.block_name(block)}",
                    sorted(i for ids in by_track.values() for i in ids),
                )
            for t in by_track:
                for person_id in _unique(tracks[t].chairs):
                    where[(person_id, block)][room_id].append(f"chairs '{tracks[t].name}'")
        for (person_id, block), rooms in sorted(where.items()):
            if len(rooms) > 1:
                doing = "; ".join(
                    f"in {self.room_name(room_id)} {', '.join(sorted(set(what)))}"
                    for room_id, what in sorted(rooms.items())
                )
                self.add(
                    "person_rooms",
                    f"{self.person_name(person_id)} is in {len(rooms)} rooms in {self.block_name(block)}: {doing}",
                    [],
                )

    # -- wording ---------------------------------------------------------------------------------

    def add(self, code: str, message: str, items: list[int]) -> None:
        self.violations.append(Violation(code=code, message=message, items=items))

    def run_name(self, item: Item, run: int) -> str:
        return item.label if item.runs == 1 else f"{item.label} (run {run})"

    def name(self, run: _Run) -> str:
        return self.run_name(run.item, run.run)

    def block_name(self, index: int) -> str:
        block = self.instance.blocks[index]
        return f"block {block.label or block.id} ({self.interval(block.start, block.end)})"

    def room_name(self, room_id: int) -> str:
        room = self.rooms.get(room_id)
        return room.name if room is not None else f"room {room_id}"

    def person_name(self, person_id: int) -> str:
        person = self.people.get(person_id)
        return person.name if person is not None else f"person {person_id}"

    def day_of(self, minute: int) -> tuple[int, Day] | None:
        for index, day in enumerate(self.instance.days):
            if day.midnight <= minute < day.midnight + MINUTES_PER_DAY:
                return index, day
        return None

    def time(self, minute: int) -> str:
        """``Mon 09:00``: the day's label and the local clock, or ``minute 540`` outside every day."""
        found = self.day_of(minute)
        if found is None:
            return f"minute {minute}"
        index, day = found
        return f"{day.label or f'day {index + 1}'} {_clock(minute - day.midnight)}"

    def interval(self, start: int, end: int) -> str:
        found = self.day_of(start)
        if found is None:
            return f"minute {start}-{end}"
        return f"{self.time(start)}-{_clock(end - found[1].midnight)}"

    def span(self, run: _Run) -> str:
        return self.interval(run.start, run.end)

    def window(self, window: Window) -> str:
        return self.interval(window.start, window.end)

    def where(self, placement: Placement) -> str:
        return f"{self.time(placement.start)} in {self.room_name(placement.room)}"


def _slot_start(block: Block, slot: int) -> int:
    return block.start + slot * (block.end - block.start) // max(1, block.slots)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _unique(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


def _placement_key(placement: Placement) -> tuple[int, int, int, int]:
    return (placement.item, placement.run, placement.room, placement.start)


def _runs_by_item(runs: list[_Run]) -> dict[int, dict[int, _Run]]:
    by_item: dict[int, dict[int, _Run]] = defaultdict(dict)
    for run in runs:
        by_item[run.item.id][run.run] = run
    return by_item


def _close_pairs(group: list[_Run], slack: int) -> Iterator[tuple[_Run, _Run]]:
    """Every pair of runs that overlap or lie less than ``slack`` (>= 0) minutes apart, and perhaps a few more.

    With the runs sorted by start, once a later run starts ``slack`` or more minutes after
    ``a`` ends, it and every run after it are neither overlapping ``a`` nor close to it.
    """
    ordered = sorted(group, key=lambda run: (run.start, run.end, run.item.id, run.run))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end + slack:
                break
            yield a, b

"""The soft terms, evaluated on a finished schedule.

This is what a schedule *costs*, term by term, and which items pay: the numbers
the engine reports come from here, not from the solver's objective, so they are
true of the rooms actually assigned. The CP-SAT model prices the same terms the
same way (see ``solver.build``).

The terms of sessions of talks (``TRACK_TERMS``) are reported only for an
instance that uses blocks, tracks, conflicts or start costs. Their prices are in
the records themselves (``Track.block_costs``, ``Conflict.slot_cost``, …), so
each is reported with weight 1 and its cost as units.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence

from solver.model import Block, Instance, Item, Payer, Placement, Term, Weights
from solver.prep import Prepared, clock, room_fit_points, series_pairs, share, start_cost

TERMS = (
    "topic_overlap",
    "audience_clash",
    "room_fit",
    "series_room_change",
    "preferred_time",
    "runs_same_day",
    "moved",
)

TRACK_TERMS = (
    "track_block",
    "track_room",
    "block_room",
    "similar_tracks",
    "track_rooms",
    "track_parallel",
    "track_scattered",
    "start_cost",
    "track_order",
    "item_block",
    "item_room",
    "conflict_block",
    "conflict_slot",
)


def uses_tracks(instance: Instance) -> bool:
    """Whether the instance uses the concepts priced by ``TRACK_TERMS``."""
    return bool(
        instance.blocks
        or instance.tracks
        or instance.track_pairs
        or instance.conflicts
        or any(item.track is not None or item.start_costs for item in instance.items)
    )


def evaluate(instance: Instance, placements: Sequence[Placement], weights: Weights) -> list[Term]:
    prep = Prepared(instance, pool_rooms=False)
    talks = [p for p in placements if p.item in prep.items and prep.items[p.item].track is not None]
    placed = {(p.item, p.run): p for p in placements if p.item in prep.items and prep.items[p.item].track is None}
    payers: dict[str, list[Payer]] = defaultdict(list)
    units: dict[str, int] = defaultdict(int)

    def pay(term: str, items: list[int], cost: int, detail: str, n: int = 1) -> None:
        if cost:
            payers[term].append(Payer(items=items, cost=cost, detail=detail))
        units[term] += n

    # Items of one topic in parallel, counted at each instant of the topic grid.
    grid = prep.topic_grid
    for topic, items in prep.topics.items():
        runs = [(item, p) for item in items for k in range(1, item.runs + 1) if (p := placed.get((item.id, k)))]
        spell: tuple[frozenset[int], int, int] | None = None  # (items, first instant, excess minutes)

        def close(spell: tuple[frozenset[int], int, int] | None, topic: str = topic) -> None:
            if spell is None:
                return
            ids, first, minutes = spell
            names = " and ".join(prep.items[i].label for i in sorted(ids))
            pay(
                "topic_overlap",
                sorted(ids),
                weights.topic_overlap * minutes,
                f"{topic}: {names} run in parallel from {clock(instance, first)} ({minutes} min beyond one item)",
                minutes,
            )

        for t in prep.samples:
            running = [(item, p) for item, p in runs if p.start <= t < p.start + item.duration]
            if len(running) < 2:
                close(spell)
                spell = None
                continue
            ids = frozenset(item.id for item, _ in running)
            excess = (len(running) - 1) * grid
            if spell is not None and spell[0] == ids and t == spell[1] + spell[2] // (len(ids) - 1 or 1):
                spell = (ids, spell[1], spell[2] + excess)
            else:
                close(spell)
                spell = (ids, t, excess)
        close(spell)

    by_item: dict[int, list[Placement]] = defaultdict(list)
    for p in placed.values():
        by_item[p.item].append(p)
    for (a_id, b_id), people in prep.audience_pairs.items():
        a, b = prep.items[a_id], prep.items[b_id]
        for pa, pb in itertools.product(by_item.get(a_id, []), by_item.get(b_id, [])):
            if pa.start < pb.start + b.duration and pb.start < pa.start + a.duration:
                pay(
                    "audience_clash",
                    [a_id, b_id],
                    share(weights.audience_clash * people, a, b),
                    f"{people} people want both {a.label} and {b.label}, which run in parallel at "
                    f"{clock(instance, max(pa.start, pb.start))}",
                    people,
                )

    for (item_id, _run), p in sorted(placed.items()):
        item, room = prep.items[item_id], prep.rooms.get(p.room)
        if room is None:
            continue
        points = room_fit_points(item.seats, room.capacity)
        if points:
            pay(
                "room_fit",
                [item_id],
                weights.room_fit * points,
                f"{item.label}: {item.seats} seats needed in {room.name} ({room.capacity} seats)",
                points,
            )
        for pid in item.faculty:
            wished = prep.preferred.get(pid)
            if wished and not any(w.contains(p.start, p.start + item.duration) for w in wished):
                pay(
                    "preferred_time",
                    [item_id],
                    weights.preferred_time,
                    f"{prep.people[pid]} prefers other times than {clock(instance, p.start)} for {item.label}",
                )

    for earlier, later in series_pairs(instance):
        first, second = placed.get((earlier.id, 1)), placed.get((later.id, 1))
        if first is not None and second is not None and first.room != second.room:
            pay(
                "series_room_change",
                [earlier.id, later.id],
                weights.series_room_change,
                f"Series {earlier.series}: {earlier.label} in {prep.rooms[first.room].name}, "
                f"{later.label} in {prep.rooms[second.room].name}",
            )

    for item in instance.items:
        if item.runs < 2:
            continue
        per_day: dict[str, int] = defaultdict(int)
        for k in range(1, item.runs + 1):
            run_at = placed.get((item.id, k))
            day = prep.day_of(run_at.start) if run_at else None
            if day is not None:
                per_day[day.label or str(day.start)] += 1
        for label, n in sorted(per_day.items()):
            if n > 1:
                pay(
                    "runs_same_day",
                    [item.id],
                    weights.runs_same_day * (n - 1),
                    f"{n} runs of {item.label} on {label}",
                    n - 1,
                )

    for key, before in sorted(prep.previous.items()):
        after = placed.get(key)
        moved_item = prep.items.get(key[0])
        if moved_item is None or after is None or (after.start, after.room) == (before.start, before.room):
            continue
        people = len(moved_item.faculty) + moved_item.people
        pay(
            "moved",
            [moved_item.id],
            weights.moved * people,
            f"Run {key[1]} of {moved_item.label} moved from {clock(instance, before.start)} to "
            f"{clock(instance, after.start)} ({people} people affected)",
            people,
        )

    for (item_id, _run), p in sorted(placed.items()):
        item = prep.items[item_id]
        if c := start_cost(item.start_costs, p.start):
            pay("start_cost", [item_id], c, f"{item.label} starts at {clock(instance, p.start)}", c)

    out = [
        Term(
            name=name,
            weight=getattr(weights, name),
            units=units.get(name, 0),
            cost=sum(x.cost for x in payers.get(name, [])),
            payers=sorted(payers.get(name, []), key=lambda x: (-x.cost, x.items)),
        )
        for name in TERMS
    ]
    if not uses_tracks(instance):
        return out
    _track_costs(instance, talks, pay)
    return out + [
        Term(
            name=name,
            weight=1,
            units=units.get(name, 0),
            cost=sum(x.cost for x in payers.get(name, [])),
            payers=sorted(payers.get(name, []), key=lambda x: (-x.cost, x.items)),
        )
        for name in TRACK_TERMS
    ]


def total(terms: Sequence[Term]) -> int:
    return sum(t.cost for t in terms)


def _locate(blocks: list[Block], minute: int) -> tuple[int, int] | None:
    """(block index, slot) of a slot's start."""
    for index, block in enumerate(blocks):
        if block.start <= minute < block.end:
            for slot in range(block.slots):
                if block.start + slot * (block.end - block.start) // max(1, block.slots) == minute:
                    return index, slot
    return None


def _track_costs(instance: Instance, talks: Sequence[Placement], pay: Callable[..., None]) -> None:
    """The costs of talks in tracks, from where they are: cells, spread, order, items, conflicts."""
    blocks, rooms = instance.blocks, instance.rooms
    tracks = {t.id: t for t in instance.tracks}
    items = {i.id: i for i in instance.items}
    room_index = {room.id: k for k, room in enumerate(rooms)}
    room_name = {room.id: room.name for room in rooms}
    # item -> (block, room id, first slot); cells -> tracks held
    where: dict[int, tuple[int, int, int]] = {}
    for p in sorted(talks, key=lambda p: (p.item, p.run, p.start, p.room)):
        found = _locate(blocks, p.start)
        if found is not None and p.room in room_index and p.item not in where:
            where[p.item] = (found[0], p.room, found[1])
    cells: dict[tuple[int, int], set[int]] = defaultdict(set)
    for item_id, (b, room, _slot) in where.items():
        track_id = items[item_id].track
        if track_id in tracks:
            cells[(b, room)].add(track_id)

    def block_name(b: int) -> str:
        return blocks[b].label or f"block {blocks[b].id}"

    for (b, room), held in sorted(cells.items()):
        block = blocks[b]
        for t in sorted(held):
            track = tracks[t]
            if c := track.block_costs.get(block.id, 0):
                pay("track_block", [], c, f"'{track.name}' in {block_name(b)} ({room_name[room]})", c)
            if c := track.room_costs.get(room, 0):
                pay("track_room", [], c, f"'{track.name}' in {room_name[room]} ({block_name(b)})", c)
        if c := block.room_costs.get(room, 0):
            pay("block_room", [], c, f"{room_name[room]} used in {block_name(b)}", c)

    count: dict[tuple[int, int], int] = defaultdict(int)  # (track, block) -> cells
    for (b, _room), held in cells.items():
        for t in held:
            count[(t, b)] += 1
    price: dict[tuple[int, int], int] = defaultdict(int)
    for pair in instance.track_pairs:
        if pair.a != pair.b and pair.a in tracks and pair.b in tracks:
            price[(min(pair.a, pair.b), max(pair.a, pair.b))] += pair.cost
    for (ta, tc), cost in sorted(price.items()):
        for b in range(len(blocks)):
            n = count.get((ta, b), 0) * count.get((tc, b), 0)
            if n and cost:
                pay(
                    "similar_tracks",
                    [],
                    cost * n,
                    f"'{tracks[ta].name}' and '{tracks[tc].name}' in parallel in {block_name(b)}",
                    cost * n,
                )

    for t, track in sorted(tracks.items()):
        used = sorted({(b, room) for (b, room), held in cells.items() if t in held})
        if not used:
            continue
        in_rooms = sorted({room for _, room in used}, key=room_index.__getitem__)
        if (c := track.room_change_cost * (len(in_rooms) - 1)) > 0:
            names = ", ".join(room_name[r] for r in in_rooms)
            pay("track_rooms", [], c, f"'{track.name}' is held in {len(in_rooms)} rooms: {names}", c)
        in_blocks = sorted({b for b, _ in used})
        for b in in_blocks:
            if (c := track.parallel_cost * (count[(t, b)] - 1)) > 0:
                pay("track_parallel", [], c, f"'{track.name}' runs in {count[(t, b)]} rooms in {block_name(b)}", c)
        if track.scattered_cost and in_blocks[-1] - in_blocks[0] + 1 != len(in_blocks):
            c = track.scattered_cost
            names = ", ".join(block_name(b) for b in in_blocks)
            pay("track_scattered", [], c, f"'{track.name}' is in blocks that do not follow each other: {names}", c)
        if track.order_cost:
            members = [i for i in where if items[i].track == t]
            # The track's sequence: by block, then room (in the instance's order), then slot.
            sequence = sorted(members, key=lambda i: (where[i][0], room_index[where[i][1]], where[i][2]))
            _order(track.name, track.order_cost, sequence, where, items, pay)

    for item_id, (b, room, _slot) in sorted(where.items()):
        item, block = items[item_id], blocks[b]
        if c := item.block_costs.get(block.id, 0):
            pay("item_block", [item_id], c, f"{item.label} in {block_name(b)}", c)
        if c := item.room_costs.get(room, 0):
            pay("item_room", [item_id], c, f"{item.label} in {room_name[room]}", c)
        if c := start_cost(item.start_costs, block.start):
            pay("start_cost", [item_id], c, f"{item.label} in {block_name(b)}", c)

    for conflict in instance.conflicts:
        at_a, at_b = where.get(conflict.a), where.get(conflict.b)
        if conflict.a == conflict.b or at_a is None or at_b is None or at_a[0] != at_b[0]:
            continue
        ia, ic = items[conflict.a], items[conflict.b]
        if conflict.block_cost and at_a[1] != at_b[1]:
            pay(
                "conflict_block",
                [ia.id, ic.id],
                conflict.block_cost,
                f"{ia.label} and {ic.label} in different rooms of {block_name(at_a[0])}",
                conflict.block_cost,
            )
        shared = _shared(at_a[2], ia.slots, at_b[2], ic.slots)
        if conflict.slot_cost and shared:
            cost = conflict.slot_cost * shared
            pay("conflict_slot", [ia.id, ic.id], cost, f"{ia.label} and {ic.label} at the same time", cost)


def _shared(first: int, slots: int, other: int, other_slots: int) -> int:
    """Slots two ranges of slots have in common."""
    return max(0, min(first + slots, other + other_slots) - max(first, other))


def _order(
    name: str,
    cost: int,
    sequence: list[int],
    where: dict[int, tuple[int, int, int]],
    items: dict[int, Item],
    pay: Callable[..., None],
) -> None:
    """Items with a place: at their place in the track's sequence, and never two of them in one slot."""
    for position, item_id in enumerate(sequence, start=1):
        item = items[item_id]
        if item.place > 0 and item.place != position:
            pay("track_order", [item_id], cost, f"{item.label} is talk {position} of '{name}', not {item.place}", cost)
    placed = [i for i in sequence if items[i].place > 0]
    for k, a in enumerate(placed):
        for c in placed[k + 1 :]:
            wa, wc = where[a], where[c]
            shared = _shared(wa[2], items[a].slots, wc[2], items[c].slots) if wa[0] == wc[0] else 0
            if shared:
                pay(
                    "track_order",
                    [a, c],
                    cost * shared,
                    f"{items[a].label} and {items[c].label} of '{name}' at the same time",
                    cost * shared,
                )

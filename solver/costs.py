"""The soft terms, evaluated on a finished schedule.

This is what a schedule *costs*, term by term, and which items pay: the numbers
the engine reports come from here, not from the solver's objective, so they are
true of the rooms actually assigned. The CP-SAT model prices the same terms the
same way (see ``solver.build``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

from solver.model import Instance, Payer, Placement, Term, Weights
from solver.prep import Prepared, clock, room_fit_points, series_pairs, share

TERMS = (
    "topic_overlap",
    "audience_clash",
    "room_fit",
    "series_room_change",
    "preferred_time",
    "runs_same_day",
    "moved",
)


def evaluate(instance: Instance, placements: Sequence[Placement], weights: Weights) -> list[Term]:
    prep = Prepared(instance, pool_rooms=False)
    placed = {(p.item, p.run): p for p in placements if p.item in prep.items}
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

    return [
        Term(
            name=name,
            weight=getattr(weights, name),
            units=units.get(name, 0),
            cost=sum(x.cost for x in payers.get(name, [])),
            payers=sorted(payers.get(name, []), key=lambda x: (-x.cost, x.items)),
        )
        for name in TERMS
    ]


def total(terms: Sequence[Term]) -> int:
    return sum(t.cost for t in terms)

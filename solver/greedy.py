"""A quick greedy placement, used as the solver's warm start.

Runs are placed one by one (pins first, then the runs with the fewest options,
longest first) at the earliest start that keeps every hard rule it can check
cheaply, preferring starts that do not put two items of a topic in parallel.
It may leave runs unplaced; the solver then completes the hint.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from solver.model import Placement
from solver.prep import Prepared, Run, overlaps_any, room_fit_points, series_pairs


def greedy(prep: Prepared, max_candidates: int = 400) -> list[Placement]:
    inst = prep.instance
    rooms_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)  # room id -> [start, end)
    person_busy: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # person -> (start, end, room)
    topic_busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    placed: dict[tuple[int, int], Placement] = {}

    # Earliest start forced by what must come before.
    preds: dict[tuple[int, int], list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for p in inst.precedences:
        a, c = prep.items.get(p.before), prep.items.get(p.after)
        if a is None or c is None:
            continue
        for ka, kc in itertools.product(range(1, a.runs + 1), range(1, c.runs + 1)):
            if a.runs != c.runs or ka == kc:
                preds[(c.id, kc)].append(((a.id, ka), a.duration + p.gap))
    for a, c in series_pairs(inst):
        for ka, kc in itertools.product(range(1, a.runs + 1), range(1, c.runs + 1)):
            preds[(c.id, kc)].append(((a.id, ka), a.duration))
    for item in inst.items:
        if not any((item.id, k) in prep.pins for k in range(1, item.runs + 1)):
            for k in range(2, item.runs + 1):
                preds[(item.id, k)].append(((item.id, k - 1), item.duration))

    # Latest start that still leaves every successor a start of its own (backwards through the order).
    succs: dict[tuple[int, int], list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for key, before in preds.items():
        for p_key, lag in before:
            succs[p_key].append((key, lag))
    latest: dict[tuple[int, int], int] = {}

    def latest_start(key: tuple[int, int], depth: int = 0) -> int:
        if key in latest:
            return latest[key]
        own = max(prep.starts.get(key) or [-(10**9)])
        if depth < 50:
            for nxt, lag in succs.get(key, []):
                own = min(own, latest_start(nxt, depth + 1) - lag)
        latest[key] = own
        return own

    def free(room: int, s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in rooms_busy[room])

    def person_ok(run: Run, room: int, s: int, e: int) -> bool:
        gap = inst.changeover
        for pid in run.item.faculty:
            for a, b, r in person_busy[pid]:
                # Pooled rooms are told apart only afterwards: the model asks for a changeover there.
                pad = 0 if r == room and prep.class_of_room[room].size == 1 else gap
                if a < e + pad and s < b + pad:
                    return False
        return True

    def clashes(run: Run, s: int, e: int) -> int:
        return sum(1 for t in run.item.topics for a, b in topic_busy[t] if a < e and s < b)

    def place(run: Run, room: int, s: int) -> None:
        e = s + run.item.duration
        placed[run.key] = Placement(item=run.item.id, run=run.run, room=room, start=s)
        rooms_busy[room].append((s, e))
        for pid in run.item.faculty:
            person_busy[pid].append((s, e, room))
        for t in run.item.topics:
            topic_busy[t].append((s, e))

    for key, pin in prep.pins.items():
        pinned = prep.items.get(key[0])
        if pinned is not None and pin.room in prep.rooms:
            place(Run(pinned, key[1]), pin.room, pin.start)

    def options(run: Run) -> tuple[int, int, int]:
        count = len(prep.starts[run.key]) * sum(c.size for c in prep.compatible[run.item.id])
        return (count, -run.item.duration, run.item.id * 100 + run.run)

    runs = {r.key: r for r in prep.runs}
    attempted = set(placed)

    def attempt(run: Run) -> None:
        attempted.add(run.key)
        earliest = max((placed[p].start + lag for p, lag in preds[run.key] if p in placed), default=-(10**9))
        last = latest_start(run.key)
        rooms = sorted(
            (room for c in prep.compatible[run.item.id] for room in c.rooms),
            key=lambda r: (room_fit_points(run.item.seats, r.capacity), r.capacity, r.id),
        )
        best: tuple[int, int, int, int] | None = None
        wishes = [prep.preferred[pid] for pid in run.item.faculty if pid in prep.preferred]
        # Days already holding a run of the same item (runs should spread over the days).
        siblings = [
            prep.day_of(placed[(run.item.id, k)].start)
            for k in range(1, run.item.runs + 1)
            if k != run.run and (run.item.id, k) in placed
        ]
        tried = 0
        for s in prep.starts[run.key]:
            if s < earliest:
                continue
            if s > last:
                break
            e = s + run.item.duration
            for room in rooms:
                if overlaps_any(s, e, room.unavailable) or not free(room.id, s, e):
                    continue
                if not person_ok(run, room.id, s, e):
                    break
                n = clashes(run, s, e)
                unwished = sum(1 for windows in wishes if not any(w.contains(s, e) for w in windows))
                unwished += sum(1 for d in siblings if d is not None and d.start <= s < d.end)
                if best is None or (n, unwished) < best[:2]:
                    best = (n, unwished, room.id, s)
                break
            tried += 1
            if (best is not None and best[:2] == (0, 0)) or tried >= max_candidates:
                break
        if best is not None:
            place(run, best[2], best[3])

    def visit(run: Run, depth: int = 0) -> None:
        """Place what must come first, then the run itself (chains stay together)."""
        if run.key in attempted:
            return
        if depth < 50:
            for p, _ in preds[run.key]:
                if p in runs:
                    visit(runs[p], depth + 1)
        if run.key not in attempted:
            attempt(run)

    # The most constrained runs first (fewest start × room options, then the longest).
    for run in sorted(prep.runs, key=options):
        visit(run)
    return sorted(placed.values(), key=lambda p: (p.item, p.run))

"""A quick greedy placement, used as the solver's warm start.

Runs are placed one by one (pins first, then the runs with the fewest options,
longest first) at the earliest start that keeps every hard rule it can check
cheaply, preferring starts that do not put two items of a topic in parallel.
It may leave runs unplaced; the solver then completes the hint.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

from solver.model import Item, Placement
from solver.prep import Prepared, Run, overlaps_any, room_fit_points, series_pairs, slot_start, start_cost


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


def greedy_tracks(prep: Prepared, shuffle: int | None = None) -> list[Placement]:
    """A quick placement of the track items, used as the solver's warm start.

    Tracks are placed one by one, those with a talk that fits few blocks first, then the largest. For each,
    the options are runs of consecutive blocks in one room with enough free slots, the blocks its talks would
    rather be in, and the cheapest free cells; an option's items go to its cheapest cell that keeps each
    person in one room per block (opening another free cell when none fits). The option that places every
    item at the lowest estimated cost is kept. Items it cannot place are left to the solver. With ``shuffle``
    (a seed), tracks of the same urgency come in a random order instead of largest first.
    """
    ses = prep.sessions
    n_blocks, n_rooms = len(ses.blocks), len(ses.rooms)
    taken: dict[tuple[int, int], int] = {}
    person_at: dict[tuple[int, int], tuple[int, int]] = {}  # (person, block) -> (track, room)
    similar: dict[tuple[int, int], int] = defaultdict(int)
    for pair in prep.instance.track_pairs:
        ka, kc = ses.track_index.get(pair.a), ses.track_index.get(pair.b)
        if ka is not None and kc is not None and ka != kc:
            similar[(ka, kc)] += pair.cost
            similar[(kc, ka)] += pair.cost
    blocks_of = {i.id: set(ses.item_blocks(i)) for i in ses.items}
    rooms_of = {i.id: set(ses.item_rooms(i)) for i in ses.items}
    out: list[Placement] = []

    def item_cost(item: Item, s: int, r: int) -> int:
        block, room = ses.blocks[s], ses.rooms[r]
        return (
            item.block_costs.get(block.id, 0)
            + item.room_costs.get(room.id, 0)
            + start_cost(item.start_costs, block.start)
        )

    def cell_cost(t: int, s: int, r: int) -> int:
        track, block, room = ses.tracks[t], ses.blocks[s], ses.rooms[r]
        in_block = [taken[(s, q)] for q in range(n_rooms) if (s, q) in taken]
        return (
            track.block_costs.get(block.id, 0)
            + track.room_costs.get(room.id, 0)
            + block.room_costs.get(room.id, 0)
            + sum(similar.get((t, o), 0) for o in in_block)
        )

    def free_for(people: list[int], s: int, t: int, r: int) -> bool:
        return all(person_at.get((pid, s), (t, r)) == (t, r) for pid in people)

    def assign(t: int, cells: list[tuple[int, int]]) -> tuple[int, dict[int, tuple[int, int]]] | None:
        """Items of the track into these cells: (cost, item -> cell), or None if some item does not fit."""
        track = ses.tracks[t]
        left = {c: ses.blocks[c[0]].slots for c in cells}
        busy: dict[tuple[int, int], tuple[int, int]] = {}
        where: dict[int, tuple[int, int]] = {}
        total = 0
        items = sorted(
            ses.by_track[t],
            key=lambda i: (-i.slots, sum(1 for c in cells if c[0] in blocks_of[i.id] and c[1] in rooms_of[i.id])),
        )
        people_of = {i.id: [*i.faculty, *track.chairs] for i in items}

        def fits_in(item: Item, c: tuple[int, int]) -> bool:
            s, r = c
            if s not in blocks_of[item.id] or r not in rooms_of[item.id] or left.get(c, 0) < item.slots:
                return False
            people = people_of[item.id]
            return free_for(people, s, t, r) and all(busy.get((pid, s), c) == c for pid in people)

        for item in items:
            best: tuple[int, int, tuple[int, int]] | None = None
            for c in cells:
                if not fits_in(item, c):
                    continue
                used = left[c] < ses.blocks[c[0]].slots
                key = (item_cost(item, *c), 0 if used else 1, c)
                if best is None or key < best:
                    best = key
            if best is None:
                # Open one more free cell for it (the cheapest).
                extra = [c for c in spare(t) if c not in left]
                for c in extra:
                    left[c] = ses.blocks[c[0]].slots
                opened = [(item_cost(item, *c) + cell_cost(t, *c), c) for c in extra if fits_in(item, c)]
                for c in extra:
                    del left[c]
                if not opened:
                    return None
                c = min(opened)[1]
                left[c] = ses.blocks[c[0]].slots
                cells = [*cells, c]
                best = (item_cost(item, *c), 0, c)
            c = best[2]
            left[c] -= item.slots
            where[item.id] = c
            total += best[0]
            for pid in [*item.faculty, *track.chairs]:
                busy[(pid, c[0])] = c
        used_cells = set(where.values())
        total += sum(cell_cost(t, s, r) for s, r in used_cells)
        rooms = {r for _, r in used_cells}
        blocks = sorted({s for s, _ in used_cells})
        total += track.room_change_cost * (len(rooms) - 1) + track.parallel_cost * (len(used_cells) - len(blocks))
        if blocks and blocks[-1] - blocks[0] + 1 != len(blocks):
            total += track.scattered_cost
        return total, where

    def spare(t: int) -> set[tuple[int, int]]:
        """Free cells the track may take (its chairs free then)."""
        chairs = ses.tracks[t].chairs
        allowed = {(s, r) for i in ses.by_track[t] for s, r in ses.item_cells(i)}
        return {
            c
            for c in allowed
            if c not in taken and all(person_at.get((pid, c[0]), (t, c[1])) == (t, c[1]) for pid in chairs)
        }

    def options(t: int) -> list[list[tuple[int, int]]]:
        need = sum(i.slots for i in ses.by_track[t])
        ok = spare(t)
        found: list[list[tuple[int, int]]] = []
        for r in range(n_rooms):
            for s0 in range(n_blocks):
                run: list[tuple[int, int]] = []
                room_left = 0
                for s in range(s0, n_blocks):
                    if (s, r) not in ok:
                        break
                    run.append((s, r))
                    room_left += ses.blocks[s].slots
                    if room_left >= need:
                        found.append(list(run))
                        break
        # The blocks the talks would rather be in, each with its cheapest free cell.
        items = ses.by_track[t]
        wanted = sorted(
            {s for s, _ in ok},
            key=lambda s: (sum(item_cost(i, s, 0) if s in blocks_of[i.id] else 10**9 for i in items), s),
        )
        chosen: list[tuple[int, int]] = []
        room_left = 0
        for s in wanted:
            if room_left >= need:
                break
            c = min((c for c in ok if c[0] == s), key=lambda c: (cell_cost(t, *c), c[1]))
            chosen.append(c)
            room_left += ses.blocks[s].slots
        found.append(sorted(chosen))
        # Failing one room, the cheapest free cells (fewest rooms first).
        picked: list[tuple[int, int]] = []
        room_left = 0
        for c in sorted(ok, key=lambda c: (cell_cost(t, *c), c[1], c[0])):
            if room_left >= need:
                break
            if any(p[0] == c[0] for p in picked) and ses.tracks[t].chairs:
                continue
            picked.append(c)
            room_left += ses.blocks[c[0]].slots
        found.append(picked)
        return found

    noise = random.Random(shuffle)  # noqa: S311 - a search order, not security

    def urgency(t: int) -> tuple[int, float, int]:
        """Tracks with a talk that fits few blocks first, then the largest (or in a random order)."""
        fewest = min(len(blocks_of[i.id]) for i in ses.by_track[t])
        size = -sum(i.slots for i in ses.by_track[t])
        return (min(fewest, 3), size if shuffle is None else noise.random(), t)

    order = sorted(ses.by_track, key=urgency)
    for t in order:
        best: tuple[int, dict[int, tuple[int, int]]] | None = None
        for cells in options(t):
            result = assign(t, cells)
            if result is not None and (best is None or result[0] < best[0]):
                best = result
        if best is None:
            continue
        where = best[1]
        by_cell: dict[tuple[int, int], list[Item]] = defaultdict(list)
        for item in ses.by_track[t]:
            by_cell[where[item.id]].append(item)
        for (s, r), items in sorted(by_cell.items()):
            taken[(s, r)] = t
            j = 0
            for item in sorted(items, key=lambda i: (i.place <= 0, i.place, i.id)):
                out.append(Placement(item=item.id, run=1, room=ses.rooms[r].id, start=slot_start(ses.blocks[s], j)))
                j += item.slots
                for pid in item.faculty:
                    person_at[(pid, s)] = (t, r)
            for pid in ses.tracks[t].chairs:
                person_at[(pid, s)] = (t, r)
    return sorted(out, key=lambda p: (p.item, p.run))

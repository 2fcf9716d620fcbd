"""Why no schedule exists, in words an organiser can act on.

First a set of direct checks, each a necessary condition with a sentence of
its own (no room fits; no start fits; two pins collide; a room or a person has
fewer hours than the runs that can only be there need; an order that runs in a
circle or cannot fit). If none of them fires, a relaxed CP-SAT model with one
assumption literal per constraint group is solved and its infeasible core,
shrunk by deletion, is reported group by group.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

import msgspec
from ortools.sat.python import cp_model

from solver.cores import minimal_core
from solver.model import Day, Explanation, Instance, Item, Window
from solver.prep import Prepared, clock, fits, hours, overlaps_any, series_pairs, span


def explain(instance: Instance, time_limit: float = 10.0) -> list[Explanation]:
    prep = Prepared(instance, pool_rooms=False)
    if prep.sessions.items:
        return _talks(prep, time_limit)
    found = _no_room(prep) + _no_start(prep) + _pins(prep) + _order(prep) + _room_hours(prep) + _person_hours(prep)
    if found:
        return _unique(found)
    return _core(prep, time_limit)


def _talks(prep: Prepared, time_limit: float) -> list[Explanation]:
    """Talks in tracks: one with nowhere to go, more slots needed than the blocks offer; else the rest of the
    programme is explained on its own, and failing that the rules of talks are named together."""
    ses, out = prep.sessions, []
    for item in ses.items:
        if ses.item_cells(item):
            continue
        track = ses.track_of(item)
        if track is None:
            why = f"its track {item.track} does not exist"
        elif item.runs != 1:
            why = "a talk in a track is given once (runs = 1)"
        elif not any(ses.usable[s] and item.slots <= b.slots for s, b in enumerate(ses.blocks)):
            longest = max((b.slots for s, b in enumerate(ses.blocks) if ses.usable[s]), default=0)
            why = f"it needs {item.slots} slots and the longest usable block has {longest}"
        elif not ses.item_blocks(item):
            why = "no block lies inside its allowed times while its presenters and its track's chairs are free"
        else:
            why = "no room that fits it is open in the blocks it could be in"
        out.append(Explanation(code="no_cell", message=f"{item.label} cannot be placed: {why}", items=[item.id]))
    if out:
        return out
    offered = sum(ses.blocks[s].slots for (s, _r), ok in ses.open.items() if ok)
    needed = sum(item.slots for item in ses.items)
    if needed > offered:
        return [
            Explanation(
                code="not_enough_slots",
                message=f"The talks need {needed} slots but the blocks offer {offered} in the rooms open then",
                items=[item.id for item in ses.items],
            )
        ]
    if prep.ordinary:
        rest = msgspec.structs.replace(prep.instance, items=prep.ordinary)
        found = explain(rest, time_limit)
        if found:
            return found
    return [
        Explanation(
            code="talks",
            message="The talks cannot all be placed with one track per room and block, each track's talks in its "
            "own cells, and nobody in two rooms of one block",
            items=[item.id for item in ses.items],
        )
    ]


def _unique(found: list[Explanation]) -> list[Explanation]:
    seen: set[str] = set()
    out = []
    for e in found:
        if e.message not in seen:
            seen.add(e.message)
            out.append(e)
    return out


def _needs(item: Item) -> str:
    parts = [f"{item.seats} seats"] if item.seats else []
    parts += [f"{n} × {k.replace('_', ' ')}" for k, n in sorted(item.equipment.items())]
    return " and ".join(parts) or "a room"


def _no_room(prep: Prepared) -> list[Explanation]:
    out = []
    for item in prep.instance.items:
        if any(fits(item, r) for r in prep.instance.rooms):
            continue
        equipped = [
            r for r in prep.instance.rooms if all(r.equipment.get(k, 0) >= n for k, n in item.equipment.items())
        ]
        if equipped and item.equipment:
            biggest = max(equipped, key=lambda r: r.capacity)
            why = f"the largest room with that equipment, {biggest.name}, seats {biggest.capacity}"
        elif item.equipment:
            why = "no room has that equipment"
        else:
            largest = max(prep.instance.rooms, key=lambda r: r.capacity, default=None)
            why = f"the largest room, {largest.name}, seats {largest.capacity}" if largest else "there are no rooms"
        out.append(
            Explanation(code="no_room", message=f"{item.label} needs {_needs(item)}, but {why}", items=[item.id])
        )
    return out


def _no_start(prep: Prepared) -> list[Explanation]:
    inst, out = prep.instance, []
    for item in inst.items:
        if prep.grid_starts(item):
            continue
        if not prep.grid_starts(item, windows=False, people=False):
            longest = max((d.end - d.start for d in inst.days), default=0)
            message = (
                f"{item.label} lasts {hours(item.duration)}, but no programme day has that long a stretch "
                f"without a break (the longest day is {hours(longest)})"
            )
        elif not prep.grid_starts(item, people=False):
            windows = ", ".join(span(inst, w.start, w.end) for w in item.windows)
            message = f"{item.label} lasts {hours(item.duration)} and fits in none of its allowed windows ({windows})"
        else:
            away = [prep.people[p] for p in item.faculty if prep.unavailable.get(p)]
            message = (
                f"{item.label} cannot take place at any allowed time: {', '.join(away)} "
                f"{'is' if len(away) == 1 else 'are'} unavailable whenever it could run"
            )
        out.append(Explanation(code="no_start", message=message, items=[item.id], people=item.faculty))
    return out


def _pins(prep: Prepared) -> list[Explanation]:
    inst, out = prep.instance, []
    pins = sorted(prep.pins.values(), key=lambda p: (p.start, p.item, p.run))
    for pin in pins:
        item, room = prep.items.get(pin.item), prep.rooms.get(pin.room)
        if item is None or room is None:
            continue
        end = pin.start + item.duration
        where = f"{room.name} at {clock(inst, pin.start)}"
        if not fits(item, room):
            out.append(
                Explanation(
                    code="pin_room_unfit",
                    message=f"{item.label} is pinned in {room.name}, which lacks what it needs ({_needs(item)})",
                    items=[item.id],
                    rooms=[room.id],
                )
            )
        if overlaps_any(pin.start, end, room.unavailable):
            out.append(
                Explanation(
                    code="pin_room_closed",
                    message=f"{item.label} is pinned in {where}, but {room.name} is closed then",
                    items=[item.id],
                    rooms=[room.id],
                )
            )
        day = prep.day_of(pin.start)
        if day is None or end > day.end or overlaps_any(pin.start, end, inst.breaks):
            out.append(
                Explanation(
                    code="pin_outside_programme",
                    message=f"{item.label} is pinned at {clock(inst, pin.start)}, outside the programme hours "
                    "or across a break",
                    items=[item.id],
                )
            )
        if item.windows and not any(w.contains(pin.start, end) for w in item.windows):
            out.append(
                Explanation(
                    code="pin_outside_windows",
                    message=f"{item.label} is pinned at {clock(inst, pin.start)}, outside its allowed windows",
                    items=[item.id],
                )
            )
        for pid in item.faculty:
            if overlaps_any(pin.start, end, prep.unavailable.get(pid, [])):
                out.append(
                    Explanation(
                        code="pin_person_away",
                        message=f"{item.label} is pinned at {clock(inst, pin.start)}, "
                        f"when {prep.people[pid]} is unavailable",
                        items=[item.id],
                        people=[pid],
                    )
                )
    for p, q in itertools.combinations(pins, 2):
        a, c = prep.items.get(p.item), prep.items.get(q.item)
        if a is None or c is None:
            continue
        overlap = p.start < q.start + c.duration and q.start < p.start + a.duration
        if p.room == q.room and overlap and (p.item, p.run) != (q.item, q.run):
            room_name = prep.rooms[p.room].name if p.room in prep.rooms else f"room {p.room}"
            out.append(
                Explanation(
                    code="pins_share_room",
                    message=f"{a.label} and {c.label} are both pinned in {room_name} at overlapping times "
                    f"({clock(inst, p.start)} and {clock(inst, q.start)})",
                    items=[a.id, c.id],
                    rooms=[p.room],
                )
            )
        gap = inst.changeover if p.room != q.room else 0
        close = p.start < q.start + c.duration + gap and q.start < p.start + a.duration + gap
        for pid in sorted(set(a.faculty) & set(c.faculty)):
            if not close:
                continue
            when = (
                f"both pinned at {clock(inst, p.start)}"
                if p.start == q.start
                else f"pinned at {clock(inst, p.start)} and {clock(inst, q.start)}"
            )
            extra = "" if overlap else f" with less than {inst.changeover} min to change rooms"
            out.append(
                Explanation(
                    code="pins_share_person",
                    message=f"{prep.people[pid]} teaches {a.label} and {c.label}, which are {when}{extra}",
                    items=[a.id, c.id],
                    people=[pid],
                )
            )
    return out


def _order(prep: Prepared) -> list[Explanation]:
    """Orders that run in a circle, or whose parts cannot fit one after the other."""
    inst, out = prep.instance, []
    edges: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for p in inst.precedences:
        if p.before in prep.items and p.after in prep.items:
            edges[p.before].append((p.after, p.gap))
    for a, c in series_pairs(inst):
        edges[a.id].append((c.id, 0))

    # A cycle: depth-first search with colours.
    state: dict[int, int] = {}
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        stack.append(node)
        for nxt, _ in edges.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)) is not None:
            names = " before ".join(prep.items[i].label for i in cycle)
            out.append(
                Explanation(
                    code="order_cycle",
                    message=f"The required order runs in a circle: {names}",
                    items=sorted(set(cycle)),
                )
            )
            return out

    # Earliest ends forward through the order; compare with the latest possible start.
    earliest: dict[int, int] = {}
    for item in inst.items:
        starts = [s for k in range(1, item.runs + 1) for s in prep.starts[(item.id, k)]]
        if starts:
            earliest[item.id] = min(starts)
    changed = True
    rounds = 0
    while changed and rounds <= len(inst.items):
        changed, rounds = False, rounds + 1
        for before, nexts in edges.items():
            if before not in earliest:
                continue
            item = prep.items[before]
            done = earliest[before] + item.runs * item.duration if item.runs > 1 else earliest[before] + item.duration
            for after, lag in nexts:
                later = [s for s in prep.starts[(after, 1)] if s >= done + lag]
                if not later:
                    continue
                if later[0] > earliest.get(after, -(10**9)):
                    earliest[after] = later[0]
                    changed = True
    for before, nexts in sorted(edges.items()):
        a = prep.items[before]
        if before not in earliest:
            continue
        for after, lag in nexts:
            c = prep.items[after]
            latest = max(prep.starts[(after, c.runs)], default=None)
            first_end = earliest[before] + a.duration
            if latest is not None and latest < first_end + lag:
                out.append(
                    Explanation(
                        code="order_impossible",
                        message=f"{a.label} must end before {c.label} starts, but {a.label} can end at the "
                        f"earliest at {clock(inst, first_end)} and {c.label} must start by {clock(inst, latest)}",
                        items=[a.id, c.id],
                    )
                )
    return out


def _tied_to_day(prep: Prepared, keys: list[tuple[int, int]], day: Day) -> tuple[list[tuple[int, int]], int]:
    """The runs among ``keys`` that can only take place on ``day``, and the minutes they need."""
    on_day = [k for k in keys if prep.starts[k] and all(day.start <= s < day.end for s in prep.starts[k])]
    return on_day, sum(prep.items[k[0]].duration for k in on_day)


def _room_hours(prep: Prepared) -> list[Explanation]:
    """Runs that can only use one set of rooms (on one day) need more hours than those rooms offer."""
    inst, out = prep.instance, []
    only: dict[frozenset[int], list[tuple[int, int]]] = defaultdict(list)
    for run in prep.runs:
        rooms = frozenset(r.id for c in prep.compatible[run.item.id] for r in c.rooms)
        if rooms and len(rooms) <= 3:
            only[rooms].append(run.key)
    for rooms, keys in sorted(only.items(), key=lambda kv: sorted(kv[0])):
        # Every run whose rooms are among these competes for them.
        own = set(keys)
        keys = [run.key for run in prep.runs if run.key in own or _rooms_within(prep, run.item, rooms)]
        names = " and ".join(sorted(prep.rooms[r].name for r in rooms))
        for day in inst.days:
            on_day, need = _tied_to_day(prep, keys, day)
            offer = sum(_open_minutes(prep, r, day.start, day.end) for r in rooms)
            if on_day and need > offer:
                out.append(
                    Explanation(
                        code="room_hours_day",
                        message=f"{names} {'offers' if len(rooms) == 1 else 'offer'} {hours(offer)} on {day.label} "
                        f"but the {len(on_day)} runs that can only be there need {hours(need)}",
                        items=sorted({k[0] for k in on_day}),
                        rooms=sorted(rooms),
                    )
                )
        need = sum(prep.items[k[0]].duration for k in keys)
        offer = sum(_open_minutes(prep, r, d.start, d.end) for r in rooms for d in inst.days)
        if need > offer:
            out.append(
                Explanation(
                    code="room_hours",
                    message=f"{names} {'offers' if len(rooms) == 1 else 'offer'} {hours(offer)} over the congress "
                    f"but the {len(keys)} runs that can only be there need {hours(need)}",
                    items=sorted({k[0] for k in keys}),
                    rooms=sorted(rooms),
                )
            )
    return out


def _rooms_within(prep: Prepared, item: Item, rooms: frozenset[int]) -> bool:
    own = {r.id for c in prep.compatible[item.id] for r in c.rooms}
    return bool(own) and own <= rooms


def _open_minutes(prep: Prepared, room_id: int, start: int, end: int) -> int:
    """Minutes of [start, end) in which the room is open and no break runs."""
    return end - start - _blocked_minutes([*prep.rooms[room_id].unavailable, *prep.instance.breaks], start, end)


def _person_hours(prep: Prepared) -> list[Explanation]:
    inst, out = prep.instance, []
    runs_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for run in prep.runs:
        for pid in set(run.item.faculty):
            runs_of[pid].append(run.key)
    for pid, keys in sorted(runs_of.items()):
        for day in inst.days:
            on_day, need = _tied_to_day(prep, keys, day)
            blocked = [*prep.unavailable.get(pid, []), *inst.breaks]
            offer = day.end - day.start - _blocked_minutes(blocked, day.start, day.end)
            if on_day and need > offer:
                out.append(
                    Explanation(
                        code="person_hours_day",
                        message=f"{prep.people[pid]} is available for {hours(offer)} on {day.label} but teaches "
                        f"{len(on_day)} runs that can only be that day, {hours(need)} in all",
                        items=sorted({k[0] for k in on_day}),
                        people=[pid],
                    )
                )
    return out


def _blocked_minutes(windows: Sequence[Window], start: int, end: int) -> int:
    """Minutes of [start, end) covered by at least one of the windows."""
    spans = sorted((max(start, w.start), min(end, w.end)) for w in windows if w.start < end and start < w.end)
    total, cursor = 0, start
    for a, b in spans:
        a = max(a, cursor)
        if b > a:
            total += b - a
            cursor = b
    return total


# The fallback: an infeasible core over named groups of constraints.


def _core(prep: Prepared, time_limit: float) -> list[Explanation]:
    inst = prep.instance
    m = cp_model.CpModel()
    groups: dict[int, Explanation] = {}

    def group(code: str, message: str, **refs: list[int]) -> cp_model.IntVar:
        lit = m.new_bool_var(code)
        groups[lit.index] = Explanation(code=code, message=message, **refs)
        return lit

    starts: dict[tuple[int, int], cp_model.IntVar] = {}
    window_lits: dict[int, cp_model.IntVar] = {}
    rooms: dict[tuple[int, int], dict[int, cp_model.IntVar]] = {}
    for run in prep.runs:
        item = run.item
        free = prep.grid_starts(item, windows=False, people=False)
        pin = prep.pins.get(run.key)
        domain = sorted({*free, pin.start}) if pin is not None else free
        if not domain:
            return []
        s = m.new_int_var_from_domain(cp_model.Domain.from_values(domain), "")
        starts[run.key] = s
        rooms[run.key] = {r.id: m.new_bool_var("") for c in prep.compatible[item.id] for r in c.rooms}
        if not rooms[run.key]:
            return []
        m.add_exactly_one(rooms[run.key].values())
        if pin is not None:
            lit = group(
                "pin",
                f"{item.label} is pinned at {clock(inst, pin.start)}",
                items=[item.id],
            )
            m.add(s == pin.start).only_enforce_if(lit)
            if pin.room in rooms[run.key]:
                m.add(rooms[run.key][pin.room] == 1).only_enforce_if(lit)
        if item.windows:
            if item.id not in window_lits:
                window_lits[item.id] = group(
                    "windows", f"{item.label} may only run in its allowed windows", items=[item.id]
                )
            inside = [v for v in domain if any(w.contains(v, v + item.duration) for w in item.windows)]
            m.add_linear_expression_in_domain(s, cp_model.Domain.from_values(inside or [-1])).only_enforce_if(
                window_lits[item.id]
            )

    for room in inst.rooms:
        ivs = []
        for key, options in rooms.items():
            if room.id in options:
                ivs.append(
                    m.new_optional_fixed_size_interval_var(
                        starts[key], prep.items[key[0]].duration, options[room.id], ""
                    )
                )
        if room.unavailable:
            lit = group("room_closed", f"{room.name} is closed at times", rooms=[room.id])
            ivs += [m.new_optional_fixed_size_interval_var(w.start, w.end - w.start, lit, "") for w in room.unavailable]
        m.add_no_overlap(ivs)

    by_person: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for run in prep.runs:
        for pid in set(run.item.faculty):
            by_person[pid].append(run.key)
    for pid, keys in sorted(by_person.items()):
        name = prep.people[pid]
        if len(keys) > 1:
            lit = group("person_busy", f"{name} cannot be in two places at once", people=[pid])
            m.add_no_overlap(
                [m.new_optional_fixed_size_interval_var(starts[k], prep.items[k[0]].duration, lit, "") for k in keys]
            )
        if len(keys) > 1 and inst.changeover > 0:
            lit = group(
                "changeover",
                f"{name} needs {inst.changeover} min to change rooms between items",
                people=[pid],
            )
            for x, y in itertools.combinations(keys, 2):
                same = m.new_bool_var("")
                both = []
                for room_id in set(rooms[x]) & set(rooms[y]):
                    pair = m.new_bool_var("")
                    m.add_implication(pair, rooms[x][room_id])
                    m.add_implication(pair, rooms[y][room_id])
                    both.append(pair)
                m.add_bool_or([*both, ~same])
                first = m.new_bool_var("")
                gap = inst.changeover - inst.changeover * same
                m.add(starts[y] >= starts[x] + prep.items[x[0]].duration + gap).only_enforce_if([lit, first])
                m.add(starts[x] >= starts[y] + prep.items[y[0]].duration + gap).only_enforce_if([lit, ~first])
        away = prep.unavailable.get(pid, [])
        if away:
            lit = group("person_away", f"{name} is unavailable at times", people=[pid])
            for k in keys:
                d = prep.items[k[0]].duration
                every = prep.grid_starts(prep.items[k[0]], windows=False, people=False)
                ok = [v for v in every if not overlaps_any(v, v + d, away)]
                m.add_linear_expression_in_domain(starts[k], cp_model.Domain.from_values(ok or [-1])).only_enforce_if(
                    lit
                )
    for item in inst.items:
        if item.runs > 1:
            lit = group(
                "runs_apart", f"the {item.runs} runs of {item.label} must be at different times", items=[item.id]
            )
            m.add_no_overlap(
                [
                    m.new_optional_fixed_size_interval_var(starts[(item.id, k)], item.duration, lit, "")
                    for k in range(1, item.runs + 1)
                ]
            )
    pairs = [(p.before, p.after, p.gap, True) for p in inst.precedences]
    pairs += [(a.id, c.id, 0, False) for a, c in series_pairs(inst)]
    for before, after, lag, by_run in pairs:
        a, c = prep.items.get(before), prep.items.get(after)
        if a is None or c is None:
            continue
        lit = group("order", f"{a.label} must come before {c.label}", items=[a.id, c.id])
        for ka, kc in itertools.product(range(1, a.runs + 1), range(1, c.runs + 1)):
            if by_run and a.runs == c.runs and ka != kc:
                continue
            m.add(starts[(c.id, kc)] >= starts[(a.id, ka)] + a.duration + lag).only_enforce_if(lit)

    found = minimal_core(m, list(groups), time_limit, per_check=2.0)
    if found is None:
        return [
            Explanation(
                code="unexplained",
                message="No schedule satisfies every rule at once, and no single cause could be isolated "
                "within the time allowed; remove pins or widen windows and solve again",
            )
        ]
    core = found
    if not core:
        return [
            Explanation(
                code="rooms_and_times",
                message="The rooms and programme hours cannot hold every run: there are more run-hours "
                "than room-hours that fit them",
            )
        ]
    head = Explanation(
        code="conflict",
        message="These rules cannot all hold together: " + "; ".join(groups[i].message for i in core),
        items=sorted({x for i in core for x in groups[i].items}),
        rooms=sorted({x for i in core for x in groups[i].rooms}),
        people=sorted({x for i in core for x in groups[i].people}),
    )
    return [head, *(groups[i] for i in core)]

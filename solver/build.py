"""The CP-SAT model: variables, then one function per constraint family.

Each run of an item has one start variable whose domain already excludes every
time it may not start (outside the day, across a break, outside its windows,
while one of its faculty is away) and one Boolean per compatible room class.
Rooms that no constraint tells apart are pooled into one cumulative resource
and coloured afterwards (``solver.engine``), which always succeeds for
identical rooms. Every soft term is a named list of (literal or variable,
coefficient) so the objective can be read back term by term.

Talks in tracks (``Item.track``) are placed differently: a literal per block ×
room cell a track may take, a literal per block an item may be in, and a room
literal per cell only for the items whose room matters (several slots, costs by
room, a place in the track, shared people); the others are counted per cell and
given a room afterwards. Slots within a cell are modelled (a start-slot variable
and a no-overlap per cell) only for tracks whose order or slot-level conflicts
are priced; elsewhere the items of a cell are laid out afterwards.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model import Params, Placement
from solver.prep import Prepared, Run, Sessions, merged, room_fit_points, series_pairs, share, start_cost

LinearTerm = tuple[cp_model.IntVar, int]


@dataclass
class RunVars:
    run: Run
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    rooms: dict[int, cp_model.IntVar]  # room class index -> chosen
    at: dict[int, cp_model.IntVar]  # start minute -> chosen


@dataclass
class TrackVars:
    """The variables of blocks, tracks and track items (blocks, rooms, tracks by index; items by id)."""

    ses: Sessions
    cell: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (track, block, room) taken
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (track, block) used
    load: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # slots filled in a cell
    block: dict[int, dict[int, cp_model.IntVar]] = field(default_factory=dict)  # item -> block -> in it
    room: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)  # bound item -> cell
    slot: dict[int, cp_model.IntVar] = field(default_factory=dict)  # positioned item -> start slot
    at: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)  # item -> (block, slot)
    positioned: set[int] = field(default_factory=set)  # tracks whose slots are modelled

    def cells_of(self, t: int) -> list[tuple[int, int]]:
        return [(s, r) for (k, s, r) in self.cell if k == t]


@dataclass
class Built:
    prep: Prepared
    model: cp_model.CpModel
    runs: dict[tuple[int, int], RunVars]
    terms: dict[str, list[LinearTerm]] = field(default_factory=lambda: defaultdict(list))
    tracks: TrackVars | None = None
    # Set when the instance is infeasible before search (a run with no start or no room).
    trivially_infeasible: bool = False

    def objective_terms(self) -> list[LinearTerm]:
        return [t for terms in self.terms.values() for t in terms]


def build(prep: Prepared, params: Params) -> Built:
    model = cp_model.CpModel()
    built = Built(prep, model, {})
    _variables(built)
    if prep.sessions.items or prep.instance.blocks:
        _track_variables(built)
    if built.trivially_infeasible:
        return built
    if built.tracks is not None:
        _track_cells(built)
        _track_slots(built)
        _track_people(built)
    _rooms(built)
    _faculty(built)
    _runs_apart(built)
    _precedence(built)
    _pins(built)
    _topics(built, params)
    _audiences(built, params)
    _room_fit(built, params)
    _series_rooms(built, params)
    _preferred(built, params)
    _runs_same_day(built, params)
    _moved(built, params)
    _start_costs(built)
    if built.tracks is not None:
        _cell_costs(built)
        _similar_tracks(built)
        _track_spread(built)
        _item_costs(built)
        _track_order(built)
        _conflicts(built)
    terms = built.objective_terms()
    if terms:
        model.minimize(sum(v * c for v, c in terms))
    return built


def _variables(b: Built) -> None:
    m, prep = b.model, b.prep
    for run in prep.runs:
        starts = prep.starts[run.key]
        classes = prep.compatible[run.item.id]
        pin = prep.pins.get(run.key)
        if pin is not None:
            classes = [c for c in classes if c is prep.class_of_room.get(pin.room)]
        if not starts or not classes:
            b.trivially_infeasible = True
            return
        name = f"i{run.item.id}r{run.run}"
        start = m.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"s_{name}")
        interval = m.new_fixed_size_interval_var(start, run.item.duration, f"iv_{name}")
        rooms = {c.index: m.new_bool_var(f"x_{name}_c{c.index}") for c in classes}
        m.add_exactly_one(rooms.values())
        # One literal per possible start: the time-indexed view the soft terms are priced on.
        at = {s: m.new_bool_var(f"y_{name}_{s}") for s in starts}
        m.add_exactly_one(at.values())
        m.add(start == sum(s * lit for s, lit in at.items()))
        b.runs[run.key] = RunVars(run, start, interval, rooms, at)


def _rooms(b: Built) -> None:
    """A room holds one run at a time, and nothing while it is closed."""
    m = b.model
    members: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for rv in b.runs.values():
        for c, x in rv.rooms.items():
            members[c].append(
                m.new_optional_fixed_size_interval_var(rv.start, rv.run.item.duration, x, f"{rv.start.name}_c{c}")
            )
    for cls in b.prep.classes:
        runs = members.get(cls.index)
        if not runs:
            continue
        # Closures that overlap each other would clash with one another: join them first.
        closed = [
            m.new_fixed_size_interval_var(w.start, w.end - w.start, f"closed_c{cls.index}")
            for w in merged(cls.unavailable)
        ]
        if b.tracks is not None and cls.size == 1:
            runs = runs + _cells_in_room(b, cls.rooms[0].id)
        if cls.size == 1:
            m.add_no_overlap(runs + closed)
        else:
            m.add_cumulative(runs + closed, [1] * len(runs) + [cls.size] * len(closed), cls.size)


def _same_room(b: Built, x: RunVars, y: RunVars) -> cp_model.IntVar | None:
    """A literal that may be true only if both runs are in the same (single) room."""
    common = [c for c in x.rooms if c in y.rooms and b.prep.classes[c].size == 1]
    if not common:
        return None
    m = b.model
    same = m.new_bool_var(f"same_{x.start.name}_{y.start.name}")
    both = []
    for c in common:
        lit = m.new_bool_var(f"both_{x.start.name}_{y.start.name}_c{c}")
        m.add_implication(lit, x.rooms[c])
        m.add_implication(lit, y.rooms[c])
        both.append(lit)
    m.add_bool_or([*both, ~same])
    return same


def _faculty(b: Built) -> None:
    """Nobody is in two runs at once; changing rooms takes ``changeover`` minutes."""
    m, gap = b.model, b.prep.instance.changeover
    by_person: dict[int, list[RunVars]] = defaultdict(list)
    for rv in b.runs.values():
        for pid in sorted(set(rv.run.item.faculty)):
            by_person[pid].append(rv)
    for pid, runs in sorted(by_person.items()):
        if len(runs) < 2:
            continue
        m.add_no_overlap([rv.interval for rv in runs])
        if gap <= 0:
            continue
        for x, y in itertools.combinations(runs, 2):
            same = _same_room(b, x, y)
            first = m.new_bool_var(f"p{pid}_{x.start.name}_before_{y.start.name}")
            slack_x = gap if same is None else gap - gap * same
            m.add(y.start >= x.start + x.run.item.duration + slack_x).only_enforce_if(first)
            m.add(x.start >= y.start + y.run.item.duration + slack_x).only_enforce_if(~first)


def _runs_apart(b: Built) -> None:
    """Runs of one item never overlap; unpinned runs go in order (run 1 first)."""
    m = b.model
    for item in b.prep.instance.items:
        if item.runs < 2:
            continue
        runs = [b.runs[(item.id, k)] for k in range(1, item.runs + 1)]
        if not _may_order_runs(b, item.id):
            m.add_no_overlap([rv.interval for rv in runs])
        else:
            for x, y in itertools.pairwise(runs):
                m.add(y.start >= x.start + item.duration)


def _may_order_runs(b: Built, item_id: int) -> bool:
    """Runs are interchangeable, so run 1 may be put first, unless pins, a previous release or a
    run-by-run precedence tell them apart."""
    prep = b.prep
    linked = {item_id}
    for p in prep.instance.precedences:
        if item_id in (p.before, p.after):
            linked |= {p.before, p.after}
    if any(key[0] in linked for key in prep.pins):
        return False
    before = sorted((k, p.start) for (i, k), p in prep.previous.items() if i == item_id)
    return [start for _, start in before] == sorted(start for _, start in before)


def _precedence(b: Built) -> None:
    m, prep = b.model, b.prep
    # Precedence links run k to run k when the runs match; a series wants every part done first.
    pairs = [(p.before, p.after, p.gap, True) for p in prep.instance.precedences]
    pairs += [(a.id, c.id, 0, False) for a, c in series_pairs(prep.instance)]
    for before, after, gap, by_run in pairs:
        a, c = prep.items.get(before), prep.items.get(after)
        if a is None or c is None or a.track is not None or c.track is not None:
            continue  # talks are ordered by their place in the track
        if by_run and a.runs == c.runs:
            links = [(k, k) for k in range(1, a.runs + 1)]
        else:
            links = list(itertools.product(range(1, a.runs + 1), range(1, c.runs + 1)))
        for ka, kc in links:
            m.add(b.runs[(c.id, kc)].start >= b.runs[(a.id, ka)].start + a.duration + gap)


def _pins(b: Built) -> None:
    """A pinned run's start is already fixed by its domain; fix its room too."""
    for key, pin in b.prep.pins.items():
        rv = b.runs.get(key)
        cls = b.prep.class_of_room.get(pin.room)
        if rv is not None and cls is not None and cls.index in rv.rooms:
            b.model.add(rv.rooms[cls.index] == 1)


def _may_overlap(b: Built, x: RunVars, y: RunVars) -> bool:
    xd, yd = b.prep.starts[x.run.key], b.prep.starts[y.run.key]
    return xd[0] < yd[-1] + y.run.item.duration and yd[0] < xd[-1] + x.run.item.duration


def _topics(b: Built, params: Params) -> None:
    """At each instant of the topic grid, every item of a topic beyond the first costs.

    Time-indexed on the start literals, so the relaxation stays strong.
    """
    m, prep = b.model, b.prep
    price = params.weights.topic_overlap * prep.topic_grid
    if price == 0:
        return
    for topic, items in prep.topics.items():
        excesses: list[cp_model.IntVar] = []
        for t in prep.samples:
            covering: list[cp_model.IntVar] = []
            for item in items:
                for k in range(1, item.runs + 1):
                    rv = b.runs[(item.id, k)]
                    covering += [lit for s, lit in rv.at.items() if s <= t < s + item.duration]
            if len(covering) < 2:
                continue
            excess = m.new_int_var(0, len(covering) - 1, f"topic_{topic}_{t}")
            m.add(excess >= sum(covering) - 1)
            excesses.append(excess)
        if not excesses:
            continue
        # Every run covers at least floor(duration / grid) instants, and each instant holds one
        # item for free: what is left over must be paid. Stating it gives the search its bound at once.
        covered = sum(item.runs * (item.duration // prep.topic_grid) for item in items)
        floor = max(0, covered - len(prep.samples))
        total = m.new_int_var(floor, sum(len(items) for _ in excesses), f"topic_{topic}")
        m.add(total == sum(excesses))
        b.terms["topic_overlap"].append((total, price))


def _audiences(b: Built, params: Params) -> None:
    """Items one audience wants should not run in parallel (pairwise, few pairs)."""
    m, prep = b.model, b.prep
    for (a_id, c_id), people in prep.audience_pairs.items():
        a, c = prep.items[a_id], prep.items[c_id]
        cost = share(params.weights.audience_clash * people, a, c)
        if cost == 0:
            continue
        for ka, kc in itertools.product(range(1, a.runs + 1), range(1, c.runs + 1)):
            x, y = b.runs[(a_id, ka)], b.runs[(c_id, kc)]
            if not _may_overlap(b, x, y):
                continue
            before = m.new_bool_var("")
            after = m.new_bool_var("")
            parallel = m.new_bool_var(f"par_{x.start.name}_{y.start.name}")
            m.add(y.start >= x.start + a.duration).only_enforce_if(before)
            m.add(x.start >= y.start + c.duration).only_enforce_if(after)
            m.add_bool_or([before, after, parallel])
            b.terms["audience_clash"].append((parallel, cost))


def _room_fit(b: Built, params: Params) -> None:
    for rv in b.runs.values():
        for c, x in rv.rooms.items():
            points = room_fit_points(rv.run.item.seats, b.prep.classes[c].capacity)
            if points:
                b.terms["room_fit"].append((x, params.weights.room_fit * points))


def _series_rooms(b: Built, params: Params) -> None:
    m = b.model
    for earlier, later in series_pairs(b.prep.instance):
        x, y = b.runs[(earlier.id, 1)], b.runs[(later.id, 1)]
        change = m.new_bool_var(f"hop_{x.start.name}_{y.start.name}")
        for c, lit in x.rooms.items():
            if c in y.rooms and b.prep.classes[c].size == 1:
                # Same single room for both, or pay the change.
                m.add_bool_or([~lit, y.rooms[c], change])
            else:
                m.add_implication(lit, change)
        b.terms["series_room_change"].append((change, params.weights.series_room_change))


def _preferred(b: Built, params: Params) -> None:
    m, prep = b.model, b.prep
    for rv in b.runs.values():
        item = rv.run.item
        for pid in sorted(set(item.faculty)):
            wished = prep.preferred.get(pid)
            if not wished:
                continue
            outside = [lit for s, lit in rv.at.items() if not any(w.contains(s, s + item.duration) for w in wished)]
            if not outside:
                continue
            miss = m.new_bool_var(f"pref_{rv.start.name}_p{pid}")
            m.add(miss == sum(outside))
            b.terms["preferred_time"].append((miss, params.weights.preferred_time))


def _runs_same_day(b: Built, params: Params) -> None:
    """Spread the runs of a workshop over the congress days."""
    m, prep = b.model, b.prep
    for item in prep.instance.items:
        if item.runs < 2:
            continue
        for day in prep.instance.days:
            on_day = [
                lit
                for k in range(1, item.runs + 1)
                for s, lit in b.runs[(item.id, k)].at.items()
                if day.start <= s < day.end
            ]
            if len(on_day) < 2:
                continue
            extra = m.new_int_var(0, item.runs - 1, f"extra_i{item.id}_d{day.start}")
            m.add(extra >= sum(on_day) - 1)
            b.terms["runs_same_day"].append((extra, params.weights.runs_same_day))


def _moved(b: Built, params: Params) -> None:
    """Minimal change: every run that leaves its previous place costs the people it affects."""
    m, prep = b.model, b.prep
    for key, before in sorted(prep.previous.items()):
        rv = b.runs.get(key)
        if rv is None:
            continue
        item = rv.run.item
        people = len(item.faculty) + item.people
        cls = prep.class_of_room.get(before.room)
        if cls is None or cls.index not in rv.rooms or before.start not in prep.starts[key]:
            b.terms["moved"].append((m.new_constant(1), params.weights.moved * people))
            continue
        moved = m.new_bool_var(f"moved_{rv.start.name}")
        # Staying needs both the old start and the old room (class); otherwise the run has moved.
        m.add_bool_or([rv.at[before.start], moved])
        m.add_bool_or([rv.rooms[cls.index], moved])
        b.terms["moved"].append((moved, params.weights.moved * people))


def hint(b: Built, placements: list[Placement]) -> None:
    """Give the solver a starting point (a greedy schedule, or the previous release)."""
    for var, value in track_values(b, placements):
        b.model.add_hint(var, value)
    for p in placements:
        rv = b.runs.get((p.item, p.run))
        cls = b.prep.class_of_room.get(p.room)
        if rv is None or cls is None or cls.index not in rv.rooms:
            continue
        rv_domain = b.prep.starts[rv.run.key]
        if p.start not in rv_domain:
            continue
        b.model.add_hint(rv.start, p.start)
        for s, lit in rv.at.items():
            b.model.add_hint(lit, s == p.start)
        for c, lit in rv.rooms.items():
            b.model.add_hint(lit, c == cls.index)


# --- talks in tracks ---------------------------------------------------------------------------------------------


def _track_variables(b: Built) -> None:
    """Cells a track may take, blocks (and where it matters cells and slots) an item may be in."""
    m, ses = b.model, b.prep.sessions
    tv = TrackVars(ses)
    b.tracks = tv
    inst = b.prep.instance
    bound = _bound_items(b)
    # Tracks whose slots are priced: order (items with a place), or conflicts per slot.
    for t, items in ses.by_track.items():
        if ses.tracks[t].order_cost > 0 and any(i.place > 0 for i in items):
            tv.positioned.add(t)
    slotted: set[int] = set()
    for c in inst.conflicts:
        if c.slot_cost > 0 and c.a != c.b:
            slotted |= {c.a, c.b}
    for t in tv.positioned:
        slotted |= {i.id for i in ses.by_track[t] if i.place > 0}
    for item in ses.items:
        if item.id in slotted and item.track in ses.track_index:
            tv.positioned.add(ses.track_index[item.track])
    for t in tv.positioned:
        bound |= {i.id for i in ses.by_track[t]}

    for item in ses.items:
        cells = ses.item_cells(item)
        if not cells:
            b.trivially_infeasible = True
            return
        t = ses.track_index[item.track] if item.track is not None else -1
        for s, r in cells:
            if (t, s, r) not in tv.cell:
                tv.cell[(t, s, r)] = m.new_bool_var(f"cell_t{t}_b{s}_r{r}")
        blocks = sorted({s for s, _ in cells})
        tv.block[item.id] = {s: m.new_bool_var(f"in_i{item.id}_b{s}") for s in blocks}
        m.add_exactly_one(tv.block[item.id].values())
        if item.id in bound:
            tv.room[item.id] = {(s, r): m.new_bool_var(f"at_i{item.id}_b{s}_r{r}") for s, r in cells}
            for s in blocks:
                m.add(sum(x for (bs, _), x in tv.room[item.id].items() if bs == s) == tv.block[item.id][s])
            for (s, r), x in tv.room[item.id].items():
                m.add_implication(x, tv.cell[(t, s, r)])
        if t in tv.positioned:
            top = max(ses.blocks[s].slots for s in blocks) - item.slots
            tv.slot[item.id] = m.new_int_var(0, max(0, top), f"slot_i{item.id}")
            m.add(tv.slot[item.id] + item.slots <= sum(ses.blocks[s].slots * u for s, u in tv.block[item.id].items()))
        if item.id in slotted:
            lits = {
                (s, j): m.new_bool_var(f"start_i{item.id}_b{s}_{j}")
                for s in blocks
                for j in range(ses.blocks[s].slots - item.slots + 1)
            }
            tv.at[item.id] = lits
            for s in blocks:
                m.add(sum(z for (bs, _), z in lits.items() if bs == s) == tv.block[item.id][s])
            m.add(tv.slot[item.id] == sum(j * z for (_, j), z in lits.items()))
    for t, s, _r in list(tv.cell):
        if (t, s) not in tv.present:
            tv.present[(t, s)] = m.new_bool_var(f"uses_t{t}_b{s}")


def _bound_items(b: Built) -> set[int]:
    """Items whose room must be decided in the model (the others are counted per cell and given a room later)."""
    ses = b.prep.sessions
    every_room = set(range(len(ses.rooms)))
    bound = {
        i.id for i in ses.items if i.slots > 1 or any(i.room_costs.values()) or set(ses.item_rooms(i)) != every_room
    }
    track_of = {i.id: i.track for i in ses.items}
    for c in b.prep.instance.conflicts:
        if c.block_cost > 0 and c.a in track_of and track_of.get(c.a) == track_of.get(c.b) and c.a != c.b:
            bound |= {c.a, c.b}
    # People with several items in one track: those items share a room when in the same block.
    seen: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for i in ses.items:
        for pid in set(i.faculty):
            seen[(pid, i.track)].append(i.id)
    for ids in seen.values():
        if len(ids) > 1:
            bound |= set(ids)
    return bound


def _track_cells(b: Built) -> None:
    """A room holds one track per block; a cell a track takes holds at least one of its items and no more
    slots than the block has; an item is only in a block its track uses."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    by_cell: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (_t, s, r), y in tv.cell.items():
        by_cell[(s, r)].append(y)
    for lits in by_cell.values():
        if len(lits) > 1:
            m.add_at_most_one(lits)
    for (t, s), pres in tv.present.items():
        ys = [tv.cell[(t, s, r)] for r in range(len(ses.rooms)) if (t, s, r) in tv.cell]
        for y in ys:
            m.add_implication(y, pres)
        m.add_bool_or([*ys, ~pres])
    for t, items in ses.by_track.items():
        counted = not any(i.id in tv.room for i in items)
        for s in sorted({s for (k, s, _r) in tv.cell if k == t}):
            cap = ses.blocks[s].slots
            cells = [tv.cell[(t, s, r)] for r in range(len(ses.rooms)) if (t, s, r) in tv.cell]
            in_block = [(i, tv.block[i.id][s]) for i in items if s in tv.block[i.id]]
            for _i, u in in_block:
                m.add_implication(u, tv.present[(t, s)])
            filled = sum(i.slots * u for i, u in in_block)
            if counted:
                # Items of one slot each, none tied to a room: enough of them for every cell, not too many.
                m.add(filled >= sum(cells))
                m.add(filled <= cap * sum(cells))
                continue
            loads = []
            for r in range(len(ses.rooms)):
                taken = tv.cell.get((t, s, r))
                if taken is None:
                    continue
                load = m.new_int_var(0, cap, f"load_t{t}_b{s}_r{r}")
                tv.load[(t, s, r)] = load
                m.add(load <= cap * taken)
                m.add(load >= taken)
                bound_here = [(i.slots, tv.room[i.id][(s, r)]) for i, _ in in_block if (s, r) in tv.room.get(i.id, {})]
                if bound_here:
                    m.add(load >= sum(k * x for k, x in bound_here))
                loads.append(load)
            m.add(sum(loads) == filled)


def _track_slots(b: Built) -> None:
    """In tracks whose slots are modelled, the items of a cell do not overlap."""
    m, tv = b.model, b.tracks
    assert tv is not None
    for t in sorted(tv.positioned):
        items = tv.ses.by_track[t]
        for s, r in tv.cells_of(t):
            intervals = [
                m.new_optional_fixed_size_interval_var(
                    tv.slot[i.id], i.slots, tv.room[i.id][(s, r)], f"iv_i{i.id}_b{s}_r{r}"
                )
                for i in items
                if (s, r) in tv.room[i.id]
            ]
            if len(intervals) > 1:
                m.add_no_overlap(intervals)


def _person_in_block(b: Built) -> dict[int, dict[int, list[cp_model.IntVar]]]:
    """For each person and block, one literal per track they are in there (chairing it or presenting in it)."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    out: dict[int, dict[int, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
    chairs: dict[int, set[int]] = defaultdict(set)
    for t, track in enumerate(ses.tracks):
        if t not in ses.by_track:
            continue
        for pid in set(track.chairs):
            chairs[pid].add(t)
    presents: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item in ses.items:
        for pid in set(item.faculty):
            presents[(pid, ses.track_index[item.track] if item.track is not None else -1)].append(item.id)
    for pid, ts in chairs.items():
        for t in ts:
            for (k, s), pres in tv.present.items():
                if k == t:
                    out[pid][s].append(pres)
    for (pid, t), ids in sorted(presents.items()):
        if t in chairs.get(pid, set()):
            continue  # the track's presence already says it
        blocks = sorted({s for i in ids for s in tv.block[i]})
        for s in blocks:
            lits = [tv.block[i][s] for i in ids if s in tv.block[i]]
            if len(lits) == 1:
                out[pid][s].append(lits[0])
                continue
            q = m.new_bool_var(f"p{pid}_t{t}_b{s}")
            for u in lits:
                m.add_implication(u, q)
            out[pid][s].append(q)
    return out


def _track_people(b: Built) -> None:
    """Nobody is in two rooms in one block: a person presents in, or chairs, one cell per block; a chair's
    track takes one room per block; a person's items in one track and block share a room; and nobody has an
    ordinary run while they are in a block."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    where = _person_in_block(b)
    for _pid, per_block in sorted(where.items()):
        for lits in per_block.values():
            if len(lits) > 1:
                m.add_at_most_one(lits)
    for t, track in enumerate(ses.tracks):
        if track.chairs and t in ses.by_track:
            for s in {s for (k, s, _r) in tv.cell if k == t}:
                ys = [tv.cell[(t, s, r)] for r in range(len(ses.rooms)) if (t, s, r) in tv.cell]
                if len(ys) > 1:
                    m.add_at_most_one(ys)
    # Items of one person in one track: in the same block, the same room.
    seen: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for i in ses.items:
        for pid in set(i.faculty):
            seen[(pid, i.track)].append(i.id)
    for ids in seen.values():
        for a, c in itertools.combinations(ids, 2):
            for (s, r), x in tv.room[a].items():
                if s in tv.block[c]:
                    other = tv.room[c].get((s, r))
                    m.add_bool_or([~x, ~tv.block[c][s]] + ([other] if other is not None else []))
    # Ordinary runs of a person never overlap a block they are in.
    for rv in b.runs.values():
        for pid in sorted(set(rv.run.item.faculty)):
            for s, lits in where.get(pid, {}).items():
                block = ses.blocks[s]
                clash = [lit for st, lit in rv.at.items() if st < block.end and block.start < st + rv.run.item.duration]
                for lit in clash:
                    for q in lits:
                        m.add_bool_or([~lit, ~q])


def _cells_in_room(b: Built, room_id: int) -> list[cp_model.IntervalVar]:
    """The blocks in which a room holds a track, as intervals (for the ordinary runs of the same room)."""
    m, tv = b.model, b.tracks
    assert tv is not None
    r = next((k for k, room in enumerate(tv.ses.rooms) if room.id == room_id), None)
    out = []
    for s, block in enumerate(tv.ses.blocks):
        ys = [y for (_t, bs, br), y in tv.cell.items() if bs == s and br == r]
        if not ys:
            continue
        used = m.new_bool_var(f"used_b{s}_r{r}")
        m.add(used == sum(ys))
        out.append(
            m.new_optional_fixed_size_interval_var(block.start, block.end - block.start, used, f"cell_b{s}_r{r}")
        )
    return out


def _start_costs(b: Built) -> None:
    """Ordinary runs pay the cost of the window their start falls in."""
    for rv in b.runs.values():
        costs = rv.run.item.start_costs
        if not costs:
            continue
        for s, lit in rv.at.items():
            c = start_cost(costs, s)
            if c:
                b.terms["start_cost"].append((lit, c))


def _cell_costs(b: Built) -> None:
    tv = b.tracks
    assert tv is not None
    ses = tv.ses
    for (t, s, r), y in sorted(tv.cell.items()):
        track, block, room = ses.tracks[t], ses.blocks[s], ses.rooms[r]
        for name, cost in (
            ("track_block", track.block_costs.get(block.id, 0)),
            ("track_room", track.room_costs.get(room.id, 0)),
            ("block_room", block.room_costs.get(room.id, 0)),
        ):
            if cost:
                b.terms[name].append((y, cost))


def _similar_tracks(b: Built) -> None:
    """Two tracks that should not run in parallel pay for every pair of their cells in one block."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    price: dict[tuple[int, int], int] = defaultdict(int)
    for pair in b.prep.instance.track_pairs:
        ka, kc = ses.track_index.get(pair.a), ses.track_index.get(pair.b)
        if ka is None or kc is None or ka == kc or not pair.cost:
            continue
        price[(min(ka, kc), max(ka, kc))] += pair.cost
    rooms = len(ses.rooms)
    for (ta, tc), cost in sorted(price.items()):
        for s in range(len(ses.blocks)):
            if (ta, s) not in tv.present or (tc, s) not in tv.present:
                continue
            ya = [y for r in range(rooms) if (y := tv.cell.get((ta, s, r))) is not None]
            yc = [y for r in range(rooms) if (y := tv.cell.get((tc, s, r))) is not None]
            pa, pc = tv.present[(ta, s)], tv.present[(tc, s)]
            both = m.new_int_var(0, len(ya) * len(yc), f"similar_t{ta}_t{tc}_b{s}")
            m.add(both >= pa + pc - 1)
            # Exact both ways, so that every solution's objective is its cost.
            m.add(both <= len(ya) * len(yc) * pa)
            m.add(both <= len(ya) * len(yc) * pc)
            if len(ya) > 1 or len(yc) > 1:
                na = m.new_int_var(0, len(ya), "")
                nc = m.new_int_var(0, len(yc), "")
                m.add(na == sum(ya))
                m.add(nc == sum(yc))
                m.add_multiplication_equality(both, [na, nc])
                m.add(both >= na + nc - 1 - rooms * (2 - pa - pc))
            b.terms["similar_tracks"].append((both, cost))


def _track_spread(b: Built) -> None:
    """Session hopping (rooms beyond the first), parallel cells (beyond one per block), scattered blocks."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    for t, track in enumerate(ses.tracks):
        if t not in ses.by_track:
            continue
        cells = tv.cells_of(t)
        rooms = sorted({r for _, r in cells})
        blocks = sorted({s for s, _ in cells})
        if track.room_change_cost and len(rooms) > 1:
            used = {r: m.new_bool_var(f"room_t{t}_r{r}") for r in rooms}
            for s, r in cells:
                m.add_implication(tv.cell[(t, s, r)], used[r])
            for r, lit in used.items():
                m.add_bool_or([~lit, *(tv.cell[(t, s, q)] for s, q in cells if q == r)])
            extra = m.new_int_var(0, len(rooms) - 1, f"hops_t{t}")
            m.add(extra == sum(used.values()) - 1)
            b.terms["track_rooms"].append((extra, track.room_change_cost))
        if track.parallel_cost and len(cells) > len(blocks):
            extra = m.new_int_var(0, len(cells) - len(blocks), f"parallel_t{t}")
            m.add(extra == sum(tv.cell[(t, s, r)] for s, r in cells) - sum(tv.present[(t, s)] for s in blocks))
            b.terms["track_parallel"].append((extra, track.parallel_cost))
        if track.scattered_cost and len(blocks) > 2:
            _scattered(b, t, blocks, track.scattered_cost)


def _scattered(b: Built, t: int, blocks: list[int], cost: int) -> None:
    """A track is scattered when it uses a block before and a block after one it does not use."""
    m, tv = b.model, b.tracks
    assert tv is not None
    n = len(tv.ses.blocks)
    pres = [tv.present.get((t, s)) for s in range(n)]
    first, last = blocks[0], blocks[-1]

    def either(a: cp_model.IntVar | None, c: cp_model.IntVar | None) -> cp_model.IntVar | None:
        """A literal equal to a or c (None stands for false)."""
        if a is None or c is None:
            return a if c is None else c
        lit = m.new_bool_var("")
        m.add_implication(a, lit)
        m.add_implication(c, lit)
        m.add_bool_or([~lit, a, c])
        return lit

    earlier: list[cp_model.IntVar | None] = [None] * n  # some block before s is used
    seen: cp_model.IntVar | None = None
    for s in range(first, last + 1):
        earlier[s] = seen
        seen = either(seen, pres[s])
    gaps: list[cp_model.IntVar] = []
    later: cp_model.IntVar | None = None  # some block after s is used
    for s in range(last, first - 1, -1):
        before, here = earlier[s], pres[s]
        if before is not None and later is not None:
            gap = m.new_bool_var(f"gap_t{t}_b{s}")
            m.add_bool_or([~before, ~later, gap] + ([here] if here is not None else []))
            m.add_implication(gap, before)
            m.add_implication(gap, later)
            if here is not None:
                m.add_implication(gap, ~here)
            gaps.append(gap)
        later = either(later, pres[s])
    if not gaps:
        return
    scattered = m.new_bool_var(f"scattered_t{t}")
    for gap in gaps:
        m.add_implication(gap, scattered)
    m.add_bool_or([~scattered, *gaps])
    b.terms["track_scattered"].append((scattered, cost))


def _item_costs(b: Built) -> None:
    tv = b.tracks
    assert tv is not None
    ses = tv.ses
    for item in ses.items:
        for s, u in tv.block[item.id].items():
            block = ses.blocks[s]
            if c := item.block_costs.get(block.id, 0):
                b.terms["item_block"].append((u, c))
            if c := start_cost(item.start_costs, block.start):
                b.terms["start_cost"].append((u, c))
        if any(item.room_costs.values()):
            for (_s, r), x in tv.room[item.id].items():
                if c := item.room_costs.get(ses.rooms[r].id, 0):
                    b.terms["item_room"].append((x, c))


def _shared_slots(b: Built, a: int, c: int, name: str) -> list[cp_model.IntVar]:
    """One literal per (block, slot) both items fill (they are then in different rooms)."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    ia, ic = b.prep.items[a], b.prep.items[c]
    out = []
    for s in sorted(set(tv.block[a]) & set(tv.block[c])):
        for j in range(ses.blocks[s].slots):
            cover_a = [z for (bs, st), z in tv.at[a].items() if bs == s and st <= j < st + ia.slots]
            cover_c = [z for (bs, st), z in tv.at[c].items() if bs == s and st <= j < st + ic.slots]
            if cover_a and cover_c:
                v = m.new_bool_var(f"{name}_i{a}_i{c}_b{s}_{j}")
                m.add(v >= sum(cover_a) + sum(cover_c) - 1)
                m.add(v <= sum(cover_a))
                m.add(v <= sum(cover_c))
                out.append(v)
    return out


def _track_order(b: Built) -> None:
    """An item with a place is the place-th of its track, counting cells by block, then room, then slot;
    two items with a place do not share a slot."""
    m, tv = b.model, b.tracks
    assert tv is not None
    ses = tv.ses
    rooms = len(ses.rooms)
    width = max((blk.slots for blk in ses.blocks), default=1) + 1
    for t in sorted(tv.positioned):
        cost = ses.tracks[t].order_cost
        items = ses.by_track[t]
        if cost <= 0 or not any(i.place > 0 for i in items):
            continue
        key = {
            i.id: sum((s * rooms + r) * width * x for (s, r), x in tv.room[i.id].items()) + tv.slot[i.id] for i in items
        }
        earlier: dict[tuple[int, int], cp_model.IntVar] = {}
        for a, c in itertools.combinations(items, 2):
            if a.place <= 0 and c.place <= 0:
                continue
            first = m.new_bool_var(f"first_i{a.id}_i{c.id}")
            m.add(key[a.id] + 1 <= key[c.id]).only_enforce_if(first)
            m.add(key[c.id] + 1 <= key[a.id]).only_enforce_if(~first)
            earlier[(a.id, c.id)] = first
            earlier[(c.id, a.id)] = ~first  # type: ignore[assignment]
        for i in items:
            if i.place <= 0:
                continue
            if i.place > len(items):
                b.terms["track_order"].append((m.new_constant(1), cost))
                continue
            ahead = [earlier[(o.id, i.id)] for o in items if o.id != i.id]
            missed = m.new_bool_var(f"misplaced_i{i.id}")
            early = m.new_bool_var("")
            m.add(sum(ahead) == i.place - 1).only_enforce_if(~missed)
            m.add(sum(ahead) <= i.place - 2).only_enforce_if([missed, early])
            m.add(sum(ahead) >= i.place).only_enforce_if([missed, ~early])
            b.terms["track_order"].append((missed, cost))
        placed = [i for i in items if i.place > 0]
        for a, c in itertools.combinations(placed, 2):
            for v in _shared_slots(b, a.id, c.id, "order"):
                b.terms["track_order"].append((v, cost))


def _conflicts(b: Built) -> None:
    """Items some people want both of: in one block in different rooms, and in the same slot."""
    m, tv = b.model, b.tracks
    assert tv is not None
    for k, c in enumerate(b.prep.instance.conflicts):
        if c.a == c.b or c.a not in tv.block or c.b not in tv.block:
            continue
        if c.block_cost > 0:
            same_track = b.prep.items[c.a].track == b.prep.items[c.b].track
            for s in sorted(set(tv.block[c.a]) & set(tv.block[c.b])):
                ua, ub = tv.block[c.a][s], tv.block[c.b][s]
                together = []
                if same_track:
                    for (bs, r), xa in tv.room[c.a].items():
                        xb = tv.room[c.b].get((bs, r))
                        if bs == s and xb is not None:
                            w = m.new_bool_var("")
                            m.add_implication(w, xa)
                            m.add_implication(w, xb)
                            m.add_bool_or([~xa, ~xb, w])
                            together.append(w)
                v = m.new_bool_var(f"conflict{k}_b{s}")
                m.add(v >= ua + ub - 1 - sum(together))
                m.add_implication(v, ua)
                m.add_implication(v, ub)
                for w in together:
                    m.add_implication(v, ~w)
                b.terms["conflict_block"].append((v, c.block_cost))
        if c.slot_cost > 0:
            for v in _shared_slots(b, c.a, c.b, f"conflict{k}"):
                b.terms["conflict_slot"].append((v, c.slot_cost))


def track_values(b: Built, placements: list[Placement]) -> list[tuple[cp_model.IntVar, int]]:
    """The values that put track items where ``placements`` say (those that fit the model; others are skipped)."""
    tv = b.tracks
    if tv is None:
        return []
    ses = tv.ses
    room_index = {room.id: r for r, room in enumerate(ses.rooms)}
    out: list[tuple[cp_model.IntVar, int]] = []
    for p in placements:
        item = b.prep.items.get(p.item)
        where = ses.locate(p.start)
        if item is None or item.id not in tv.block or where is None or p.room not in room_index:
            continue
        s, j = where
        r = room_index[p.room]
        t = ses.track_index[item.track] if item.track is not None else -1
        if s not in tv.block[item.id] or (t, s, r) not in tv.cell:
            continue
        if item.id in tv.room and (s, r) not in tv.room[item.id]:
            continue
        out += [(u, int(k == s)) for k, u in tv.block[item.id].items()]
        out.append((tv.cell[(t, s, r)], 1))
        out += [(x, int(c == (s, r))) for c, x in tv.room.get(item.id, {}).items()]
        if item.id in tv.slot:
            out.append((tv.slot[item.id], j))
        out += [(z, int(c == (s, j))) for c, z in tv.at.get(item.id, {}).items()]
    return list({var.index: (var, value) for var, value in out}.values())

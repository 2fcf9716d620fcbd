"""The CP-SAT model: variables, then one function per constraint family.

Each run of an item has one start variable whose domain already excludes every
time it may not start (outside the day, across a break, outside its windows,
while one of its faculty is away) and one Boolean per compatible room class.
Rooms that no constraint tells apart are pooled into one cumulative resource
and coloured afterwards (``solver.engine``), which always succeeds for
identical rooms. Every soft term is a named list of (literal or variable,
coefficient) so the objective can be read back term by term.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model import Params, Placement
from solver.prep import Prepared, Run, merged, room_fit_points, series_pairs, share

LinearTerm = tuple[cp_model.IntVar, int]


@dataclass
class RunVars:
    run: Run
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    rooms: dict[int, cp_model.IntVar]  # room class index -> chosen
    at: dict[int, cp_model.IntVar]  # start minute -> chosen


@dataclass
class Built:
    prep: Prepared
    model: cp_model.CpModel
    runs: dict[tuple[int, int], RunVars]
    terms: dict[str, list[LinearTerm]] = field(default_factory=lambda: defaultdict(list))
    # Set when the instance is infeasible before search (a run with no start or no room).
    trivially_infeasible: bool = False

    def objective_terms(self) -> list[LinearTerm]:
        return [t for terms in self.terms.values() for t in terms]


def build(prep: Prepared, params: Params) -> Built:
    model = cp_model.CpModel()
    built = Built(prep, model, {})
    _variables(built)
    if built.trivially_infeasible:
        return built
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
        if a is None or c is None:
            continue
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

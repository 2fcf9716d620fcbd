"""Solve an instance: build, warm-start, search, colour rooms, evaluate, validate.

``solve`` is the one entry point. It is deterministic for a fixed seed and
number of workers as long as the search ends by proving optimality or by the
gap limit; a wall-clock time limit cut is, by nature, not reproducible.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

import msgspec
from ortools.sat.python import cp_model

from solver.build import Built, build, hint, track_values
from solver.costs import evaluate, total
from solver.explain import explain
from solver.greedy import greedy, greedy_tracks
from solver.model import Diff, Instance, Move, Params, Placement, Progress, Solution, Status
from solver.prep import Prepared, series_pairs, slot_start
from solver.validate import validate

ProgressCallback = Callable[[Progress], None]
# Runs above which presolve skips probing.
PROBING_LIMIT = 150


class _Watcher(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, on_progress: ProgressCallback | None) -> None:
        super().__init__()
        self.started = started
        self.on_progress = on_progress
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = time.monotonic() - self.started
        if self.first is None:
            self.first = elapsed
        if self.on_progress is not None:
            objective, bound = round(self.objective_value), round(self.best_objective_bound)
            self.on_progress(
                Progress(
                    elapsed=round(elapsed, 3),
                    objective=objective,
                    bound=bound,
                    gap=gap(objective, bound),
                    solutions=self.count,
                )
            )


def gap(objective: int | None, bound: int | None) -> float | None:
    if objective is None or bound is None:
        return None
    if objective == 0:
        return 0.0
    return round(max(0, objective - bound) / max(1, abs(objective)), 6)


class Engine:
    """One solve, which another thread may stop at any time."""

    def __init__(self, instance: Instance, params: Params) -> None:
        self.instance = instance
        self.params = params
        self._stopped = threading.Event()
        self._active: set[cp_model.CpSolver] = set()

    def stop(self) -> None:
        self._stopped.set()

    def run(self, on_progress: ProgressCallback | None = None) -> Solution:
        started = time.monotonic()
        if self._stopped.is_set():
            return Solution(status="cancelled")
        done = threading.Event()
        relay = threading.Thread(target=self._relay_stop, args=(done,), name="solver-stop", daemon=True)
        relay.start()
        try:
            params = self.params
            retry = params.pool_rooms and self.instance.changeover > 0
            solution = self._attempt(started, params, on_progress, explain_failure=not retry)
            if solution.status == "infeasible" and retry and not solution.explanations:
                # Pooled rooms ask a person for a changeover even between two rooms of one class;
                # before calling the programme impossible, try again with every room on its own.
                solution = self._attempt(
                    started, msgspec.structs.replace(params, pool_rooms=False), on_progress, explain_failure=True
                )
            return solution
        finally:
            done.set()

    def _relay_stop(self, done: threading.Event) -> None:
        """Pass a stop request on to whichever search is running (a stop may come at any moment)."""
        while not done.wait(0.05):
            if self._stopped.is_set():
                for solver in list(self._active):
                    solver.stop_search()

    def _attempt(
        self, started: float, params: Params, on_progress: ProgressCallback | None, *, explain_failure: bool
    ) -> Solution:
        instance = self.instance
        prep = Prepared(instance, pool_rooms=params.pool_rooms)
        built = build(prep, params)
        if built.trivially_infeasible:
            return Solution(
                status="infeasible",
                wall_time=round(time.monotonic() - started, 3),
                explanations=explain(instance),
            )
        if params.hint:
            start_from = list(instance.previous) or greedy(prep)
            if built.tracks is not None:
                start_from = [p for p in start_from if p.item not in built.tracks.block]
                start_from += _best_greedy_tracks(prep, params, started)
            hint(built, start_from)
            budget = min(5.0, 0.25 * params.time_limit)
            _complete_hint(built, start_from, budget, params, self._active)

        solver = cp_model.CpSolver()
        sp = solver.parameters
        sp.max_time_in_seconds = max(0.01, params.time_limit - (time.monotonic() - started))
        sp.num_workers = max(1, params.workers)
        sp.random_seed = params.seed
        sp.relative_gap_limit = params.gap_limit
        if _size(built) > PROBING_LIMIT:
            # Probing a large time-indexed model costs more than it returns within a congress-sized budget.
            sp.cp_model_probing_level = 0
        watcher = _Watcher(started, on_progress)
        if self._stopped.is_set():
            return Solution(status="cancelled")
        self._active.add(solver)
        try:
            code = solver.solve(built.model, watcher)
        finally:
            self._active.discard(solver)
        wall = round(time.monotonic() - started, 3)

        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            placements = sorted(_extract(built, solver) + _extract_tracks(built, solver), key=lambda p: (p.item, p.run))
            terms = evaluate(instance, placements, params.weights)
            has_objective = bool(built.objective_terms())
            objective = round(solver.objective_value) if has_objective else 0
            bound = round(solver.best_objective_bound) if has_objective else 0
            status: Status = "optimal" if code == cp_model.OPTIMAL else "feasible"
            if self._stopped.is_set() and status == "feasible":
                status = "cancelled"
            return Solution(
                status=status,
                placements=placements,
                objective=objective,
                bound=bound,
                gap=gap(objective, bound),
                wall_time=wall,
                first_feasible=round(watcher.first, 3) if watcher.first is not None else None,
                solutions=watcher.count,
                terms=terms,
                violations=validate(instance, placements),
                diff=diff(instance, placements) if instance.previous else None,
            )
        if code == cp_model.INFEASIBLE:
            return Solution(
                status="infeasible", wall_time=wall, explanations=explain(instance) if explain_failure else []
            )
        return Solution(status="cancelled" if self._stopped.is_set() else "unknown", wall_time=wall)


def _complete_hint(
    built: Built,
    start_from: list[Placement],
    budget: float,
    params: Params,
    active: set[cp_model.CpSolver] | None = None,
) -> None:
    """Turn a partial placement into a full solution the search starts from.

    Runs of the placement that break no hard rule are fixed in a copy of the model,
    the copy is solved (the rest is placed), and every variable of that solution
    becomes the hint. If the copy cannot be solved quickly the partial hint stays.
    """
    inst = built.prep.instance
    broken = {i for v in validate(inst, start_from) if v.code != "unplaced" for i in v.items}
    # Items in an order are left free: a greedy placement may leave their successors no room.
    chained = {i for p in inst.precedences for i in (p.before, p.after)}
    chained |= {i for a, c in series_pairs(inst) for i in (a.id, c.id)}
    keep = [p for p in start_from if p.item not in broken and p.item not in chained]
    copy = built.model.clone()
    for p in keep:
        rv = built.runs.get((p.item, p.run))
        cls = built.prep.class_of_room.get(p.room)
        if rv is None or cls is None or cls.index not in rv.rooms or p.start not in rv.at:
            continue
        copy.add(copy.get_bool_var_from_proto_index(rv.at[p.start].index) == 1)
        copy.add(copy.get_bool_var_from_proto_index(rv.rooms[cls.index].index) == 1)
    for var, value in track_values(built, keep):
        copy.add(copy.get_int_var_from_proto_index(var.index) == value)
    copy.clear_objective()  # type: ignore[no-untyped-call]
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, budget)
    solver.parameters.num_workers = max(1, params.workers)
    solver.parameters.random_seed = params.seed
    if _size(built) > PROBING_LIMIT:
        solver.parameters.cp_model_probing_level = 0
    if active is not None:
        active.add(solver)
    try:
        code = solver.solve(copy)
    finally:
        if active is not None:
            active.discard(solver)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    values = list(solver.response_proto.solution)
    # The placement is complete; now price it: every run fixed where it is, penalties at their cheapest.
    priced = built.model.clone()
    priced.clear_hints()  # type: ignore[no-untyped-call]
    for var in _placement_vars(built):
        priced.add(priced.get_int_var_from_proto_index(var.index) == values[var.index])
    pricing = cp_model.CpSolver()
    pricing.parameters.max_time_in_seconds = max(0.1, budget)
    pricing.parameters.num_workers = 1
    pricing.parameters.cp_model_probing_level = 0
    if active is not None:
        active.add(pricing)
    try:
        if pricing.solve(priced) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = list(pricing.response_proto.solution)
    finally:
        if active is not None:
            active.discard(pricing)
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(values):
        built.model.add_hint(built.model.get_int_var_from_proto_index(index), value)


def _best_greedy_tracks(prep: Prepared, params: Params, started: float) -> list[Placement]:
    """The cheapest of a few greedy placements of the talks (tracks largest first, then in random orders),
    within a small share of the time limit: every talk placed first, then the lowest cost."""
    budget = min(1.0, 0.05 * params.time_limit)
    rounds = 0
    best: tuple[int, int, list[Placement]] | None = None
    while True:
        placements = greedy_tracks(prep, None if rounds == 0 else params.seed * 1000 + rounds)
        unplaced = len(prep.sessions.items) - len(placements)
        cost = total(evaluate(prep.instance, placements, params.weights))
        if best is None or (unplaced, cost) < best[:2]:
            best = (unplaced, cost, placements)
        rounds += 1
        if rounds >= 50 or time.monotonic() - started > budget:
            return best[2]


def _size(built: Built) -> int:
    """Runs and talks to place."""
    return len(built.runs) + (len(built.tracks.block) if built.tracks is not None else 0)


def _placement_vars(built: Built) -> list[cp_model.IntVar]:
    """The variables that say where everything is (the rest only prices it)."""
    out: list[cp_model.IntVar] = []
    for rv in built.runs.values():
        out += [rv.start, *rv.rooms.values(), *rv.at.values()]
    tv = built.tracks
    if tv is not None:
        out += [*tv.cell.values(), *tv.load.values(), *tv.slot.values()]
        for per_item in (tv.block, tv.room, tv.at):
            for lits in per_item.values():
                out += list(lits.values())
    return out


def solve(instance: Instance, params: Params | None = None, on_progress: ProgressCallback | None = None) -> Solution:
    return Engine(instance, params or Params()).run(on_progress)


def _extract(built: Built, solver: cp_model.CpSolver) -> list[Placement]:
    """Read starts and room classes, then give each run a concrete room of its class."""
    prep = built.prep
    by_class: dict[int, list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    for key, rv in built.runs.items():
        start = solver.value(rv.start)
        cls = next(c for c, lit in rv.rooms.items() if solver.boolean_value(lit))
        by_class[cls].append((start, start + rv.run.item.duration, key))

    series_room: dict[str, int] = {}
    out: list[Placement] = []
    for cls_index, runs in sorted(by_class.items()):
        rooms = prep.classes[cls_index].rooms
        free_at = {room.id: -(10**9) for room in rooms}
        # Interval colouring: by start time, any room whose last run has ended will do,
        # and there is always one since the class never holds more runs than rooms.
        for start, end, key in sorted(runs):
            item = prep.items[key[0]]
            wishes = []
            pin = prep.pins.get(key)
            if pin is not None:
                wishes.append(pin.room)
            before = prep.previous.get(key)
            if before is not None:
                wishes.append(before.room)
            if item.series is not None and item.series in series_room:
                wishes.append(series_room[item.series])
            ready = [r for r in free_at if free_at[r] <= start]
            room = next((r for r in wishes if r in ready), ready[0] if ready else rooms[0].id)
            free_at[room] = end
            if item.series is not None:
                series_room[item.series] = room
            out.append(Placement(item=key[0], run=key[1], room=room, start=start))
    return sorted(out, key=lambda p: (p.item, p.run))


def diff(instance: Instance, placements: list[Placement]) -> Diff:
    """What changed against ``instance.previous``, and how many people it touches."""
    items = {i.id: i for i in instance.items}
    before = {(p.item, p.run): p for p in instance.previous}
    after = {(p.item, p.run): p for p in placements}
    moved: list[Move] = []
    unchanged = 0
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b is not None and a is not None and (b.start, b.room) == (a.start, a.room):
            unchanged += 1
            continue
        item = items.get(key[0])
        people = len(item.faculty) + item.people if item is not None else 0
        moved.append(Move(item=key[0], run=key[1], before=b, after=a, people=people))
    return Diff(moved=moved, unchanged=unchanged, people_affected=sum(m.people for m in moved))


def _extract_tracks(built: Built, solver: cp_model.CpSolver) -> list[Placement]:
    """Track items: their block and (where the model decides it) room and slot; the others fill the cells of
    their track in that block in order of id, and each cell is laid out from its first slot."""
    tv = built.tracks
    if tv is None:
        return []
    ses = tv.ses
    block_of = {i: next(s for s, u in lits.items() if solver.boolean_value(u)) for i, lits in tv.block.items()}
    room_of = {i: next(r for (_s, r), x in lits.items() if solver.boolean_value(x)) for i, lits in tv.room.items()}
    cells: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    free: dict[tuple[int, int], list[int]] = defaultdict(list)
    for t, items in sorted(ses.by_track.items()):
        for item in items:
            s = block_of[item.id]
            if item.id in room_of:
                cells[(t, s, room_of[item.id])].append(item.id)
            else:
                free[(t, s)].append(item.id)
    for (t, s), ids in sorted(free.items()):
        taken = [r for r in range(len(ses.rooms)) if (t, s, r) in tv.cell and solver.boolean_value(tv.cell[(t, s, r)])]
        if any((t, s, r) in tv.load for r in taken):
            # Cells with a load: what the bound items leave is for the others.
            for r in taken:
                room_left = solver.value(tv.load[(t, s, r)])
                room_left -= sum(built.prep.items[i].slots for i in cells.get((t, s, r), []))
                while room_left > 0 and ids:
                    cells[(t, s, r)].append(ids.pop(0))
                    room_left -= 1
        else:
            # Only items of one slot: one for each cell first, then fill them up in turn.
            cap = ses.blocks[s].slots
            for r in taken:
                if ids:
                    cells[(t, s, r)].append(ids.pop(0))
            for r in taken:
                while ids and len(cells[(t, s, r)]) < cap:
                    cells[(t, s, r)].append(ids.pop(0))
        if ids:  # never left over when the model holds
            cells[(t, s, taken[-1] if taken else 0)] += ids
    out: list[Placement] = []
    for (t, s, r), ids in sorted(cells.items()):
        block, room = ses.blocks[s], ses.rooms[r]
        items = [built.prep.items[i] for i in ids]
        if t in tv.positioned:
            slots = {i.id: solver.value(tv.slot[i.id]) for i in items}
        else:
            slots, j = {}, 0
            for item in sorted(items, key=lambda i: (i.place <= 0, i.place, i.id)):
                slots[item.id], j = j, j + item.slots
        out += [Placement(item=i.id, run=1, room=room.id, start=slot_start(block, slots[i.id])) for i in items]
    return out

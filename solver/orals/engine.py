"""Build and solve the oral-exam model, then pair panels with candidates and give out workstations.

The model decides, per slot, which candidates sit their exam then (``x``) and
which examiners examine then (``y``); it does not decide who examines whom.
That is read off afterwards, slot by slot, as a bipartite matching (each
candidate needs ``panel_size`` examiners without a conflict of interest, each
examiner takes one candidate). The model states exactly the conditions under
which such a matching exists (Hall's condition: for every group of candidates
in a slot, the examiners who conflict with all of them cannot outnumber the
panels the other candidates of the slot need). Only intersections of
conflict-of-interest sets give distinct conditions, so one linear constraint
per such intersection and slot is enough; where there are too many to state,
the missing ones are added when a solution needs them.

Workstations are pooled the same way: the model only keeps the number of
exams in a slot within the number of workstations available then, and each
exam gets a concrete workstation afterwards (previous and pinned ones kept).

``solve`` is deterministic for a fixed seed and number of workers as long as
the search ends by proving optimality or by the gap limit.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import msgspec
from ortools.sat.python import cp_model

from solver.engine import gap
from solver.orals.explain import core, direct
from solver.orals.model import (
    OralAssignment,
    OralDiff,
    OralExplanation,
    OralInstance,
    OralMove,
    OralParams,
    OralPayer,
    OralSolution,
    OralTerm,
    OralWeights,
    Progress,
    Status,
)
from solver.orals.prep import Prepared, conflict_sets, day_label, inside_any, plural
from solver.orals.validate import validate

ProgressCallback = Callable[[Progress], None]
TERMS = ("load_balance", "idle_gap", "preference", "moved")
# Intersections of conflict-of-interest sets stated up front; beyond this, further ones are added on demand.
HALL_SETS_LIMIT = 3000
# Rounds of adding a missing condition and solving again.
ROUNDS_LIMIT = 20


class _Watcher(cp_model.CpSolverSolutionCallback):
    def __init__(
        self, started: float, on_progress: ProgressCallback | None, has_objective: bool, earlier: int = 0
    ) -> None:
        super().__init__()
        self.started = started
        self.on_progress = on_progress
        self.has_objective = has_objective
        self.first: float | None = None
        # Solutions of earlier rounds (see ``Engine._run``), so the count keeps growing.
        self.count = earlier

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = time.monotonic() - self.started
        if self.first is None:
            self.first = elapsed
        if self.on_progress is not None:
            objective = round(self.objective_value) if self.has_objective else 0
            bound = round(self.best_objective_bound) if self.has_objective else 0
            self.on_progress(
                Progress(
                    elapsed=round(elapsed, 3),
                    objective=objective,
                    bound=bound,
                    gap=gap(objective, bound),
                    solutions=self.count,
                )
            )


# -- the model -------------------------------------------------------------------------------------


@dataclass
class Built:
    model: cp_model.CpModel
    # candidate -> slot -> literal: the candidate sits the exam in that slot.
    x: dict[int, dict[int, cp_model.IntVar]]
    # examiner -> slot -> literal: the examiner examines someone in that slot.
    y: dict[int, dict[int, cp_model.IntVar]]
    # (candidate, examiner) -> literal: the previous pairing at the previous time is kept.
    kept: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    has_objective: bool = False


def build(prep: Prepared, weights: OralWeights, sets: Sequence[frozenset[int]]) -> Built:
    inst = prep.instance
    p = prep.panel
    m = cp_model.CpModel()
    candidates = sorted(prep.candidates)
    examiners = sorted(prep.examiners)

    x: dict[int, dict[int, cp_model.IntVar]] = {}
    for c in candidates:
        pin = prep.pins.get(c)
        domain = [prep.slot_at[pin.start]] if pin is not None else prep.allowed[c]
        x[c] = {s: m.new_bool_var(f"x{c}_{s}") for s in domain}
        m.add_exactly_one(x[c].values())
        if pin is not None:
            m.add(x[c][domain[0]] == 1)
    candidates_at: dict[int, list[int]] = defaultdict(list)
    for c in candidates:
        for s in x[c]:
            candidates_at[s].append(c)

    y: dict[int, dict[int, cp_model.IntVar]] = {
        e: {s: m.new_bool_var(f"y{e}_{s}") for s in prep.usable[e] if candidates_at[s]} for e in examiners
    }
    examiners_at: dict[int, list[int]] = defaultdict(list)
    for e in examiners:
        for s in y[e]:
            examiners_at[s].append(e)

    # Pins: fixed pairs. Their examiners examine in that slot.
    pinned_e: dict[tuple[int, int], int] = {}
    pinned_c: dict[tuple[int, int], int] = {}
    for c, pin in prep.pins.items():
        s = prep.slot_at[pin.start]
        for e in set(pin.examiners):
            m.add(y[e][s] == 1)
            pinned_e[e, s] = c
        pinned_c[c, s] = len(set(pin.examiners))

    # Previous pairs that may be kept (the candidate at the previous time, the examiner with them).
    kept: dict[tuple[int, int], cp_model.IntVar] = {}
    kept_e: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    kept_c: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for c, before in sorted(prep.previous.items()):
        at = prep.slot_at.get(before.start)
        if c not in prep.candidates or c in prep.pins or at is None or at not in x[c]:
            continue
        for e in sorted(set(before.examiners)):
            if e in prep.eligible[c] and at in y.get(e, {}) and (e, at) not in pinned_e:
                lit = m.new_bool_var(f"kept{c}_{e}")
                m.add_implication(lit, x[c][at])
                m.add_implication(lit, y[e][at])
                kept[c, e] = lit
                kept_e[e, at].append(lit)
                kept_c[c, at].append(lit)
        if len(kept_c[c, at]) > p:
            m.add(sum(kept_c[c, at]) <= p)
    for lits in kept_e.values():
        if len(lits) > 1:
            m.add_at_most_one(lits)

    # Per slot: no more exams than workstations, a full panel for each.
    demand: dict[int, cp_model.IntVar] = {}
    for s, here in sorted(candidates_at.items()):
        on_slot = sum(x[c][s] for c in here)
        m.add(on_slot <= len(prep.workstations_at[s]))
        m.add(sum(y[e][s] for e in examiners_at[s]) == p * on_slot)
        forced = sum(lit for e in examiners_at[s] for lit in kept_e.get((e, s), [])) + sum(
            1 for e in examiners_at[s] if (e, s) in pinned_e
        )
        d = m.new_int_var(0, p * len(here), f"demand{s}")
        m.add(d == p * on_slot - forced)
        demand[s] = d

    # Examiners: at most their cap, and a rest after max_consecutive back-to-back exams.
    limit = inst.max_consecutive
    for e in examiners:
        cap = prep.examiners[e].max_slots
        if cap is not None and cap < len(y[e]):
            m.add(sum(y[e].values()) <= cap)
        if limit is None:
            continue
        for s in y[e]:
            chain = [s]
            while len(chain) <= limit and prep.successor.get(chain[-1]) in y[e]:
                chain.append(prep.successor[chain[-1]])
            if len(chain) == limit + 1:
                m.add(sum(y[e][t] for t in chain) <= limit)

    # Hall's condition per slot for every intersection of conflict-of-interest sets.
    for k in sets:
        members = [c for c in candidates if k <= prep.conflicts[c]]
        member_slots: dict[int, list[int]] = defaultdict(list)
        for c in members:
            for s in x[c]:
                member_slots[s].append(c)
        for s, here in sorted(member_slots.items()):
            conflicted = [e for e in sorted(k) if s in y[e]]
            if not conflicted:
                continue
            examiners_side = sum(
                y[e][s] - sum(kept_e.get((e, s), [])) - (1 if (e, s) in pinned_e else 0) for e in conflicted
            )
            candidates_side = sum(p * x[c][s] - sum(kept_c.get((c, s), [])) - pinned_c.get((c, s), 0) for c in here)
            m.add(examiners_side + candidates_side <= demand[s])

    _break_symmetry(prep, m, x, y)
    has_objective = _objective(prep, m, weights, x, y, kept)
    return Built(model=m, x=x, y=y, kept=kept, has_objective=has_objective)


def _candidate_groups(prep: Prepared) -> list[list[int]]:
    """Candidates no rule tells apart (same commitments, wishes and conflicts; no pin, no previous exam)."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for c in sorted(prep.candidates):
        if c in prep.pins or c in prep.previous:
            continue
        cand = prep.candidates[c]
        key = (
            tuple((w.start, w.end) for w in cand.busy),
            tuple((w.start, w.end) for w in cand.preferred),
            tuple(sorted(prep.conflicts[c])),
        )
        groups[key].append(c)
    return [g for g in groups.values() if len(g) > 1]


def _examiner_groups(prep: Prepared) -> list[list[int]]:
    """Examiners no rule tells apart (same windows and cap; in no conflict, pin or previous panel)."""
    named = {e for k in prep.conflicts.values() for e in k}
    named |= {e for a in [*prep.instance.pins, *prep.instance.previous] for e in a.examiners}
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for e in sorted(prep.examiners):
        if e in named:
            continue
        ex = prep.examiners[e]
        key = (
            tuple((w.start, w.end) for w in ex.available),
            tuple((w.start, w.end) for w in ex.busy),
            ex.max_slots,
        )
        groups[key].append(e)
    return [g for g in groups.values() if len(g) > 1]


def _break_symmetry(
    prep: Prepared,
    m: cp_model.CpModel,
    x: dict[int, dict[int, cp_model.IntVar]],
    y: dict[int, dict[int, cp_model.IntVar]],
) -> None:
    """Identical candidates take slots in id order; identical examiners take loads in decreasing id order."""
    for group in _candidate_groups(prep):
        for a, b in itertools.pairwise(group):
            m.add(sum(s * v for s, v in x[a].items()) <= sum(s * v for s, v in x[b].items()))
    for group in _examiner_groups(prep):
        for a, b in itertools.pairwise(group):
            m.add(sum(y[a].values()) >= sum(y[b].values()))


def _objective(
    prep: Prepared,
    m: cp_model.CpModel,
    weights: OralWeights,
    x: dict[int, dict[int, cp_model.IntVar]],
    y: dict[int, dict[int, cp_model.IntVar]],
    kept: dict[tuple[int, int], cp_model.IntVar],
) -> bool:
    """Price the soft terms as :func:`evaluate` does; return whether there is anything to minimise."""
    terms: list[cp_model.LinearExprT] = []
    constant = 0

    if weights.load_balance:
        # Exams outside each examiner's fair band [fair share, fair share + 1].
        for e in sorted(prep.examiners):
            if not y[e] and prep.fair[e] == 0:
                continue
            load = sum(y[e].values())
            under = m.new_int_var(0, prep.fair[e], f"under{e}")
            over = m.new_int_var(0, max(0, len(y[e]) - prep.fair[e] - 1), f"over{e}")
            m.add(under >= prep.fair[e] - load)
            m.add(over >= load - prep.fair[e] - 1)
            terms.append(weights.load_balance * (under + over))

    if weights.idle_gap:
        for e in sorted(prep.examiners):
            if not y[e]:
                continue
            for slots in prep.day_slots(e).values():
                terms += [weights.idle_gap * lit for lit in _idle(prep, m, y[e], slots)]

    if weights.preference:
        for c in sorted(prep.candidates):
            wishes = prep.candidates[c].preferred
            if wishes:
                for s, lit in x[c].items():
                    slot = prep.slots[s]
                    if not inside_any(slot.start, slot.end, wishes):
                        terms.append(weights.preference * lit)

    if weights.moved:
        keep_station = _keepable(prep)
        for c, before in sorted(prep.previous.items()):
            if c not in prep.candidates:
                continue
            pin = prep.pins.get(c)
            panel = set(before.examiners)
            if pin is not None:
                constant += int((pin.start, pin.workstation) != (before.start, before.workstation))
                constant += len(panel - set(pin.examiners)) if pin.start == before.start else len(panel)
                continue
            at = prep.slot_at.get(before.start)
            if c in keep_station and at is not None and at in x[c]:
                terms.append(weights.moved * (1 - x[c][at]))
            else:
                constant += 1
            for e in panel:
                pair = kept.get((c, e))
                if pair is not None:
                    terms.append(weights.moved * (1 - pair))
                else:
                    constant += 1
        constant *= weights.moved

    if not terms:
        return False
    m.minimize(sum(terms) + constant)
    return True


def _idle(
    prep: Prepared, m: cp_model.CpModel, works: dict[int, cp_model.IntVar], slots: list[int]
) -> list[cp_model.IntVar]:
    """Literals for the idle slots of one examiner's day (``slots``: their usable slots, in time order)."""
    n = len(slots)
    if n < 3 or not any(s in works for s in slots):
        return []
    before: list[cp_model.IntVar | None] = [None] * n
    after: list[cp_model.IntVar | None] = [None] * n
    for i in range(1, n):
        prior = works.get(slots[i - 1])
        if prior is None and before[i - 1] is None:
            continue
        lit = m.new_bool_var("")
        if prior is not None:
            m.add_implication(prior, lit)
        if (earlier := before[i - 1]) is not None:
            m.add_implication(earlier, lit)
        before[i] = lit
    for i in range(n - 2, -1, -1):
        later = works.get(slots[i + 1])
        if later is None and after[i + 1] is None:
            continue
        lit = m.new_bool_var("")
        if later is not None:
            m.add_implication(later, lit)
        if (further := after[i + 1]) is not None:
            m.add_implication(further, lit)
        after[i] = lit
    out = []
    for i in range(1, n - 1):
        b, a = before[i], after[i]
        if b is None or a is None:
            continue
        here = works.get(slots[i])
        idle = m.new_bool_var("")
        rest = prep.rest_before(slots[i])
        lhs = b + a - 1 - (here if here is not None else 0)
        if rest is not None and all(t in works for t in rest):
            rested = m.new_bool_var("")
            for t in rest:
                m.add_implication(rested, works[t])
            lhs -= rested
        m.add(idle >= lhs)
        out.append(idle)
    return out


def _keepable(prep: Prepared) -> set[int]:
    """Candidates who can keep their previous workstation if they keep their previous time."""
    reserved = {(prep.slot_at.get(p.start), p.workstation) for p in prep.pins.values()}
    out: set[int] = set()
    claimed: set[tuple[int, int]] = set()
    for c, before in sorted(prep.previous.items()):
        s = prep.slot_at.get(before.start)
        if c not in prep.candidates or c in prep.pins or s is None:
            continue
        key = (s, before.workstation)
        if before.workstation in prep.workstations_at[s] and key not in reserved and key not in claimed:
            claimed.add(key)
            out.add(c)
    return out


# -- a first-fit timetable to start from ----------------------------------------------------------


Plan = dict[int, tuple[int, list[int]]]  # candidate -> (slot, examiners)


def _daily_shares(prep: Prepared) -> dict[tuple[int, int], int]:
    """Each examiner's fair share split over the days in proportion to their usable slots each day."""
    shares: dict[tuple[int, int], int] = {}
    for e in sorted(prep.examiners):
        by_day = {d: len(slots) for d, slots in sorted(prep.day_slots(e).items())}
        total = sum(by_day.values())
        if not total:
            continue
        exact = {d: prep.fair[e] * n / total for d, n in by_day.items()}
        floor = {d: int(v) for d, v in exact.items()}
        left = prep.fair[e] - sum(floor.values())
        for d in sorted(exact, key=lambda d: (floor[d] - exact[d], d))[:left]:
            floor[d] += 1
        shares.update(((e, d), n) for d, n in floor.items())
    return shares


def first_fit(prep: Prepared) -> Plan:
    """A timetable built day by day and slot by slot that keeps each examiner's day in one block.

    Pinned exams first, then previous exams that still fit where they were. Then, day by day, the
    candidates still waiting are spread evenly over the days and over the slots of each day. At each slot
    every examiner who has started that day and not yet done their share for it examines (so nobody
    waits between exams), with examiners who have not started that day joining as the pace needs; an
    examiner left out ends their day. Candidates who wish for the slot come first, then those without
    wishes, then those whose wishes are past, each group by the number of slots they have left.
    Candidates left over go to the first slot that has room. The result keeps every hard rule; it may
    leave candidates out.
    """
    limit = prep.instance.max_consecutive
    p = prep.panel
    stations: Counter[int] = Counter()
    taken: dict[int, set[int]] = defaultdict(set)
    load: Counter[int] = Counter()
    on_day: Counter[tuple[int, int]] = Counter()
    ended: set[tuple[int, int]] = set()
    share = _daily_shares(prep)
    plan: Plan = {}

    def run_through(e: int, s: int) -> int:
        n, t = 1, s
        while (t := prep.predecessor.get(t, -1)) in taken[e]:
            n += 1
        t = s
        while (t := prep.successor.get(t, -1)) in taken[e]:
            n += 1
        return n

    def free(e: int, s: int) -> bool:
        cap = prep.examiners[e].max_slots
        return (
            s in prep.usable_set[e]
            and s not in taken[e]
            and (cap is None or load[e] < cap)
            and (limit is None or run_through(e, s) <= limit)
        )

    def place(c: int, s: int, panel: list[int]) -> None:
        plan[c] = (s, sorted(panel))
        stations[s] += 1
        for e in panel:
            taken[e].add(s)
            load[e] += 1
            on_day[e, prep.slots[s].day] += 1

    def room(s: int) -> bool:
        return stations[s] < len(prep.workstations_at[s])

    def wished(c: int, s: int) -> bool:
        slot = prep.slots[s]
        return inside_any(slot.start, slot.end, prep.candidates[c].preferred)

    def panel_for(c: int, s: int, order: list[int]) -> list[int] | None:
        chosen = [e for e in order if e in prep.eligible[c] and free(e, s)][:p]
        return chosen if len(chosen) == p else None

    for c, pin in sorted(prep.pins.items()):
        place(c, prep.slot_at[pin.start], sorted(set(pin.examiners)))
    for c, before in sorted(prep.previous.items()):
        at = prep.slot_at.get(before.start)
        if c in plan or c not in prep.candidates or at is None or at not in prep.allowed[c] or not room(at):
            continue
        old = sorted(set(before.examiners))
        rest = sorted(prep.examiners, key=lambda e: (load[e] - prep.fair[e], e))
        panel = panel_for(c, at, old + [e for e in rest if e not in old])
        if panel is not None:
            place(c, at, panel)

    waiting = {c for c in prep.candidates if c not in plan}
    later: dict[int, int] = {c: len(prep.allowed[c]) for c in waiting}
    days = sorted({slot.day for slot in prep.slots})
    for number, day in enumerate(days):
        open_slots = [s.index for s in prep.slots if s.day == day and prep.workstations_at[s.index]]
        target = -(-len(waiting) // (len(days) - number))
        placed = 0
        for position, s in enumerate(open_slots):
            here = [c for c in waiting if s in prep.allowed[c]]
            for c in here:
                later[c] -= 1
            working = [e for e in prep.examiners_at.get(s, []) if on_day[e, day] and (e, day) not in ended]
            due = sorted(
                (e for e in working if on_day[e, day] < share.get((e, day), 0) and free(e, s)),
                key=lambda e: (-on_day[e, day], e),
            )
            fresh = sorted(
                (e for e in prep.examiners_at.get(s, []) if not on_day[e, day] and free(e, s)),
                key=lambda e: (
                    load[e] - prep.fair[e],
                    sum(1 for t in prep.usable[e] if t > s and prep.slots[t].day == day),
                    e,
                ),
            )
            spare = sorted(
                (e for e in prep.examiners_at.get(s, []) if e not in due and e not in fresh and free(e, s)),
                key=lambda e: ((e, day) in ended, load[e] - prep.fair[e], e),
            )
            order = due + fresh + spare
            pace = -(-(target - placed) // (len(open_slots) - position))
            goal = max(pace, -(-len(due) // p))

            def urgency(c: int, s: int = s) -> tuple[int, int, int, int]:
                wishes = prep.candidates[c].preferred
                kind = 0 if wishes and wished(c, s) else 1 if not wishes else 2
                return (kind, later[c], -len(prep.conflicts[c]), c)

            done = 0
            for c in sorted(here, key=urgency):
                if not room(s):
                    break
                wishes = prep.candidates[c].preferred
                keen = bool(wishes) and wished(c, s)
                if done >= goal and not keen and later[c] > 0:
                    continue
                if wishes and not keen and any(wished(c, t) for t in prep.allowed[c] if t > s):
                    continue
                panel = panel_for(c, s, order)
                if panel is not None:
                    place(c, s, panel)
                    waiting.discard(c)
                    done += 1
                    placed += 1
            # Whoever was due and left out ends the day here (coming back later would mean waiting).
            ended.update((e, day) for e in due if s not in taken[e])
    for c in sorted(waiting, key=lambda c: (len(prep.allowed[c]), c)):
        order = sorted(prep.examiners, key=lambda e: (load[e] - prep.fair[e], e))
        for s in prep.allowed[c]:
            panel = panel_for(c, s, order) if room(s) else None
            if panel is not None:
                place(c, s, panel)
                break
    return plan


def _canonical(prep: Prepared, plan: Plan) -> Plan:
    """The same timetable with identical candidates and examiners relabelled to meet the symmetry breaking."""
    out = dict(plan)
    for group in _candidate_groups(prep):
        if not all(c in out for c in group):
            continue
        entries = sorted(out[c] for c in group)
        for c, entry in zip(group, entries, strict=True):
            out[c] = entry
    rename: dict[int, int] = {}
    load = Counter(e for _, panel in out.values() for e in panel)
    for group in _examiner_groups(prep):
        by_load = sorted(group, key=lambda e: (-load[e], e))
        rename.update(zip(by_load, group, strict=True))
    if rename:
        out = {c: (s, sorted(rename.get(e, e) for e in panel)) for c, (s, panel) in out.items()}
    return out


def _hint(built: Built, prep: Prepared, plan: Plan, params: OralParams, active: set[cp_model.CpSolver]) -> None:
    """Start the search from ``plan``, completed (when partial) and priced (its penalties at their cheapest)."""
    plan = _canonical(prep, plan)
    if any(s not in built.x[c] or any(s not in built.y[e] for e in panel) for c, (s, panel) in plan.items()):
        return
    budget = min(5.0, max(0.5, 0.2 * params.time_limit))
    if len(plan) < len(prep.candidates):
        # Complete the plan: its exams fixed, the rest placed by a feasibility search.
        copy = built.model.clone()
        copy.proto.clear_objective()
        for c, (s, panel) in plan.items():
            copy.add(copy.get_bool_var_from_proto_index(built.x[c][s].index) == 1)
            for e in panel:
                copy.add(copy.get_bool_var_from_proto_index(built.y[e][s].index) == 1)
        values = _values(copy, budget, params, active)
        if values is None:
            for c, (s, _) in plan.items():
                built.model.add_hint(built.x[c][s], 1)
            return
        slot_of = {c: next(s for s, lit in xs.items() if values[lit.index]) for c, xs in built.x.items()}
        works = {(e, s) for e, ys in built.y.items() for s, lit in ys.items() if values[lit.index]}
    else:
        slot_of = {c: s for c, (s, _) in plan.items()}
        works = {(e, s) for s, panel in plan.values() for e in panel}
    # Price it: every exam and every examiner's slots fixed, the penalties minimised.
    priced = built.model.clone()
    for c, xs in built.x.items():
        for s, lit in xs.items():
            priced.add(priced.get_bool_var_from_proto_index(lit.index) == int(slot_of[c] == s))
    for e, ys in built.y.items():
        for s, lit in ys.items():
            priced.add(priced.get_bool_var_from_proto_index(lit.index) == int((e, s) in works))
    values = _values(priced, budget, params, active)
    if values is None:
        return
    for index, value in enumerate(values):
        built.model.add_hint(built.model.get_int_var_from_proto_index(index), value)


def _values(
    model: cp_model.CpModel, budget: float, params: OralParams, active: set[cp_model.CpSolver]
) -> list[int] | None:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = params.seed
    active.add(solver)
    try:
        code = solver.solve(model)
    finally:
        active.discard(solver)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


# -- reading a solution -------------------------------------------------------------------------------


def _match(
    prep: Prepared,
    here: list[int],
    working: list[int],
    forced: dict[int, list[int]],
    wished: dict[int, set[int]],
) -> tuple[dict[int, list[int]], list[int]]:
    """Panels for the candidates of one slot: ``forced`` pairs first, then augmenting paths.

    Returns the panels, and the candidates of a group that cannot all get a full panel (empty when
    every candidate does).
    """
    p = prep.panel
    owner: dict[int, int] = {}
    for c, panel in forced.items():
        for e in panel:
            owner[e] = c
    pool = [e for e in working if e not in owner]

    def options(c: int) -> list[int]:
        return sorted((e for e in pool if e in prep.eligible[c]), key=lambda e: (e not in wished.get(c, set()), e))

    def augment(c: int, seen_e: set[int], seen_c: set[int]) -> bool:
        seen_c.add(c)
        for e in options(c):
            if e in seen_e or owner.get(e) == c:
                continue
            seen_e.add(e)
            if e not in owner or augment(owner[e], seen_e, seen_c):
                owner[e] = c
                return True
        return False

    for c in here:
        for _ in range(p - len(forced.get(c, []))):
            seen_c: set[int] = set()
            if not augment(c, set(), seen_c):
                return {}, sorted(seen_c)
    panels: dict[int, list[int]] = defaultdict(list)
    for e, c in owner.items():
        panels[c].append(e)
    return {c: sorted(panels[c]) for c in here}, []


def _extract(
    prep: Prepared, built: Built, solver: cp_model.CpSolver
) -> tuple[list[OralAssignment], frozenset[int] | None]:
    """The timetable of a solution, or the conflict set of a group the panels cannot be matched for."""
    slot_of = {c: next(s for s, lit in xs.items() if solver.boolean_value(lit)) for c, xs in built.x.items()}
    here: dict[int, list[int]] = defaultdict(list)
    for c, s in sorted(slot_of.items()):
        here[s].append(c)
    working: dict[int, list[int]] = defaultdict(list)
    for e, ys in sorted(built.y.items()):
        for s, lit in ys.items():
            if solver.boolean_value(lit):
                working[s].append(e)
    forced: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for c, pin in prep.pins.items():
        forced[slot_of[c]][c] = sorted(set(pin.examiners))
    for (c, e), lit in sorted(built.kept.items()):
        if solver.boolean_value(lit):
            forced[slot_of[c]][c].append(e)
    wished = {
        c: set(before.examiners)
        for c, before in prep.previous.items()
        if c in slot_of and prep.slots[slot_of[c]].start == before.start
    }
    keep_station = _keepable(prep)
    out: list[OralAssignment] = []
    for s, cands in sorted(here.items()):
        panels, stuck = _match(prep, cands, working[s], forced[s], wished)
        if stuck:
            common = frozenset.intersection(*(prep.conflicts[c] for c in stuck))
            return [], common
        stations = _stations(prep, s, cands, keep_station)
        out += [
            OralAssignment(candidate=c, start=prep.slots[s].start, workstation=stations[c], examiners=panels[c])
            for c in cands
        ]
    return sorted(out, key=lambda a: a.candidate), None


def _stations(prep: Prepared, s: int, cands: list[int], keep_station: set[int]) -> dict[int, int]:
    """Workstations for the candidates of one slot: pinned ones, kept ones, then the free ones by id."""
    free = sorted(prep.workstations_at[s])
    out: dict[int, int] = {}
    for c in cands:
        pin = prep.pins.get(c)
        if pin is not None:
            out[c] = pin.workstation
    for c in cands:
        before = prep.previous.get(c)
        if c not in out and c in keep_station and before is not None and prep.slot_at.get(before.start) == s:
            out[c] = before.workstation
    used = set(out.values())
    for c in cands:
        if c in out:
            continue
        before = prep.previous.get(c)
        wish = before.workstation if before is not None else None
        station = wish if wish in free and wish not in used else next(w for w in free if w not in used)
        out[c] = station
        used.add(station)
    return out


# -- the soft terms on a finished timetable -------------------------------------------------------------


def evaluate(prep: Prepared, assignments: Sequence[OralAssignment], weights: OralWeights) -> list[OralTerm]:
    """What a timetable costs, term by term, and who pays (computed on the timetable, not read from the model)."""
    inst = prep.instance
    by_candidate = {a.candidate: a for a in assignments}
    payers: dict[str, list[OralPayer]] = defaultdict(list)
    units: dict[str, int] = defaultdict(int)

    def pay(
        term: str, n: int, detail: str, candidates: list[int] | None = None, examiners: list[int] | None = None
    ) -> None:
        if n == 0:
            return
        units[term] += n
        cost = getattr(weights, term) * n
        if cost:
            payers[term].append(
                OralPayer(candidates=candidates or [], examiners=examiners or [], cost=cost, detail=detail)
            )

    load: Counter[int] = Counter(e for a in assignments for e in set(a.examiners))
    for e in sorted(prep.examiners):
        fair = prep.fair[e]
        if load[e] < fair:
            pay(
                "load_balance",
                fair - load[e],
                f"{prep.examiner_name(e)} examines {load[e]}, below their fair share of {fair}",
                examiners=[e],
            )
        elif load[e] > fair + 1:
            pay(
                "load_balance",
                load[e] - fair - 1,
                f"{prep.examiner_name(e)} examines {load[e]}, above their fair share of {fair} (or {fair + 1})",
                examiners=[e],
            )

    worked: dict[int, set[int]] = defaultdict(set)
    for a in assignments:
        s = prep.slot_at.get(a.start)
        if s is not None:
            for e in a.examiners:
                worked[e].add(s)
    for e in sorted(prep.examiners):
        for slots in prep.day_slots(e).values():
            on = [i for i, s in enumerate(slots) if s in worked[e]]
            if len(on) < 2:
                continue
            idle = 0
            for s in slots[on[0] + 1 : on[-1]]:
                if s in worked[e]:
                    continue
                rest = prep.rest_before(s)
                if rest is not None and all(t in worked[e] for t in rest):
                    continue
                idle += 1
            day = day_label(inst, prep.slots[slots[0]].start)
            pay(
                "idle_gap",
                idle,
                f"{prep.examiner_name(e)} waits {plural(idle, 'slot')} between exams on {day}",
                examiners=[e],
            )

    for c in sorted(prep.candidates):
        cand = prep.candidates[c]
        got = by_candidate.get(c)
        if (
            cand.preferred
            and got is not None
            and not inside_any(got.start, got.start + inst.slot_minutes, cand.preferred)
        ):
            pay("preference", 1, f"{cand.name} sits the exam at {prep.clock(got.start)}, outside their wishes", [c])

    for c, before in sorted(prep.previous.items()):
        if c not in prep.candidates:
            continue
        now = by_candidate.get(c)
        moved = now is None or (now.start, now.workstation) != (before.start, before.workstation)
        kept_on = set(now.examiners) if now is not None and now.start == before.start else set()
        dropped = sorted(set(before.examiners) - kept_on)
        n = int(moved) + len(dropped)
        what = []
        if moved:
            where = (
                f"{prep.clock(now.start)} at {prep.workstation_name(now.workstation)}" if now is not None else "nowhere"
            )
            what.append(f"moves to {where}")
        if dropped:
            what.append(f"loses {', '.join(prep.examiner_name(e) for e in dropped)} at the previous time")
        pay("moved", n, f"{prep.candidate_name(c)} {' and '.join(what)}", [c], dropped)

    return [
        OralTerm(
            name=name,
            weight=getattr(weights, name),
            units=units[name],
            cost=getattr(weights, name) * units[name],
            payers=payers[name],
        )
        for name in TERMS
    ]


def diff(instance: OralInstance, assignments: Sequence[OralAssignment]) -> OralDiff:
    """What changed against ``instance.previous``: every candidate whose exam changed, before and after."""
    before: dict[int, OralAssignment] = {}
    for a in instance.previous:
        before.setdefault(a.candidate, a)
    after = {a.candidate: a for a in assignments}
    moved: list[OralMove] = []
    unchanged = 0
    for c in sorted(set(before) | set(after)):
        was, now = before.get(c), after.get(c)
        if was is not None and now is not None and _same(now, was):
            unchanged += 1
        else:
            moved.append(OralMove(candidate=c, before=was, after=now))
    return OralDiff(moved=moved, unchanged=unchanged)


def _same(a: OralAssignment, b: OralAssignment) -> bool:
    return (a.start, a.workstation, sorted(set(a.examiners))) == (b.start, b.workstation, sorted(set(b.examiners)))


# -- solving -----------------------------------------------------------------------------------------


def _tune(sp: cp_model.SatParameters) -> None:
    """Measured on generated instances (``bench/orals.py``): probing in presolve and the feasibility pump
    and RINS/RENS heuristics cost more than they return; the search time goes to local search instead."""
    sp.cp_model_probing_level = 0
    sp.ignore_subsolvers.extend(["feasibility_pump", "rins/rens"])


class Engine:
    """One solve, which another thread may stop at any time (:meth:`stop`, or by setting ``stop``)."""

    def __init__(self, instance: OralInstance, params: OralParams, stop: threading.Event | None = None) -> None:
        self.instance = instance
        self.params = params
        self._stopped = stop if stop is not None else threading.Event()
        self._active: set[cp_model.CpSolver] = set()

    def stop(self) -> None:
        self._stopped.set()

    def run(self, on_progress: ProgressCallback | None = None) -> OralSolution:
        started = time.monotonic()
        if self._stopped.is_set():
            return OralSolution(status="cancelled")
        done = threading.Event()
        relay = threading.Thread(target=self._relay_stop, args=(done,), name="orals-stop", daemon=True)
        relay.start()
        try:
            return self._run(started, on_progress)
        finally:
            done.set()

    def _relay_stop(self, done: threading.Event) -> None:
        """Pass a stop request on to whichever search is running (a stop may come at any moment)."""
        while not done.wait(0.05):
            if self._stopped.is_set():
                for solver in list(self._active):
                    solver.stop_search()

    def _elapsed(self, started: float) -> float:
        return round(time.monotonic() - started, 3)

    def _run(self, started: float, on_progress: ProgressCallback | None) -> OralSolution:
        instance, params = self.instance, self.params
        prep = Prepared(instance)
        found = direct(prep)
        if found:
            return OralSolution(status="infeasible", wall_time=self._elapsed(started), explanations=found)
        if not prep.candidates:
            return self._finish(prep, [], "optimal", 0, 0, started, None, 0)

        sets, _ = conflict_sets(prep, HALL_SETS_LIMIT)
        plan = first_fit(prep) if params.hint else {}
        count = 0
        for _ in range(ROUNDS_LIMIT):
            built = build(prep, params.weights, sets)
            if params.hint and plan:
                _hint(built, prep, plan, params, self._active)
            if self._stopped.is_set():
                return OralSolution(status="cancelled", wall_time=self._elapsed(started))
            solver = cp_model.CpSolver()
            sp = solver.parameters
            sp.max_time_in_seconds = max(0.01, params.time_limit - (time.monotonic() - started))
            sp.num_workers = max(1, params.workers)
            sp.random_seed = params.seed
            sp.relative_gap_limit = params.gap_limit
            _tune(sp)
            watcher = _Watcher(started, on_progress, built.has_objective, count)
            self._active.add(solver)
            try:
                code = solver.solve(built.model, watcher)
            finally:
                self._active.discard(solver)
            count = watcher.count

            if code == cp_model.INFEASIBLE:
                explanations: list[OralExplanation] = core(prep, max(1.0, min(10.0, params.time_limit)))
                return OralSolution(status="infeasible", wall_time=self._elapsed(started), explanations=explanations)
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                status: Status = "cancelled" if self._stopped.is_set() else "unknown"
                return OralSolution(status=status, wall_time=self._elapsed(started), solutions=count)

            assignments, missing = _extract(prep, built, solver)
            if missing is not None:
                # A group of candidates the panels cannot be matched for: state its condition and solve again.
                if missing in sets or time.monotonic() - started >= params.time_limit or self._stopped.is_set():
                    break
                sets = [*sets, missing]
                continue
            objective = round(solver.objective_value) if built.has_objective else 0
            bound = round(solver.best_objective_bound) if built.has_objective else 0
            status = "optimal" if code == cp_model.OPTIMAL else "feasible"
            if self._stopped.is_set() and status == "feasible":
                status = "cancelled"
            return self._finish(prep, assignments, status, objective, bound, started, watcher.first, count)
        status = "cancelled" if self._stopped.is_set() else "unknown"
        return OralSolution(status=status, wall_time=self._elapsed(started), solutions=count)

    def _finish(
        self,
        prep: Prepared,
        assignments: list[OralAssignment],
        status: Status,
        objective: int,
        bound: int,
        started: float,
        first: float | None,
        count: int,
    ) -> OralSolution:
        instance = self.instance
        terms = evaluate(prep, assignments, self.params.weights)
        return OralSolution(
            status=status,
            assignments=assignments,
            objective=objective,
            bound=bound,
            gap=gap(objective, bound),
            wall_time=self._elapsed(started),
            first_feasible=round(first, 3) if first is not None else None,
            solutions=count,
            terms=terms,
            violations=validate(instance, assignments),
            diff=msgspec.structs.replace(diff(instance, assignments), entries_changed=terms[-1].units)
            if instance.previous
            else None,
        )


def solve(
    instance: OralInstance,
    params: OralParams | None = None,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> OralSolution:
    """Solve ``instance``; setting ``stop`` from another thread ends the search (status ``cancelled``)."""
    return Engine(instance, params or OralParams(), stop).run(on_progress)

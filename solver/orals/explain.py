"""Why no oral timetable exists, in words an organiser can act on.

First the direct checks, each a necessary condition with a sentence of its own:
a pin that breaks a rule by itself or collides with another pin; fewer
examiner-slots or workstation-slots on offer than the candidates need; a
candidate without a single slot that has a workstation and a full panel of
examiners without a conflict of interest. If none fires, a relaxed model with
one assumption literal per group of rules (examiners' availability, their
other commitments, conflicts of interest, maximum exams, breaks, candidates'
commitments, workstations' availability, pins) is solved; its infeasible core,
shrunk by deletion, is reported as one explanation naming the groups.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from ortools.sat.python import cp_model

from solver.cores import minimal_core
from solver.orals.model import OralAssignment, OralExplanation, OralInstance
from solver.orals.prep import Prepared, conflict_sets, inside_any, overlaps_any, plural

# Intersections of conflict-of-interest sets the relaxed model states at most.
CORE_SETS_LIMIT = 2000


def explain(instance: OralInstance, time_limit: float = 10.0) -> list[OralExplanation]:
    prep = Prepared(instance)
    return direct(prep) or core(prep, time_limit)


def direct(prep: Prepared) -> list[OralExplanation]:
    """The reasons that show without a search (empty when none applies)."""
    return _unique(_pins(prep) + _capacity(prep) + _candidates(prep))


def _unique(found: list[OralExplanation]) -> list[OralExplanation]:
    seen: set[str] = set()
    out = []
    for e in found:
        if e.message not in seen:
            seen.add(e.message)
            out.append(e)
    return out


def _pins(prep: Prepared) -> list[OralExplanation]:
    inst, out = prep.instance, []
    p = prep.panel
    valid: list[tuple[OralAssignment, int]] = []
    seen: dict[int, OralAssignment] = {}
    for pin in inst.pins:
        c = prep.candidates.get(pin.candidate)
        if c is None:
            out.append(
                OralExplanation(
                    code="pin_unknown", message=f"A pin refers to candidate {pin.candidate}, who does not exist"
                )
            )
            continue
        where = prep.clock(pin.start)
        first = seen.setdefault(c.id, pin)
        if first is not pin:
            if first != pin:
                out.append(
                    OralExplanation(
                        code="pin_twice",
                        message=f"{c.name} is pinned twice ({prep.clock(first.start)} and {where})",
                        candidates=[c.id],
                    )
                )
            continue
        problems = len(out)
        unknown = [e for e in pin.examiners if e not in prep.examiners]
        for e in unknown:
            out.append(
                OralExplanation(
                    code="pin_unknown",
                    message=f"The pin of {c.name} names examiner {e}, who does not exist",
                    candidates=[c.id],
                )
            )
        if pin.workstation not in prep.workstations:
            out.append(
                OralExplanation(
                    code="pin_unknown",
                    message=f"The pin of {c.name} names workstation {pin.workstation}, which does not exist",
                    candidates=[c.id],
                )
            )
        s = prep.slot_at.get(pin.start)
        if s is None:
            out.append(
                OralExplanation(
                    code="pin_off_grid",
                    message=f"{c.name} is pinned at {where}, which is not the start of a slot in the oral window",
                    candidates=[c.id],
                )
            )
        panel = sorted(set(pin.examiners))
        if len(pin.examiners) != p or len(panel) != len(pin.examiners):
            out.append(
                OralExplanation(
                    code="pin_panel",
                    message=f"{c.name} is pinned with {plural(len(panel), 'examiner')}, but a panel has {p}",
                    candidates=[c.id],
                    examiners=panel,
                )
            )
        for e in panel:
            if e in prep.conflicts[c.id]:
                out.append(
                    OralExplanation(
                        code="pin_conflict",
                        message=f"{c.name} is pinned with {prep.examiner_name(e)}, "
                        "who has a conflict of interest with them",
                        candidates=[c.id],
                        examiners=[e],
                    )
                )
        end = pin.start + inst.slot_minutes
        for e in panel:
            examiner = prep.examiners.get(e)
            if examiner is None:
                continue
            if examiner.available and not inside_any(pin.start, end, examiner.available):
                out.append(
                    OralExplanation(
                        code="pin_examiner_unavailable",
                        message=f"{c.name} is pinned at {where} with {examiner.name}, who is not available then",
                        candidates=[c.id],
                        examiners=[e],
                    )
                )
            if overlaps_any(pin.start, end, examiner.busy):
                out.append(
                    OralExplanation(
                        code="pin_examiner_busy",
                        message=f"{c.name} is pinned at {where} with {examiner.name}, who has another commitment then",
                        candidates=[c.id],
                        examiners=[e],
                    )
                )
        station = prep.workstations.get(pin.workstation)
        if station is not None and station.available and not inside_any(pin.start, end, station.available):
            out.append(
                OralExplanation(
                    code="pin_workstation_unavailable",
                    message=f"{c.name} is pinned at {where} at {station.name}, which is not available then",
                    candidates=[c.id],
                    workstations=[station.id],
                )
            )
        if overlaps_any(pin.start, end, c.busy):
            out.append(
                OralExplanation(
                    code="pin_candidate_busy",
                    message=f"{c.name} is pinned at {where}, during one of their own commitments",
                    candidates=[c.id],
                )
            )
        if len(out) == problems and s is not None:
            valid.append((pin, s))

    for (a, sa), (b, sb) in itertools.combinations(sorted(valid, key=lambda v: (v[1], v[0].candidate)), 2):
        if sa != sb:
            continue
        names = f"{prep.candidate_name(a.candidate)} and {prep.candidate_name(b.candidate)}"
        where = prep.clock(a.start)
        for e in sorted(set(a.examiners) & set(b.examiners)):
            out.append(
                OralExplanation(
                    code="pins_share_examiner",
                    message=f"{prep.examiner_name(e)} is pinned to examine {names}, both at {where}",
                    candidates=[a.candidate, b.candidate],
                    examiners=[e],
                )
            )
        if a.workstation == b.workstation:
            out.append(
                OralExplanation(
                    code="pins_share_workstation",
                    message=f"{names} are both pinned at {prep.workstation_name(a.workstation)} at {where}",
                    candidates=[a.candidate, b.candidate],
                    workstations=[a.workstation],
                )
            )

    # Per examiner: more pinned exams than the cap, or more pinned back-to-back exams than the break rule allows.
    pinned: dict[int, set[int]] = defaultdict(set)
    for pin, s in valid:
        for e in set(pin.examiners):
            pinned[e].add(s)
    limit = inst.max_consecutive
    for e, slots in sorted(pinned.items()):
        cap = prep.examiners[e].max_slots
        if cap is not None and len(slots) > cap:
            out.append(
                OralExplanation(
                    code="pin_max_slots",
                    message=f"{prep.examiner_name(e)} is pinned for {plural(len(slots), 'exam')} "
                    f"but examines at most {cap}",
                    examiners=[e],
                )
            )
        if limit is None:
            continue
        for s in sorted(slots):
            if prep.predecessor.get(s) in slots:
                continue
            run, t = [s], s
            while prep.successor.get(t) in slots:
                t = prep.successor[t]
                run.append(t)
            if len(run) > limit:
                out.append(
                    OralExplanation(
                        code="pin_breaks",
                        message=f"{prep.examiner_name(e)} is pinned for {len(run)} back-to-back exams from "
                        f"{prep.clock(prep.slots[s].start)}, but needs a break after {limit}",
                        examiners=[e],
                    )
                )
    return out


def _capacity(prep: Prepared) -> list[OralExplanation]:
    out: list[OralExplanation] = []
    n = len(prep.candidates)
    if n == 0:
        return out
    verb = "needs" if n == 1 else "need"
    offer = sum(prep.capacity.values())
    if offer < prep.need:
        out.append(
            OralExplanation(
                code="examiner_slots",
                message=f"{plural(n, 'candidate')} {verb} {prep.need} examiner-slots; "
                f"the examiners offer {offer} in the oral window",
                examiners=sorted(prep.examiners),
            )
        )
    stations = sum(len(ws) for ws in prep.workstations_at.values())
    if stations < n:
        out.append(
            OralExplanation(
                code="workstation_slots",
                message=f"{plural(n, 'candidate')} {verb} {n} workstation-slots; the workstations offer {stations}",
                workstations=sorted(prep.workstations),
            )
        )
    return out


def _candidates(prep: Prepared) -> list[OralExplanation]:
    out = []
    for c in sorted(prep.candidates.values(), key=lambda c: c.id):
        if c.id in prep.pins:
            continue
        if prep.slots and not prep.free[c.id]:
            out.append(
                OralExplanation(
                    code="candidate_busy",
                    message=f"{c.name} has a commitment of their own during every slot of the oral window",
                    candidates=[c.id],
                )
            )
        elif not prep.allowed[c.id]:
            out.append(
                OralExplanation(
                    code="no_slot",
                    message=f"{c.name} has no slot with a free workstation and "
                    f"{plural(prep.panel, 'examiner')} without a conflict of interest",
                    candidates=[c.id],
                    examiners=sorted(prep.conflicts[c.id]),
                )
            )
    return out


# The fallback: an infeasible core over named groups of rules.


def core(prep: Prepared, time_limit: float = 10.0) -> list[OralExplanation]:
    inst = prep.instance
    p = prep.panel
    m = cp_model.CpModel()
    groups: dict[int, OralExplanation] = {}

    def group(code: str, message: str, **refs: list[int]) -> cp_model.IntVar:
        lit = m.new_bool_var(code)
        groups[lit.index] = OralExplanation(code=code, message=message, **refs)
        return lit

    examiners = sorted(prep.examiners)
    candidates = sorted(prep.candidates)
    slots = prep.slots
    if not slots or not examiners or not prep.workstations:
        return [_unexplained()]

    def restricted(rule: str) -> list[int]:
        return [e for e in examiners if getattr(prep.examiners[e], rule)]

    lits: dict[str, cp_model.IntVar] = {}
    if restricted("available"):
        lits["available"] = group(
            "availability", "examiners examine only in the windows they offered", examiners=restricted("available")
        )
    if restricted("busy"):
        lits["busy"] = group(
            "examiner_busy", "examiners never examine during their other commitments", examiners=restricted("busy")
        )
    if any(prep.conflicts[c] for c in candidates):
        lits["conflicts"] = group(
            "conflicts",
            "no examiner examines a candidate they have a conflict of interest with",
            candidates=[c for c in candidates if prep.conflicts[c]],
            examiners=sorted({e for c in candidates for e in prep.conflicts[c]}),
        )
    if any(prep.examiners[e].max_slots is not None for e in examiners):
        lits["max_slots"] = group(
            "max_slots",
            "examiners examine at most their maximum number of candidates",
            examiners=[e for e in examiners if prep.examiners[e].max_slots is not None],
        )
    limit = inst.max_consecutive
    if limit is not None:
        lits["breaks"] = group("breaks", f"examiners rest for a slot after {plural(limit, 'exam')} in a row")
    if any(prep.candidates[c].busy for c in candidates):
        lits["candidate_busy"] = group(
            "candidate_busy",
            "candidates are never examined during their own commitments",
            candidates=[c for c in candidates if prep.candidates[c].busy],
        )
    if any(w.available for w in prep.workstations.values()):
        lits["workstations"] = group(
            "workstations",
            "workstations are used only when available",
            workstations=sorted(w.id for w in prep.workstations.values() if w.available),
        )
    pins = {c: pin for c, pin in prep.pins.items() if pin.start in prep.slot_at}
    if pins:
        lits["pins"] = group("pins", "pinned exams stay exactly where they are", candidates=sorted(pins))

    x = {c: {s.index: m.new_bool_var("") for s in slots} for c in candidates}
    y = {e: {s.index: m.new_bool_var("") for s in slots} for e in examiners}
    for c in candidates:
        m.add_exactly_one(x[c].values())
        cand = prep.candidates[c]
        for s in slots:
            if overlaps_any(s.start, s.end, cand.busy):
                m.add(x[c][s.index] == 0).only_enforce_if(lits["candidate_busy"])
    for e in examiners:
        ex = prep.examiners[e]
        for s in slots:
            if ex.available and not inside_any(s.start, s.end, ex.available):
                m.add(y[e][s.index] == 0).only_enforce_if(lits["available"])
            if overlaps_any(s.start, s.end, ex.busy):
                m.add(y[e][s.index] == 0).only_enforce_if(lits["busy"])
        if ex.max_slots is not None:
            m.add(sum(y[e].values()) <= ex.max_slots).only_enforce_if(lits["max_slots"])
        if limit is not None:
            for s in slots:
                chain = [s.index]
                while len(chain) <= limit and chain[-1] in prep.successor:
                    chain.append(prep.successor[chain[-1]])
                if len(chain) == limit + 1:
                    m.add(sum(y[e][t] for t in chain) <= limit).only_enforce_if(lits["breaks"])

    forced_e: dict[tuple[int, int], int] = defaultdict(int)
    forced_c: dict[tuple[int, int], int] = {}
    for c, pin in pins.items():
        at = prep.slot_at[pin.start]
        m.add(x[c][at] == 1).only_enforce_if(lits["pins"])
        known = sorted({e for e in pin.examiners if e in prep.examiners})
        for e in known:
            m.add(y[e][at] == 1).only_enforce_if(lits["pins"])
            forced_e[e, at] += 1
        forced_c[c, at] = len(known)

    for s in slots:
        i = s.index
        on_slot = [x[c][i] for c in candidates]
        m.add(sum(on_slot) <= len(prep.workstations))
        if "workstations" in lits:
            m.add(sum(on_slot) <= len(prep.workstations_at[i])).only_enforce_if(lits["workstations"])
        m.add(sum(y[e][i] for e in examiners) == p * sum(on_slot))

    if "conflicts" in lits:
        pin_lit = lits.get("pins")
        sets, _ = conflict_sets(prep, CORE_SETS_LIMIT)
        for s in slots:
            i = s.index
            forced_total = sum(n for (_, t), n in forced_e.items() if t == i)
            demand = p * sum(x[c][i] for c in candidates) - (forced_total * pin_lit if pin_lit is not None else 0)
            for k in sets:
                members = [c for c in candidates if k <= prep.conflicts[c]]
                lhs = sum(y[e][i] for e in k) + p * sum(x[c][i] for c in members)
                if pin_lit is not None:
                    lhs -= pin_lit * (
                        sum(forced_e.get((e, i), 0) for e in k) + sum(forced_c.get((c, i), 0) for c in members)
                    )
                m.add(lhs <= demand).only_enforce_if(lits["conflicts"])

    found = minimal_core(m, list(groups), time_limit, per_check=3.0)
    if found is None:
        return [_unexplained()]
    kept = found
    if not kept:
        return [
            OralExplanation(
                code="capacity",
                message="The oral window cannot hold every exam: too few slots have a workstation and a full panel",
            )
        ]
    chosen = [groups[i] for i in kept]
    return [
        OralExplanation(
            code="rules",
            message="No timetable keeps all of these rules at once: " + "; ".join(g.message for g in chosen),
            candidates=sorted({c for g in chosen for c in g.candidates}),
            examiners=sorted({e for g in chosen for e in g.examiners}),
            workstations=sorted({w for g in chosen for w in g.workstations}),
        )
    ]


def _unexplained() -> OralExplanation:
    return OralExplanation(
        code="unexplained",
        message="No timetable satisfies every rule at once, and no single cause could be isolated "
        "within the time allowed; remove pins or widen the examiners' availability and solve again",
    )

"""The oral engine end to end: hard rules hold where they bind, soft terms steer, re-solving changes little."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from typing import Any

import msgspec
import pytest

from solver.orals import engine
from solver.orals.engine import TERMS, Engine, evaluate, solve
from solver.orals.generate import generate
from solver.orals.model import (
    OralInstance,
    OralParams,
    OralSolution,
    OralWeights,
    Progress,
)
from solver.orals.prep import Prepared
from solver.orals.validate import validate
from tests.solver.orals.builders import (
    ADA,
    ANA,
    BEN,
    BO,
    CAT,
    CY,
    DAN,
    DEE,
    EVA,
    candidate,
    exam,
    examiner,
    hm,
    instance,
    slot,
    slots,
    station,
    window,
)

TWO = [examiner(ADA), examiner(BO)]
FOUR = [examiner(ADA), examiner(BO), examiner(CY), examiner(DEE)]


def run(problem: OralInstance, **fields: Any) -> OralSolution:
    return solve(problem, OralParams(**{"time_limit": 5.0, "workers": 2, **fields}))


def starts(solution: OralSolution) -> dict[int, int]:
    return {a.candidate: a.start for a in solution.assignments}


def panels(solution: OralSolution) -> dict[int, list[int]]:
    return {a.candidate: a.examiners for a in solution.assignments}


def loads(solution: OralSolution) -> Counter[int]:
    return Counter(e for a in solution.assignments for e in a.examiners)


def units(solution: OralSolution, name: str) -> int:
    return next(t.units for t in solution.terms if t.name == name)


def clean(problem: OralInstance, solution: OralSolution) -> bool:
    return solution.violations == [] and validate(problem, solution.assignments) == []


def people(n: int) -> list[Any]:
    return [candidate(200 + k, name=f"Candidate {k}") for k in range(n)]


@functools.cache
def _generated(candidates: int, examiners: int, workstations: int, days: int, seed: int) -> OralInstance:
    return generate(candidates, examiners, workstations, days, seed)


@functools.cache
def _solved(candidates: int, examiners: int, workstations: int, days: int, seed: int) -> OralSolution:
    return run(_generated(candidates, examiners, workstations, days, seed), seed=1)


# -- a feasible instance -----------------------------------------------------------------------------


def test_solve_small_instance_is_optimal_and_clean() -> None:
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT), candidate(DAN)], FOUR, 2)
    solution = run(problem)
    assert solution.status == "optimal"
    assert clean(problem, solution)
    assert sorted(a.candidate for a in solution.assignments) == [ANA, BEN, CAT, DAN]
    assert all(len(a.examiners) == 2 and a.examiners == sorted(a.examiners) for a in solution.assignments)
    assert solution.first_feasible is not None
    assert solution.diff is None


def test_solve_generated_instance_is_optimal_and_clean() -> None:
    problem = _generated(16, 8, 2, 1, 3)
    solution = _solved(16, 8, 2, 1, 3)
    assert solution.status == "optimal"
    assert clean(problem, solution)
    assert len(solution.assignments) == 16


def test_no_candidates_is_an_empty_timetable() -> None:
    solution = run(instance([], TWO))
    assert (solution.status, solution.assignments, solution.objective) == ("optimal", [], 0)


# -- hard rules, each where it binds -------------------------------------------------------------------


def test_one_workstation_one_exam_per_slot() -> None:
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT)], FOUR, 1, windows=[slots(3)])
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution).values()) == [slot(0), slot(1), slot(2)]
    assert {a.workstation for a in solution.assignments} == {1}
    assert clean(problem, solution)


def test_workstation_used_only_when_available() -> None:
    stations = [station(1), station(2, available=[window(hm(9), hm(9, 20))])]
    problem = instance(
        [candidate(ANA), candidate(BEN), candidate(CAT)],
        [*FOUR, examiner(5), examiner(6)],
        stations,
        windows=[slots(2)],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution).values()) == [slot(0), slot(0), slot(1)]
    assert [a.workstation for a in solution.assignments if a.start == slot(1)] == [1]
    assert clean(problem, solution)


def test_examiner_only_when_available() -> None:
    examiners = [examiner(ADA, available=[window(hm(10), hm(10, 20))]), examiner(BO)]
    solution = run(instance([candidate(ANA)], examiners))
    assert solution.status == "optimal"
    assert starts(solution) == {ANA: hm(10)}


def test_examiner_never_during_other_commitments() -> None:
    examiners = [examiner(ADA, busy=[window(hm(8), hm(10, 30))]), examiner(BO)]
    solution = run(instance([candidate(ANA)], examiners))
    assert solution.status == "optimal"
    assert starts(solution) == {ANA: slot(5)}


def test_examiner_one_candidate_per_slot() -> None:
    problem = instance([candidate(ANA), candidate(BEN)], TWO, 2, windows=[slots(2)])
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution).values()) == [slot(0), slot(1)]
    assert clean(problem, solution)


def test_conflicts_of_interest_matched_within_a_slot() -> None:
    # One slot, two workstations: Ana can only have Dr Cy and Dr Dee, so Ben gets Dr Ada and Dr Bo.
    problem = instance(
        [candidate(ANA, conflicts=[ADA, BO]), candidate(BEN, conflicts=[CY])], FOUR, 2, windows=[slots(1)]
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert panels(solution) == {ANA: [CY, DEE], BEN: [ADA, BO]}
    assert clean(problem, solution)


def _needs_hall() -> OralInstance:
    # Ana and Ben both wish for the first slot and both conflict with Dr Ada and Dr Bo: each alone could have
    # Dr Cy and Dr Dee then, but not both, so Ben (the later of two interchangeable candidates) waits.
    first = [window(hm(9), hm(9, 20))]
    both = [candidate(ANA, conflicts=[ADA, BO], preferred=first), candidate(BEN, conflicts=[ADA, BO], preferred=first)]
    return instance(both, FOUR, 2, windows=[slots(2)])


def test_conflict_condition_stated_up_front_needs_one_round(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = engine.build
    monkeypatch.setattr(engine, "build", lambda *args: calls.append(1) or original(*args))
    solution = run(_needs_hall())
    assert solution.status == "optimal"
    assert (starts(solution), panels(solution)) == ({ANA: slot(0), BEN: slot(1)}, {ANA: [CY, DEE], BEN: [CY, DEE]})
    assert len(calls) == 1


def test_conflict_condition_added_when_a_solution_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = engine.build
    monkeypatch.setattr(engine, "HALL_SETS_LIMIT", 0)
    monkeypatch.setattr(engine, "build", lambda *args: calls.append(1) or original(*args))
    problem = _needs_hall()
    solution = run(problem)
    assert solution.status == "optimal"
    assert (starts(solution), panels(solution)) == ({ANA: slot(0), BEN: slot(1)}, {ANA: [CY, DEE], BEN: [CY, DEE]})
    assert len(calls) == 2
    assert clean(problem, solution)


def test_max_slots_caps_an_examiner() -> None:
    examiners = [examiner(ADA, max_slots=1), examiner(BO), examiner(CY)]
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT)], examiners)
    solution = run(problem)
    assert solution.status == "optimal"
    # Six exams: Dr Ada gives her one, Dr Bo and Dr Cy share five as evenly as they can.
    assert loads(solution)[ADA] == 1
    assert sorted([loads(solution)[BO], loads(solution)[CY]]) == [2, 3]
    assert units(solution, "load_balance") == 0
    assert clean(problem, solution)


def test_break_after_max_consecutive() -> None:
    # Five exams for the same two examiners in six slots: the free slot is a break, not at either end.
    problem = instance(people(5), TWO, max_consecutive=4)
    solution = run(problem)
    assert solution.status == "optimal"
    free = {slot(k) for k in range(6)} - set(starts(solution).values())
    assert len(free) == 1
    assert free.pop() in {slot(1), slot(2), slot(3), slot(4)}
    assert clean(problem, solution)


def test_break_rule_binds_to_infeasible() -> None:
    solution = run(instance(people(6), TWO, max_consecutive=4))
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["examiner_slots"]


def test_no_break_rule_allows_a_full_run() -> None:
    problem = instance(people(6), TWO, max_consecutive=None)
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution).values()) == [slot(k) for k in range(6)]


def test_candidate_never_during_own_commitments() -> None:
    solution = run(instance([candidate(ANA, busy=[window(hm(8), hm(10, 40))])], TWO))
    assert starts(solution) == {ANA: slot(5)}


def test_pins_kept_exactly() -> None:
    pin = exam(BEN, slot(4), 2, (CY, DEE))
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT)], FOUR, 2, pins=[pin])
    solution = run(problem)
    assert solution.status == "optimal"
    assert next(a for a in solution.assignments if a.candidate == BEN) == pin
    assert clean(problem, solution)


def test_panel_of_three() -> None:
    problem = instance([candidate(ANA), candidate(BEN)], FOUR, 1, panel_size=3)
    solution = run(problem)
    assert solution.status == "optimal"
    assert all(len(a.examiners) == 3 for a in solution.assignments)
    assert clean(problem, solution)


# -- soft terms ------------------------------------------------------------------------------------------


def test_terms_named_and_priced() -> None:
    solution = _solved(16, 8, 2, 1, 3)
    assert [t.name for t in solution.terms] == list(TERMS)
    assert all(t.cost == t.weight * t.units for t in solution.terms)


def test_objective_equals_sum_of_terms() -> None:
    solution = _solved(16, 8, 2, 1, 3)
    assert solution.objective == sum(t.cost for t in solution.terms)
    assert solution.objective == solution.bound


def test_preference_honoured_when_free() -> None:
    solution = run(instance([candidate(ANA, preferred=[window(hm(10, 20), hm(11))])], TWO))
    assert starts(solution)[ANA] in {slot(4), slot(5)}
    assert units(solution, "preference") == 0


def test_preference_unmet_is_priced() -> None:
    first = [window(hm(9), hm(9, 20))]
    solution = run(instance([candidate(ANA, preferred=first), candidate(BEN, preferred=first)], FOUR))
    assert solution.status == "optimal"
    assert units(solution, "preference") == 1
    assert solution.objective == OralWeights().preference


def test_idle_gap_keeps_exams_together() -> None:
    # Ana can only sit at 09:00. Ben wishes for the last slot, but two examiners waiting four slots each
    # cost more than his wish.
    ana = candidate(ANA, busy=[window(hm(9, 20), hm(11))])
    solution = run(instance([ana, candidate(BEN, preferred=[window(hm(10, 40), hm(11))])], TWO))
    assert starts(solution) == {ANA: slot(0), BEN: slot(1)}
    assert (units(solution, "idle_gap"), units(solution, "preference")) == (0, 1)


def test_idle_gap_counts_waits_not_the_break() -> None:
    problem = instance(people(4), TWO, max_consecutive=2)
    prep = Prepared(problem)
    weights = OralWeights()

    def idle(at: list[int]) -> int:
        timetable = [exam(200 + k, slot(s)) for k, s in enumerate(at)]
        return next(t.units for t in evaluate(prep, timetable, weights) if t.name == "idle_gap")

    assert idle([0, 1, 3, 4]) == 0  # the free slot after two in a row is the break
    assert idle([0, 2, 3, 5]) == 2 * 1  # slot 1 is a wait (for both examiners), slot 4 the break
    assert idle([0, 1, 4, 5]) == 2 * 1  # slot 2 is the break, slot 3 a wait
    assert idle([0, 3, 4, 5][:2]) == 2 * 2  # slots 1 and 2 are waits


def test_load_balance_spreads_exams() -> None:
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT), candidate(DAN)], FOUR)
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(loads(solution).values()) == [2, 2, 2, 2]
    assert units(solution, "load_balance") == 0


def test_load_balance_against_fair_shares() -> None:
    examiners = [*FOUR[:3], examiner(DEE, available=[window(hm(9), hm(9, 20))])]
    problem = instance([candidate(ANA), candidate(BEN), candidate(CAT), candidate(DAN)], examiners)
    prep = Prepared(problem)
    # Eight exams: two each, Dr Dee the one she can give; one left over.
    assert prep.fair == {ADA: 2, BO: 2, CY: 2, DEE: 1}
    timetable = [exam(ANA, slot(0)), exam(BEN, slot(1)), exam(CAT, slot(2)), exam(DAN, slot(4), 1, (ADA, BO))]
    load = next(t for t in evaluate(prep, timetable, OralWeights()) if t.name == "load_balance")
    # Dr Ada and Dr Bo examine 4 (one above their share plus one), Dr Cy none (two below), Dr Dee none (one below).
    assert (load.units, load.cost) == (5, 5 * OralWeights().load_balance)
    assert [(p.examiners, p.cost // OralWeights().load_balance) for p in load.payers] == [
        ([ADA], 1),
        ([BO], 1),
        ([CY], 2),
        ([DEE], 1),
    ]


# -- minimal change ----------------------------------------------------------------------------------------


def test_resolve_with_previous_keeps_everything() -> None:
    problem = _generated(16, 8, 2, 1, 3)
    first = _solved(16, 8, 2, 1, 3)
    again = run(msgspec.structs.replace(problem, previous=first.assignments))
    assert again.status == "optimal"
    assert again.assignments == first.assignments
    assert again.diff is not None
    assert (again.diff.moved, again.diff.unchanged, again.diff.entries_changed) == ([], 16, 0)


def test_examiner_drops_out_only_their_exams_change() -> None:
    problem = _generated(16, 8, 2, 1, 3)
    first = _solved(16, 8, 2, 1, 3)
    gone = max(sorted(loads(first)), key=lambda e: loads(first)[e])
    without = msgspec.structs.replace(
        problem,
        examiners=[e for e in problem.examiners if e.id != gone],
        candidates=[
            msgspec.structs.replace(c, conflicts=[e for e in c.conflicts if e != gone]) for c in problem.candidates
        ],
        previous=first.assignments,
    )
    again = run(without)
    assert again.status == "optimal"
    assert clean(without, again)
    before = {a.candidate: a for a in first.assignments}
    after = {a.candidate: a for a in again.assignments}
    touched = {c for c, a in before.items() if gone in a.examiners}
    assert {c for c in before if before[c] != after[c]} == touched
    for c in touched:
        # Same time and workstation; the dropped examiner replaced.
        assert (after[c].start, after[c].workstation) == (before[c].start, before[c].workstation)
        assert len(set(after[c].examiners) & set(before[c].examiners)) == 1
    assert again.diff is not None
    assert sorted(m.candidate for m in again.diff.moved) == sorted(touched)
    assert again.diff.entries_changed == len(touched)


def test_new_candidate_moves_nothing_else() -> None:
    problem = _generated(16, 8, 2, 1, 3)
    first = _solved(16, 8, 2, 1, 3)
    grown = msgspec.structs.replace(
        problem, candidates=[*problem.candidates, candidate(999, name="Late Candidate")], previous=first.assignments
    )
    again = run(grown)
    assert again.status == "optimal"
    assert [a for a in again.assignments if a.candidate != 999] == first.assignments
    assert again.diff is not None
    assert [(m.candidate, m.before) for m in again.diff.moved] == [(999, None)]


def test_previous_slot_no_longer_possible_moves_only_that_candidate() -> None:
    # Ana now has a commitment at her previous time; Ben stays.
    previous = [exam(ANA, slot(0), 1, (ADA, BO)), exam(BEN, slot(1), 1, (CY, DEE))]
    ana = candidate(ANA, busy=[window(hm(9), hm(9, 20))])
    problem = instance([ana, candidate(BEN)], FOUR, previous=previous)
    solution = run(problem)
    assert solution.status == "optimal"
    assert next(a for a in solution.assignments if a.candidate == BEN) == previous[1]
    assert solution.diff is not None
    assert [m.candidate for m in solution.diff.moved] == [ANA]
    assert units(solution, "moved") == 1 + 2


def test_moved_counts_time_and_examiner_entries() -> None:
    problem = instance([candidate(ANA), candidate(BEN)], [*FOUR], 2)
    previous = [exam(ANA, slot(0), 1, (ADA, BO)), exam(BEN, slot(0), 2, (CY, DEE))]
    timetable = [exam(ANA, slot(0), 2, (ADA, CY)), exam(BEN, slot(3), 1, (CY, DEE))]
    prep = Prepared(msgspec.structs.replace(problem, previous=previous))
    moved = next(t for t in evaluate(prep, timetable, OralWeights()) if t.name == "moved")
    # Ana: new workstation, Dr Bo gone. Ben: new time, so both examiners' entries change.
    assert moved.units == (1 + 1) + (1 + 2)


def test_pinned_exam_moved_from_previous() -> None:
    previous = [exam(ANA, slot(0), 1, (ADA, BO))]
    problem = instance([candidate(ANA)], TWO, pins=[exam(ANA, slot(2), 1, (ADA, BO))], previous=previous)
    solution = run(problem)
    assert solution.status == "optimal"
    # Ana's time, and both examiners' entries at the previous time.
    assert solution.objective == 3 * OralWeights().moved
    assert units(solution, "moved") == 3


# -- progress, stopping, determinism ----------------------------------------------------------------------


def test_progress_reported_with_objective() -> None:
    seen: list[Progress] = []
    solution = solve(_generated(16, 8, 2, 1, 3), OralParams(time_limit=5, seed=1), seen.append)
    assert solution.status == "optimal"
    assert len(seen) == solution.solutions >= 1
    assert seen[-1].objective == solution.objective


def test_stop_before_run_returns_cancelled() -> None:
    runner = Engine(instance([candidate(ANA)], TWO), OralParams())
    runner.stop()
    assert runner.run() == OralSolution(status="cancelled")


def test_stop_from_another_thread_returns_cancelled() -> None:
    problem = _generated(200, 50, 8, 2, 1)
    stop = threading.Event()
    found = threading.Event()
    # Another thread sets the stop once the search has a timetable; the search waits for it there, so the
    # stop always arrives while the search runs (however fast this machine proves the optimum).
    stopper = threading.Thread(target=lambda: found.wait(60) and stop.set())
    stopper.start()

    def on_progress(_: object) -> None:
        found.set()
        stop.wait(60)

    solution = solve(problem, OralParams(time_limit=60), on_progress, stop=stop)
    stopper.join()
    # A search that ignored the stop would run on to its 60 s limit and end "feasible" or "optimal".
    assert solution.status == "cancelled"
    if solution.assignments:
        assert clean(problem, solution)


def test_stop_after_first_solution_keeps_it_as_cancelled() -> None:
    problem = _generated(200, 50, 8, 2, 1)
    runner = Engine(problem, OralParams(time_limit=60))
    solution = runner.run(lambda progress: runner.stop())
    assert solution.status == "cancelled"
    assert len(solution.assignments) == 200
    assert clean(problem, solution)


def test_same_seed_one_worker_same_timetable() -> None:
    problem = _generated(12, 6, 2, 1, 3)
    first = run(problem, workers=1, seed=7)
    second = run(problem, workers=1, seed=7)
    assert first.status == second.status == "optimal"
    assert first.assignments == second.assignments


def test_without_hint_same_optimum() -> None:
    problem = _generated(16, 8, 2, 1, 3)
    assert run(problem, hint=False).objective == _solved(16, 8, 2, 1, 3).objective


def test_previous_exam_of_a_withdrawn_candidate_is_listed() -> None:
    problem = instance([candidate(ANA)], TWO, previous=[exam(EVA, slot(0))])
    solution = run(problem)
    assert solution.status == "optimal"
    assert solution.diff is not None
    assert [(m.candidate, m.before is None, m.after is None) for m in solution.diff.moved] == [
        (ANA, True, False),
        (EVA, False, True),
    ]


def test_assignment_examiners_sorted() -> None:
    solution = run(instance([candidate(ANA, conflicts=[ADA])], [examiner(DEE), examiner(ADA), examiner(BO)]))
    assert [(a.candidate, a.workstation, a.examiners) for a in solution.assignments] == [(ANA, 1, [BO, DEE])]

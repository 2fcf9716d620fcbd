"""Why no oral timetable exists: each direct check with its exact sentence, then the core over rule groups."""

from __future__ import annotations

from solver.orals.engine import solve
from solver.orals.explain import explain
from solver.orals.model import Candidate, OralExplanation, OralInstance, OralParams
from tests.solver.orals.builders import (
    ADA,
    ANA,
    BEN,
    BO,
    CY,
    DEE,
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

PANEL = [examiner(ADA), examiner(BO), examiner(CY)]


def crowd(n: int) -> list[Candidate]:
    return [candidate(200 + k, name=f"Candidate {k}") for k in range(1, n + 1)]


def only(inst: OralInstance) -> list[tuple[str, str]]:
    return [(e.code, e.message) for e in explain(inst)]


def test_examiner_slots_short() -> None:
    inst = instance(crowd(24), [examiner(k) for k in (ADA, BO, CY, DEE)], 3, windows=[slots(10)], max_consecutive=None)
    assert only(inst) == [
        ("examiner_slots", "24 candidates need 48 examiner-slots; the examiners offer 40 in the oral window")
    ]


def test_examiner_slots_count_breaks_and_caps() -> None:
    # 10 back-to-back slots leave 8 with a break after 4; Dr Dee takes at most 3.
    examiners = [examiner(ADA), examiner(BO), examiner(CY), examiner(DEE, max_slots=3)]
    inst = instance(crowd(20), examiners, 3, windows=[slots(10)], max_consecutive=4)
    assert only(inst) == [
        ("examiner_slots", "20 candidates need 40 examiner-slots; the examiners offer 27 in the oral window")
    ]


def test_examiner_slots_count_only_available_and_free_slots() -> None:
    examiners = [
        examiner(ADA, available=[window(hm(9), hm(10))]),
        examiner(BO, busy=[window(hm(9), hm(10))]),
        examiner(CY, available=[window(hm(10), hm(11))], busy=[window(hm(10, 30), hm(12))]),
    ]
    inst = instance(crowd(4), examiners, 2, max_consecutive=None)
    assert only(inst) == [
        ("examiner_slots", "4 candidates need 8 examiner-slots; the examiners offer 7 in the oral window")
    ]


def test_workstation_slots_short() -> None:
    examiners = [examiner(k) for k in range(1, 7)]
    inst = instance(crowd(24), examiners, 2, windows=[slots(10)], max_consecutive=None)
    assert only(inst) == [("workstation_slots", "24 candidates need 24 workstation-slots; the workstations offer 20")]


def test_workstation_slots_count_availability() -> None:
    stations = [station(1), station(2, available=[window(hm(9), hm(9, 40))])]
    inst = instance(crowd(9), [examiner(k) for k in range(1, 9)], stations, max_consecutive=None)
    assert only(inst) == [("workstation_slots", "9 candidates need 9 workstation-slots; the workstations offer 8")]


def test_candidate_without_conflict_free_panel() -> None:
    inst = instance([candidate(ANA, conflicts=[ADA]), candidate(BEN)], [examiner(ADA), examiner(BO)])
    found = explain(inst)
    assert found == [
        OralExplanation(
            code="no_slot",
            message="Ana has no slot with a free workstation and 2 examiners without a conflict of interest",
            candidates=[ANA],
            examiners=[ADA],
        )
    ]


def test_candidate_whose_free_slots_have_no_panel() -> None:
    # Ana is free only 10:40-11:00, when Dr Cy teaches; Dr Ada conflicts.
    examiners = [examiner(ADA), examiner(BO), examiner(CY, busy=[window(hm(10, 40), hm(11))])]
    ana = candidate(ANA, conflicts=[ADA], busy=[window(hm(9), hm(10, 40))])
    assert only(instance([ana], examiners)) == [
        ("no_slot", "Ana has no slot with a free workstation and 2 examiners without a conflict of interest")
    ]


def test_candidate_busy_all_along() -> None:
    inst = instance([candidate(ANA, busy=[window(hm(8), hm(12))])], PANEL)
    assert only(inst) == [("candidate_busy", "Ana has a commitment of their own during every slot of the oral window")]


def test_pins_share_examiner() -> None:
    pins = [exam(ANA, slot(1), 1, (ADA, BO)), exam(BEN, slot(1), 2, (ADA, CY))]
    inst = instance([candidate(ANA), candidate(BEN)], PANEL, 2, pins=pins)
    assert only(inst) == [("pins_share_examiner", "Dr Ada is pinned to examine Ana and Ben, both at day 1 09:20")]


def test_pins_share_workstation() -> None:
    pins = [exam(ANA, slot(1), 1, (ADA, BO)), exam(BEN, slot(1), 1, (CY, DEE))]
    inst = instance([candidate(ANA), candidate(BEN)], [*PANEL, examiner(DEE)], 2, pins=pins)
    assert only(inst) == [("pins_share_workstation", "Ana and Ben are both pinned at WS 1 at day 1 09:20")]


def test_pin_with_conflicted_examiner() -> None:
    inst = instance([candidate(ANA, conflicts=[BO])], PANEL, pins=[exam(ANA, slot(0), 1, (ADA, BO))])
    assert only(inst) == [("pin_conflict", "Ana is pinned with Dr Bo, who has a conflict of interest with them")]


def test_pin_while_examiner_busy_or_away() -> None:
    examiners = [examiner(ADA, busy=[window(hm(9), hm(10))]), examiner(BO, available=[window(hm(10), hm(11))])]
    inst = instance([candidate(ANA)], [*examiners, examiner(CY)], pins=[exam(ANA, slot(0), 1, (ADA, BO))])
    assert only(inst) == [
        ("pin_examiner_busy", "Ana is pinned at day 1 09:00 with Dr Ada, who has another commitment then"),
        ("pin_examiner_unavailable", "Ana is pinned at day 1 09:00 with Dr Bo, who is not available then"),
    ]


def test_pin_breaking_a_rule_by_itself() -> None:
    stations = [station(1, available=[window(hm(10), hm(11))])]
    ana = candidate(ANA, busy=[window(hm(9), hm(9, 30))])
    inst = instance([ana], PANEL, stations, pins=[exam(ANA, slot(0), 1, (ADA, BO, CY))])
    assert only(inst) == [
        ("pin_panel", "Ana is pinned with 3 examiners, but a panel has 2"),
        ("pin_workstation_unavailable", "Ana is pinned at day 1 09:00 at WS 1, which is not available then"),
        ("pin_candidate_busy", "Ana is pinned at day 1 09:00, during one of their own commitments"),
    ]


def test_pin_off_grid_or_unknown() -> None:
    pins = [exam(ANA, slot(0) + 5, 1, (ADA, BO)), exam(BEN, slot(0), 7, (ADA, 9)), exam(99, slot(2))]
    inst = instance([candidate(ANA), candidate(BEN)], PANEL, pins=pins)
    assert only(inst) == [
        ("pin_off_grid", "Ana is pinned at day 1 09:05, which is not the start of a slot in the oral window"),
        ("pin_unknown", "The pin of Ben names examiner 9, who does not exist"),
        ("pin_unknown", "The pin of Ben names workstation 7, which does not exist"),
        ("pin_unknown", "A pin refers to candidate 99, who does not exist"),
    ]


def test_pinned_twice() -> None:
    inst = instance([candidate(ANA)], PANEL, pins=[exam(ANA, slot(0)), exam(ANA, slot(2))])
    assert only(inst) == [("pin_twice", "Ana is pinned twice (day 1 09:00 and day 1 09:40)")]


def test_pins_beyond_cap_and_break_rule() -> None:
    people = [candidate(200 + k, name=f"Candidate {k}") for k in range(3)]
    pins = [exam(200 + k, slot(k), 1, (ADA, BO)) for k in range(3)]
    examiners = [examiner(ADA, max_slots=2), examiner(BO)]
    inst = instance(people, examiners, pins=pins, max_consecutive=2)
    assert only(inst) == [
        ("pin_max_slots", "Dr Ada is pinned for 3 exams but examines at most 2"),
        ("pin_breaks", "Dr Ada is pinned for 3 back-to-back exams from day 1 09:00, but needs a break after 2"),
        ("pin_breaks", "Dr Bo is pinned for 3 back-to-back exams from day 1 09:00, but needs a break after 2"),
    ]


def _both_need_dr_bo() -> OralInstance:
    # Ana and Ben both conflict with Dr Ada, so both need Dr Bo and Dr Cy; Dr Bo examines at most once.
    examiners = [examiner(ADA), examiner(BO, max_slots=1), examiner(CY)]
    return instance([candidate(ANA, conflicts=[ADA]), candidate(BEN, conflicts=[ADA])], examiners, windows=[slots(2)])


def test_core_names_the_rule_groups() -> None:
    assert explain(_both_need_dr_bo()) == [
        OralExplanation(
            code="rules",
            message="No timetable keeps all of these rules at once: no examiner examines a candidate they have "
            "a conflict of interest with; examiners examine at most their maximum number of candidates",
            candidates=[ANA, BEN],
            examiners=[ADA, BO],
        )
    ]


def test_solve_reports_core_when_search_proves_infeasible() -> None:
    solution = solve(_both_need_dr_bo(), OralParams(time_limit=5))
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["rules"]
    assert solution.assignments == []


def test_core_with_availability_and_conflicts() -> None:
    # Both conflict with Dr Ada, so both need Dr Bo, who is there for the first slot only.
    examiners = [examiner(ADA), examiner(BO, available=[window(hm(9), hm(9, 20))]), examiner(CY)]
    inst = instance(
        [candidate(ANA, conflicts=[ADA]), candidate(BEN, conflicts=[ADA])], examiners, 2, windows=[slots(3)]
    )
    assert only(inst) == [
        (
            "rules",
            "No timetable keeps all of these rules at once: examiners examine only in the windows they offered; "
            "no examiner examines a candidate they have a conflict of interest with",
        )
    ]


def test_solve_with_direct_explanation_does_not_search() -> None:
    inst = instance([candidate(ANA, conflicts=[ADA, BO])], PANEL)
    solution = solve(inst, OralParams(time_limit=5))
    assert solution.status == "infeasible"
    assert solution.solutions == 0
    assert [e.code for e in solution.explanations] == ["no_slot"]

"""The independent oral validator finds every broken hard rule, and nothing else."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

from solver.orals.model import OralAssignment, OralInstance
from solver.orals.validate import validate
from tests.solver.orals.builders import (
    ADA,
    ANA,
    BEN,
    BO,
    CAT,
    CY,
    DEE,
    candidate,
    exam,
    examiner,
    hm,
    instance,
    slot,
    station,
    window,
)

EXAMINERS = [examiner(ADA), examiner(BO), examiner(CY), examiner(DEE)]


def problem(**fields: Any) -> OralInstance:
    """Ana, Ben and Cat; four examiners; two workstations."""
    candidates = fields.pop("candidates", [candidate(ANA), candidate(BEN), candidate(CAT)])
    return instance(candidates, fields.pop("examiners", EXAMINERS), 2, **fields)


def good() -> list[OralAssignment]:
    return [
        exam(ANA, slot(0), 1, (ADA, BO)),
        exam(BEN, slot(0), 2, (CY, DEE)),
        exam(CAT, slot(1), 1, (ADA, CY)),
    ]


def found(inst: OralInstance, assignments: list[OralAssignment]) -> list[tuple[str, list[int]]]:
    return [(v.code, v.candidates) for v in validate(inst, assignments)]


def replaced(assignments: list[OralAssignment], new: OralAssignment) -> list[OralAssignment]:
    return [new if a.candidate == new.candidate else a for a in assignments]


def test_validate_valid_timetable_is_clean() -> None:
    assert validate(problem(), good()) == []


def test_unplaced_candidate_is_reported() -> None:
    assert found(problem(), good()[:2]) == [("unplaced", [CAT])]


def test_duplicate_candidate_is_reported_once() -> None:
    assignments = [*good(), exam(CAT, slot(3), 2, (BO, DEE))]
    assert found(problem(), assignments) == [("duplicate_candidate", [CAT])]


def test_unknown_candidate_is_reported_and_skipped() -> None:
    assignments = [*good(), exam(999, slot(0), 1, (ADA, BO))]
    assert found(problem(), assignments) == [("unknown_candidate", [999])]


def test_unknown_workstation_is_reported() -> None:
    assert found(problem(), replaced(good(), exam(CAT, slot(1), 9, (ADA, CY)))) == [("unknown_workstation", [CAT])]


def test_unknown_examiner_is_reported() -> None:
    violations = validate(problem(), replaced(good(), exam(CAT, slot(1), 1, (ADA, 99))))
    assert [(v.code, v.examiners) for v in violations] == [("unknown_examiner", [99])]


def test_off_grid_start_is_reported() -> None:
    assert found(problem(), replaced(good(), exam(CAT, slot(1) + 5, 1, (ADA, CY)))) == [("off_grid", [CAT])]


def test_outside_the_oral_window_is_off_grid() -> None:
    assert found(problem(), replaced(good(), exam(CAT, hm(14), 1, (ADA, CY)))) == [("off_grid", [CAT])]


def test_slot_crossing_the_window_end_is_off_grid() -> None:
    inst = problem(windows=[window(hm(9), hm(10, 10))])
    assert found(inst, replaced(good(), exam(CAT, hm(9, 40) + 20, 1, (ADA, CY)))) == [("off_grid", [CAT])]


def test_short_panel_is_reported() -> None:
    assert found(problem(), replaced(good(), exam(CAT, slot(1), 1, (ADA,)))) == [("panel_size", [CAT])]


def test_repeated_examiner_in_panel_is_reported() -> None:
    broken = OralAssignment(candidate=CAT, start=slot(1), workstation=1, examiners=[ADA, ADA])
    assert found(problem(), replaced(good(), broken)) == [("duplicate_examiner", [CAT]), ("panel_size", [CAT])]


def test_conflict_of_interest_is_reported() -> None:
    inst = problem(candidates=[candidate(ANA), candidate(BEN), candidate(CAT, conflicts=[CY])])
    violations = validate(inst, good())
    assert [(v.code, v.candidates, v.examiners) for v in violations] == [("conflict_of_interest", [CAT], [CY])]
    assert violations[0].message == "Dr Cy examines Cat despite a conflict of interest"


def test_workstation_unavailable_is_reported() -> None:
    stations = [station(1, available=[window(hm(9), hm(9, 20))]), station(2)]
    inst = instance([candidate(ANA), candidate(BEN), candidate(CAT)], EXAMINERS, stations)
    assert found(inst, good()) == [("workstation_unavailable", [CAT])]


def test_workstation_clash_is_reported() -> None:
    assignments = replaced(good(), exam(BEN, slot(0), 1, (CY, DEE)))
    assert found(problem(), assignments) == [("workstation_clash", [ANA, BEN])]


def test_examiner_clash_is_reported() -> None:
    assignments = replaced(good(), exam(BEN, slot(0), 2, (ADA, DEE)))
    violations = validate(problem(), assignments)
    assert [(v.code, v.candidates, v.examiners) for v in violations] == [("examiner_clash", [ANA, BEN], [ADA])]
    assert (
        violations[0].message == "Dr Ada examines Ana (day 1 09:00-09:20) and Ben (day 1 09:00-09:20) at the same time"
    )


def test_examiner_outside_availability_is_reported() -> None:
    examiners = [examiner(ADA, available=[window(hm(9), hm(9, 20))]), *EXAMINERS[1:]]
    assert found(problem(examiners=examiners), good()) == [("examiner_unavailable", [CAT])]


def test_examiner_busy_is_reported() -> None:
    examiners = [examiner(ADA), examiner(BO), examiner(CY, busy=[window(hm(9, 30), hm(10))]), examiner(DEE)]
    violations = validate(problem(examiners=examiners), good())
    assert [(v.code, v.candidates) for v in violations] == [("examiner_busy", [CAT])]
    assert violations[0].message == (
        "Dr Cy examines Cat at day 1 09:20-09:40 but has another commitment day 1 09:30-10:00"
    )


def test_candidate_busy_is_reported() -> None:
    inst = problem(candidates=[candidate(ANA, busy=[window(hm(8), hm(9, 10))]), candidate(BEN), candidate(CAT)])
    assert found(inst, good()) == [("candidate_busy", [ANA])]


def test_max_slots_is_reported() -> None:
    examiners = [examiner(ADA, max_slots=1), *EXAMINERS[1:]]
    assert found(problem(examiners=examiners), good()) == [("max_slots", [ANA, CAT])]


def test_back_to_back_beyond_the_limit_is_reported() -> None:
    inst = problem(max_consecutive=2)
    assignments = [
        exam(ANA, slot(0), 1, (ADA, BO)),
        exam(CAT, slot(1), 1, (ADA, CY)),
        exam(BEN, slot(2), 1, (ADA, DEE)),
    ]
    violations = validate(inst, assignments)
    assert [(v.code, v.candidates, v.examiners) for v in violations] == [("no_break", [ANA, BEN, CAT], [ADA])]
    assert violations[0].message == (
        "Dr Ada examines 3 candidates back to back from day 1 09:00 to day 1 10:00; a break of a slot is due after 2"
    )


def test_gap_shorter_than_a_slot_between_windows_is_back_to_back() -> None:
    inst = problem(windows=[window(hm(9), hm(9, 40)), window(hm(9, 50), hm(11))], max_consecutive=2)
    assignments = [
        exam(ANA, hm(9), 1, (ADA, BO)),
        exam(BEN, hm(9, 20), 1, (ADA, CY)),
        exam(CAT, hm(9, 50), 1, (ADA, DEE)),
    ]
    assert found(inst, assignments) == [("no_break", [ANA, BEN, CAT])]


def test_a_free_slot_is_a_break() -> None:
    inst = problem(max_consecutive=2)
    assignments = [
        exam(ANA, slot(0), 1, (ADA, BO)),
        exam(BEN, slot(1), 1, (ADA, CY)),
        exam(CAT, slot(3), 1, (ADA, DEE)),
    ]
    assert validate(inst, assignments) == []


def test_pin_moved_is_reported() -> None:
    inst = problem(pins=[exam(CAT, slot(2), 1, (ADA, CY))])
    violations = validate(inst, good())
    assert [(v.code, v.candidates) for v in violations] == [("pin_moved", [CAT])]
    assert violations[0].message == (
        "Cat is pinned to day 1 09:40 at WS 1 with Dr Ada, Dr Cy but is examined day 1 09:20 at WS 1 with Dr Ada, Dr Cy"
    )


def test_pin_kept_is_clean() -> None:
    assert validate(problem(pins=[exam(CAT, slot(1), 1, (CY, ADA))]), good()) == []


def test_result_does_not_depend_on_order() -> None:
    assignments = [*good(), exam(CAT, slot(3), 2, (BO, DEE)), exam(BEN, slot(0), 1, (ADA, CY))]
    assert validate(problem(), assignments) == validate(problem(), list(reversed(assignments)))


def test_validate_does_not_import_ortools() -> None:
    root = Path(__file__).resolve().parents[3]
    code = "import solver.orals.validate, sys; assert 'ortools' not in sys.modules, 'ortools imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_validate_imports_only_the_records() -> None:
    source = Path(__file__).resolve().parents[3] / "solver" / "orals" / "validate.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert {m for m in imported if m.startswith(("solver", "ortools"))} == {"solver.orals.model"}

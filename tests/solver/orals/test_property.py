"""Properties on random instances: every timetable returned passes the validator, and "infeasible" means
that no timetable exists (checked by exhaustive search on tiny instances)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.orals.engine import solve
from solver.orals.generate import planted
from solver.orals.model import Candidate, Examiner, OralAssignment, OralInstance, OralParams, Window, Workstation
from solver.orals.validate import validate
from tests.solver.orals.builders import hm, window

SCHEDULED = {"optimal", "feasible"}
NINE = hm(9)


def _some_slots(draw: st.DrawFn, n: int) -> list[Window]:
    """A window over a random run of the n slots from 09:00."""
    first = draw(st.integers(0, n - 1))
    last = draw(st.integers(first + 1, n))
    return [window(NINE + 20 * first, NINE + 20 * last)]


@st.composite
def tiny_instances(draw: st.DrawFn) -> OralInstance:
    n = draw(st.integers(1, 4))
    # One window, or two with a 10-minute gap (back to back for the break rule).
    split = draw(st.integers(0, n - 1)) if n > 1 and draw(st.booleans()) else 0
    windows = (
        [window(NINE, NINE + 20 * split), window(NINE + 20 * split + 10, NINE + 20 * n + 10)]
        if split
        else [window(NINE, NINE + 20 * n)]
    )
    span = n + (1 if split else 0)
    examiners = [
        Examiner(
            id=e,
            name=f"Dr {e}",
            available=_some_slots(draw, span) if draw(st.booleans()) else [],
            busy=_some_slots(draw, span) if draw(st.integers(0, 3)) == 0 else [],
            max_slots=draw(st.sampled_from([None, None, 1, 2])),
        )
        for e in range(1, draw(st.integers(2, 3)) + 1)
    ]
    stations = [
        Workstation(id=w, name=f"WS {w}", available=_some_slots(draw, span) if draw(st.integers(0, 3)) == 0 else [])
        for w in range(1, draw(st.integers(1, 2)) + 1)
    ]
    ids = [e.id for e in examiners]
    candidates = [
        Candidate(
            id=100 + c,
            name=f"Candidate {c}",
            busy=_some_slots(draw, span) if draw(st.integers(0, 3)) == 0 else [],
            preferred=_some_slots(draw, span) if draw(st.booleans()) else [],
            conflicts=draw(st.lists(st.sampled_from(ids), max_size=1)),
        )
        for c in range(1, draw(st.integers(1, 3)) + 1)
    ]
    panel = draw(st.sampled_from([1, 2]))
    pins = []
    if draw(st.integers(0, 3)) == 0:
        # Anywhere: perhaps off the grid, with a conflict, at a closed workstation.
        pins = [
            OralAssignment(
                candidate=candidates[0].id,
                start=NINE + draw(st.sampled_from([0, 20, 30, 40])),
                workstation=draw(st.sampled_from([w.id for w in stations])),
                examiners=sorted(draw(st.lists(st.sampled_from(ids), min_size=panel, max_size=panel, unique=True))),
            )
        ]
    return OralInstance(
        windows=windows,
        examiners=examiners,
        workstations=stations,
        candidates=candidates,
        panel_size=panel,
        max_consecutive=draw(st.sampled_from([None, 1, 2])),
        pins=pins,
    )


def _starts(problem: OralInstance) -> list[int]:
    return [t for w in problem.windows for t in range(w.start, w.end - problem.slot_minutes + 1, problem.slot_minutes)]


def _exists(problem: OralInstance) -> bool:
    """Whether any timetable passes the validator: every exam tried, partial timetables pruned."""
    pins = {p.candidate: p for p in problem.pins}
    options: list[list[OralAssignment]] = []
    for c in problem.candidates:
        if c.id in pins:
            options.append([pins[c.id]])
            continue
        options.append(
            [
                OralAssignment(candidate=c.id, start=t, workstation=w.id, examiners=list(panel))
                for t in _starts(problem)
                for w in problem.workstations
                for panel in itertools.combinations(sorted(e.id for e in problem.examiners), problem.panel_size)
            ]
        )

    def extend(chosen: list[OralAssignment]) -> bool:
        if len(chosen) == len(options):
            return validate(problem, chosen) == []
        for option in options[len(chosen)]:
            trial = [*chosen, option]
            broken = [v for v in validate(problem, trial) if v.code not in {"unplaced", "pin_moved"}]
            if not broken and extend(trial):
                return True
        return False

    return extend([])


@settings(max_examples=150, deadline=None, database=None)
@given(tiny_instances())
def test_tiny_instance_solved_exactly_when_a_timetable_exists(problem: OralInstance) -> None:
    solution = solve(problem, OralParams(time_limit=5, workers=2))
    assert solution.status in {"optimal", "infeasible"}
    if solution.status == "optimal":
        assert solution.violations == []
        assert validate(problem, solution.assignments) == []
        assert sorted(a.candidate for a in solution.assignments) == sorted(c.id for c in problem.candidates)
        assert solution.objective == sum(t.cost for t in solution.terms)
    else:
        assert solution.explanations != []
        assert all(e.message for e in solution.explanations)
    assert (solution.status == "optimal") == _exists(problem)


@st.composite
def generated_instances(draw: st.DrawFn) -> OralInstance:
    seed = draw(st.integers(0, 10_000))
    problem, plan = planted(draw(st.integers(2, 10)), draw(st.integers(2, 6)), draw(st.integers(1, 2)), 1, seed)
    # Pin a few planted exams and take part of the plan as the previous release.
    pins = draw(st.lists(st.sampled_from(plan), max_size=2, unique_by=lambda a: a.candidate))
    previous = draw(st.lists(st.sampled_from(plan), max_size=len(plan), unique_by=lambda a: a.candidate))
    return OralInstance(
        **{
            **{f: getattr(problem, f) for f in problem.__struct_fields__},
            "pins": pins,
            "previous": previous,
            "max_consecutive": draw(st.sampled_from([None, 2, 4])),
        }
    )


@settings(max_examples=25, deadline=None, database=None)
@given(generated_instances())
def test_generated_instance_with_pins_and_previous_solved_cleanly(problem: OralInstance) -> None:
    solution = solve(problem, OralParams(time_limit=1, workers=2))
    # A planted timetable exists (the break rule only tightened to 2 may rule it out).
    assert solution.status in {"optimal", "feasible", "infeasible"}
    if solution.status in SCHEDULED:
        assert validate(problem, solution.assignments) == []
        assert solution.violations == []
        assert {p.candidate: p for p in problem.pins}.items() <= {a.candidate: a for a in solution.assignments}.items()
    else:
        assert problem.max_consecutive == 2
        assert solution.explanations != []

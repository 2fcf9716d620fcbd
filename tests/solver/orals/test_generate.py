"""The oral instance generator: determinism, shape, and a timetable by construction at the benchmark sizes."""

from __future__ import annotations

import msgspec
import pytest

from solver.orals.explain import direct
from solver.orals.generate import generate, planted
from solver.orals.prep import Prepared
from solver.orals.validate import validate

BENCHMARK_SIZES = [(60, 20, 4, 2), (200, 50, 8, 2)]


def test_generate_same_arguments_equal() -> None:
    first, second = generate(60, 20, 4, 2, seed=7), generate(60, 20, 4, 2, seed=7)
    assert first == second
    assert msgspec.json.encode(first) == msgspec.json.encode(second)


def test_generate_other_seed_differs() -> None:
    assert msgspec.json.encode(generate(60, 20, 4, 2, seed=1)) != msgspec.json.encode(generate(60, 20, 4, 2, seed=2))


@pytest.mark.parametrize(("candidates", "examiners", "workstations", "days"), BENCHMARK_SIZES)
def test_planted_timetable_keeps_every_rule(candidates: int, examiners: int, workstations: int, days: int) -> None:
    problem, plan = planted(candidates, examiners, workstations, days, seed=1)
    assert validate(problem, plan) == []
    assert direct(Prepared(problem)) == []
    assert (len(problem.candidates), len(problem.examiners), len(problem.workstations)) == (
        candidates,
        examiners,
        workstations,
    )


@pytest.mark.parametrize("seed", range(5))
def test_planted_timetable_keeps_every_rule_for_any_seed(seed: int) -> None:
    problem, plan = planted(30, 10, 3, 2, seed)
    assert validate(problem, plan) == []


def test_generate_shape() -> None:
    problem = generate(200, 50, 8, 2, seed=1)
    assert [(w.start, w.end) for w in problem.windows] == [(510, 750), (810, 1050), (1950, 2190), (2250, 2490)]
    assert (problem.slot_minutes, problem.panel_size, problem.max_consecutive) == (20, 2, 4)
    assert [d.label for d in problem.days] == ["Day 1", "Day 2"]
    assert sum(1 for e in problem.examiners if e.busy) > 30
    assert 0 < sum(1 for e in problem.examiners if e.available) < 25
    assert 0 < sum(1 for c in problem.candidates if c.conflicts) < 60
    assert 0 < sum(1 for c in problem.candidates if c.preferred) < 100
    assert 0 < sum(1 for c in problem.candidates if c.busy) < 200
    assert [w.room for w in problem.workstations] == ["Exam room A"] * 4 + ["Exam room B"] * 4
    assert problem.workstations[-1].available == problem.windows[:-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 4, 1, 1), "at least one candidate"),
        ((10, 1, 1, 1), "two examiners"),
        ((100, 20, 1, 1), "hold 24 exams, not 100"),
        ((30, 2, 4, 1), "cannot examine 30 candidates"),
    ],
)
def test_generate_impossible_sizes_refused(args: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(*args)

"""CoSPLib instances solved by the programme engine: the translation prices every schedule as upstream does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from importers.cosplib import (
    Instance,
    Parameters,
    Room,
    Session,
    Solution,
    Submission,
    Track,
    Weights,
    read_instance,
    read_solution,
    write_solution,
)
from importers.cosplib_score import score
from importers.cosplib_solve import from_placements, objective_score, solve, to_placements, translate
from solver.costs import evaluate, total
from solver.model import Weights as EngineWeights
from solver.validate import validate

DATA = Path(__file__).resolve().parent.parent / "data" / "cosplib"
NAMES = ("N2OR", "GECCO19", "GECCO20", "OR60F")


def _instance(name: str) -> Instance:
    path = DATA / "instances" / f"{name}.xlsx"
    parsed = read_instance(path.read_bytes(), path.name)
    assert parsed.instance is not None, parsed.problems
    return parsed.instance


def _reference(name: str, model: str, instance: Instance) -> Solution:
    path = DATA / "reference-solutions" / f"{name}-{model}.xlsx"
    parsed = read_solution(path.read_bytes(), path.name, instance)
    assert parsed.solution is not None, parsed.problems
    return parsed.solution


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("model", ["exact", "extended"])
def test_the_engine_prices_every_published_schedule_at_its_published_score(name: str, model: str) -> None:
    instance = _instance(name)
    reference = _reference(name, model, instance)
    translation = translate(instance)
    placements = to_placements(translation, reference)
    # The published schedules keep every hard rule of the engine (one room per person and session included).
    assert validate(translation.instance, placements) == []
    cost = total(evaluate(translation.instance, placements, EngineWeights()))
    assert cost == score(instance, reference).total * translation.scale
    # And back: the same schedule.
    assert score(instance, from_placements(translation, placements)).total == score(instance, reference).total


def test_solving_n2or_schedules_every_submission_and_reports_the_checkers_score() -> None:
    instance = _instance("N2OR")
    solved = solve(instance, time_limit=5, seed=1, workers=2)
    assert solved is not None
    assert solved.score.all_scheduled
    assert solved.score.tracks_consistent
    # The workbook written and read back scores what was reported, and the engine's objective is that score.
    back = read_solution(write_solution(instance, solved.solution), "N2OR-ours.xlsx", instance)
    assert back.solution is not None
    assert score(instance, back.solution).total == solved.score.total
    assert objective_score(solved) == solved.score.total
    # At least as good as the better published schedule (2).
    assert solved.score.total <= 2


def _tiny(penalty: float) -> Instance:
    """Two sessions, one room, two tracks of one submission each; the first session costs A ``penalty`` and B one
    more, the second (at 06:00) is unsuitable for both."""
    weights = Weights(
        tracks_sessions=1,
        tracks_rooms=1,
        sessions_rooms=1,
        similar_tracks=1,
        rooms_per_track=1,
        parallel_tracks=1,
        consecutive_tracks=1,
        submissions_time_zones=1,
        submissions_order=1,
        submissions_sessions=1,
        submissions_rooms=1,
        presenters_conflicts=1,
        attendees_conflicts=1,
        chairs_conflicts=1,
        presenters_conflicts_time_slot=1,
        attendees_conflicts_time_slot=1,
    )
    parameters = Parameters(
        local_time_zone="GMT+0",
        suitable_from=dt.time(9, 30),
        suitable_to=dt.time(21, 30),
        less_suitable_from=dt.time(7),
        less_suitable_to=dt.time(23),
        less_suitable_penalty=1,
        unsuitable_penalty=10,
        weights=weights,
    )
    sessions = [
        Session(name="Mon1", max_time_slots=2, date=None, start=dt.time(10), end=dt.time(11), row=2),
        Session(name="Mon2", max_time_slots=2, date=None, start=dt.time(6), end=dt.time(7), row=3),
    ]
    subs = [
        Submission(
            name=name,
            track=track,
            required_time_slots=1,
            order=0,
            time_zone="GMT+0",
            presenters=[f"{name}-presenter"],
            attendees=[],
            session_penalties={"Mon1": penalty if name == "A" else penalty + 1, "Mon2": 0},
            room_penalties={"R1": 0},
            row=k + 2,
        )
        for k, (name, track) in enumerate((("A", "T1"), ("B", "T2")))
    ]
    zeros = {"Mon1": 0, "Mon2": 0}
    return Instance(
        name="tiny",
        parameters=parameters,
        submissions=subs,
        tracks=[Track(name="T1", chairs=[], row=2), Track(name="T2", chairs=[], row=3)],
        sessions=sessions,
        rooms=[Room(name="R1", row=2)],
        tracks_sessions={"T1": dict(zeros), "T2": dict(zeros)},
        tracks_rooms={"T1": {"R1": 0}, "T2": {"R1": 0}},
        sessions_rooms={"Mon1": {"R1": 0}, "Mon2": {"R1": 0}},
        similar_tracks={"T1": {"T1": 0, "T2": 0}, "T2": {"T1": 0, "T2": 0}},
    )


def test_decimal_penalties_are_scaled_and_the_score_stays_the_checkers() -> None:
    instance = _tiny(2.5)
    translation = translate(instance)
    assert translation.scale == 10
    solved = solve(instance, time_limit=5, seed=1)
    assert solved is not None
    # One of them must take Mon2 (unsuitable: 10); A in Mon1 (2.5) is cheaper than B there (3.5).
    assert solved.score.total == pytest.approx(12.5)
    assert objective_score(solved) == pytest.approx(solved.score.total)


def test_sessions_without_dates_are_laid_out_one_day_after_another() -> None:
    translation = translate(_tiny(0))
    first, second = translation.instance.blocks
    # Mon2 starts earlier in the day than Mon1: it is put on the next day.
    assert second.start > first.end
    assert all(any(d.start <= b.start and b.end <= d.end for d in translation.instance.days) for b in (first, second))


def test_a_presenter_in_two_rooms_at_once_is_allowed_when_nothing_else_fits() -> None:
    # One session, two rooms, two tracks, one presenter for both submissions: upstream's checker accepts it.
    tiny = _tiny(0)
    subs = [
        msgspec.structs.replace(sub, presenters=["X"], session_penalties={"Mon1": 0}, room_penalties={"R1": 0, "R2": 0})
        for sub in tiny.submissions
    ]
    instance = msgspec.structs.replace(
        tiny,
        submissions=subs,
        sessions=tiny.sessions[:1],
        rooms=[Room(name="R1", row=2), Room(name="R2", row=3)],
        tracks_sessions={"T1": {"Mon1": 0}, "T2": {"Mon1": 0}},
        tracks_rooms={"T1": {"R1": 0, "R2": 0}, "T2": {"R1": 0, "R2": 0}},
        sessions_rooms={"Mon1": {"R1": 0, "R2": 0}},
    )
    solved = solve(instance, time_limit=5, seed=1)
    assert solved is not None
    assert solved.score.all_scheduled
    assert solved.score.total == 0

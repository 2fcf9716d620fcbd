"""The engine end to end: hard rules hold when they bind, soft terms steer, re-solving changes little."""

from __future__ import annotations

import threading
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.costs import TERMS, total
from solver.engine import Engine, solve
from solver.generate import generate
from solver.model import (
    Audience,
    Day,
    Instance,
    Item,
    Params,
    Person,
    Placement,
    Precedence,
    Progress,
    Room,
    Solution,
    Window,
)
from solver.validate import validate
from tests.solver import builders
from tests.solver.builders import HALL, MON, STUDIO, TUE, hm, item, window

LAB = Room(id=3, name="US-Lab", capacity=30, equipment={"ultrasound_station": 2})
ADA, BO, CY = 10, 11, 12
PEOPLE = [Person(id=ADA, name="Dr Ada"), Person(id=BO, name="Dr Bo"), Person(id=CY, name="Dr Cy")]
SCHEDULED = {"optimal", "feasible"}


def instance(items: list[Item], **fields: Any) -> Instance:
    return builders.instance(items, fields.pop("people", PEOPLE), **fields)


def params(**fields: Any) -> Params:
    return Params(**{"time_limit": 5.0, "workers": 2, **fields})


def run(problem: Instance, **fields: Any) -> Solution:
    return solve(problem, params(**fields))


def placed(solution: Solution) -> dict[tuple[int, int], tuple[int, int]]:
    """(item, run) -> (room, start)."""
    return {(p.item, p.run): (p.room, p.start) for p in solution.placements}


def by_run(placements: list[Placement]) -> dict[tuple[int, int], Placement]:
    return {(p.item, p.run): p for p in placements}


def starts(solution: Solution, item_id: int) -> list[int]:
    return sorted(p.start for p in solution.placements if p.item == item_id)


def term(solution: Solution, name: str) -> int:
    return next(t.cost for t in solution.terms if t.name == name)


def clean(problem: Instance, solution: Solution) -> bool:
    return solution.violations == [] and validate(problem, solution.placements) == []


# -- a feasible instance ---------------------------------------------------------------------------


def test_solve_small_instance_is_optimal_and_clean() -> None:
    problem = instance(
        [
            item(1, seats=80, faculty=[ADA], topics=["msk"]),
            item(2, seats=20, faculty=[BO], topics=["msk"]),
            item(3, runs=2, seats=10, equipment={"ultrasound_station": 1}, faculty=[CY]),
            item(4, duration=90, seats=25, faculty=[ADA, BO]),
            item(5, duration=30, faculty=[CY], windows=[window(hm(9), hm(12)), window(hm(9, day=1), hm(12, day=1))]),
            item(6, seats=60, series="basics", series_position=1, faculty=[BO]),
            item(7, seats=60, series="basics", series_position=2, faculty=[ADA]),
        ],
        days=[MON, TUE],
        rooms=[HALL, STUDIO, LAB],
        breaks=[window(hm(12, 30), hm(13, 30)), window(hm(12, 30, 1), hm(13, 30, 1))],
        precedences=[Precedence(before=1, after=2, gap=15)],
        changeover=10,
        step=15,
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert solution.violations == []
    assert validate(problem, solution.placements) == []
    keys = [(p.item, p.run) for p in solution.placements]
    assert sorted(keys) == [(1, 1), (2, 1), (3, 1), (3, 2), (4, 1), (5, 1), (6, 1), (7, 1)]


# -- hard rules, each where it binds ---------------------------------------------------------------


def test_room_capacity_and_equipment_leave_one_room() -> None:
    two_hours = [window(hm(9), hm(11))]
    problem = instance(
        [
            item(1, seats=80, windows=two_hours),
            item(2, seats=80, windows=two_hours),
            item(3, equipment={"ultrasound_station": 2}, windows=two_hours),
        ],
        rooms=[HALL, STUDIO, LAB, Room(id=4, name="Side", capacity=30, equipment={"ultrasound_station": 1})],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    where = placed(solution)
    assert (where[(1, 1)][0], where[(2, 1)][0], where[(3, 1)][0]) == (HALL.id, HALL.id, LAB.id)
    assert sorted([where[(1, 1)][1], where[(2, 1)][1]]) == [hm(9), hm(10)]
    assert clean(problem, solution)


def test_room_unavailable_leaves_last_hour() -> None:
    problem = instance(
        [item(1, seats=50)], rooms=[Room(id=1, name="Hall", capacity=100, unavailable=[window(hm(8), hm(17))])]
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert placed(solution) == {(1, 1): (1, hm(17))}
    assert clean(problem, solution)


def test_person_unavailable_leaves_one_gap() -> None:
    away = [window(hm(8), hm(16)), window(hm(16, 30), hm(18))]
    problem = instance(
        [item(1, duration=30, faculty=[ADA])],
        people=[Person(id=ADA, name="Dr Ada", unavailable=away)],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert starts(solution, 1) == [hm(16)]
    assert clean(problem, solution)


def test_person_teaching_two_items_never_overlaps() -> None:
    both = [window(hm(9), hm(11))]
    problem = instance([item(1, faculty=[ADA], windows=both), item(2, faculty=[ADA], windows=both)])
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution, 1) + starts(solution, 2)) == [hm(9), hm(10)]
    assert clean(problem, solution)


def test_changeover_between_rooms_delays_second_item() -> None:
    # Item 1 only fits the lab, item 2 only the hall; back to back would fit the window without the changeover.
    both = [window(hm(9), hm(11, 10))]
    problem = instance(
        [
            item(1, equipment={"ultrasound_station": 1}, faculty=[ADA], windows=both),
            item(2, seats=80, faculty=[ADA], windows=both),
        ],
        rooms=[HALL, LAB],
        people=[Person(id=ADA, name="Dr Ada", preferred=[window(hm(9), hm(11))])],
        changeover=10,
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution, 1) + starts(solution, 2)) == [hm(9), hm(10, 10)]
    assert clean(problem, solution)


def test_same_single_room_back_to_back_needs_no_changeover() -> None:
    both = [window(hm(9), hm(11))]
    problem = instance(
        [item(1, faculty=[ADA], windows=both), item(2, faculty=[ADA], windows=both)],
        rooms=[HALL],
        changeover=15,
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution, 1) + starts(solution, 2)) == [hm(9), hm(10)]
    assert {p.room for p in solution.placements} == {HALL.id}
    assert clean(problem, solution)


def test_same_pooled_room_back_to_back_needs_no_changeover() -> None:
    both = [window(hm(9), hm(11))]
    twins = [Room(id=1, name="Room 1", capacity=100), Room(id=2, name="Room 2", capacity=100)]
    problem = instance(
        [item(1, faculty=[ADA], windows=both), item(2, faculty=[ADA], windows=both)], rooms=twins, changeover=15
    )
    solution = run(problem, pool_rooms=True)
    assert solution.status == "optimal"
    assert clean(problem, solution)


def test_allowed_window_is_the_only_place() -> None:
    problem = instance([item(1, windows=[window(hm(14, day=1), hm(15, day=1))])], days=[MON, TUE])
    solution = run(problem)
    assert solution.status == "optimal"
    assert starts(solution, 1) == [hm(14, day=1)]
    assert clean(problem, solution)


def test_break_leaves_first_and_last_hour() -> None:
    problem = instance([item(1), item(2)], rooms=[HALL], breaks=[window(hm(9), hm(17))])
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(starts(solution, 1) + starts(solution, 2)) == [hm(8), hm(17)]
    assert clean(problem, solution)


def test_precedence_with_gap_is_kept() -> None:
    both = [window(hm(9), hm(11, 30))]
    problem = instance(
        [item(1, windows=both), item(2, windows=both)],
        precedences=[Precedence(before=1, after=2, gap=30)],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert (starts(solution, 1), starts(solution, 2)) == ([hm(9)], [hm(10, 30)])
    assert clean(problem, solution)


def test_series_parts_run_in_order() -> None:
    morning = [window(hm(9), hm(12))]
    problem = instance(
        [item(k, series="basics", series_position=4 - k, windows=morning) for k in (1, 2, 3)],
        rooms=[HALL, STUDIO, Room(id=3, name="Third", capacity=30)],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert [starts(solution, k) for k in (3, 2, 1)] == [[hm(9)], [hm(10)], [hm(11)]]
    assert clean(problem, solution)


def test_series_parts_with_equal_runs_keep_order() -> None:
    # Dr Ada would like part 2 at 09:00, which only the run-by-run reading allows (part 1 run 2 still going).
    problem = instance(
        [
            item(1, runs=2, series="basics", series_position=1),
            item(2, runs=2, series="basics", series_position=2, faculty=[ADA]),
        ],
        people=[Person(id=ADA, name="Dr Ada", preferred=[window(hm(9), hm(10))])],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert solution.violations == []
    assert max(starts(solution, 1)) + 60 <= min(starts(solution, 2))


def test_workshop_runs_at_different_times() -> None:
    same_rooms = [Room(id=k, name=f"Room {k}", capacity=30) for k in (1, 2, 3)]
    problem = instance([item(1, runs=3, windows=[window(hm(9), hm(12))])], rooms=same_rooms)
    solution = run(problem)
    assert solution.status == "optimal"
    assert starts(solution, 1) == [hm(9), hm(10), hm(11)]
    assert clean(problem, solution)


def test_pins_stay_exactly_where_pinned() -> None:
    # Off the 15-minute grid, in a room too big for item 1, outside Dr Ada's preferred hours, run 2 before run 1.
    pins = [
        Placement(item=1, run=1, room=HALL.id, start=hm(10, 35)),
        Placement(item=2, run=2, room=STUDIO.id, start=hm(9)),
    ]
    problem = instance(
        [item(1, seats=20, faculty=[ADA]), item(2, runs=2, faculty=[ADA]), item(3, seats=90)],
        people=[Person(id=ADA, name="Dr Ada", preferred=[window(hm(14), hm(17))])],
        pins=pins,
        step=15,
    )
    solution = run(problem)
    assert solution.status == "optimal"
    now = by_run(solution.placements)
    assert [now[(1, 1)], now[(2, 2)]] == pins
    assert clean(problem, solution)


def test_pin_while_person_away_is_infeasible() -> None:
    problem = instance(
        [item(1, faculty=[ADA])],
        people=[Person(id=ADA, name="Dr Ada", unavailable=[window(hm(9), hm(10))])],
        pins=[Placement(item=1, run=1, room=HALL.id, start=hm(9))],
    )
    solution = run(problem)
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["pin_person_away"]


def test_pin_across_break_is_infeasible() -> None:
    problem = instance(
        [item(1)], breaks=[window(hm(12), hm(13))], pins=[Placement(item=1, run=1, room=HALL.id, start=hm(11, 30))]
    )
    solution = run(problem)
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["pin_outside_programme"]


def test_pin_outside_windows_is_infeasible() -> None:
    problem = instance(
        [item(1, windows=[window(hm(9), hm(10))])], pins=[Placement(item=1, run=1, room=HALL.id, start=hm(14))]
    )
    solution = run(problem)
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["pin_outside_windows"]


def test_pinned_runs_out_of_order_with_paired_precedence_is_feasible() -> None:
    problem = instance(
        [item(1, runs=2), item(2, runs=2)],
        precedences=[Precedence(before=1, after=2)],
        pins=[
            Placement(item=1, run=1, room=HALL.id, start=hm(16)),
            Placement(item=1, run=2, room=HALL.id, start=hm(9)),
        ],
    )
    # Part B of group 1 at 17:00 and of group 2 at 10:00 keeps every rule.
    by_hand = [
        *problem.pins,
        Placement(item=2, run=1, room=2, start=hm(17)),
        Placement(item=2, run=2, room=2, start=hm(10)),
    ]
    assert validate(problem, by_hand) == []
    solution = run(problem)
    assert solution.status == "optimal"
    assert clean(problem, solution)


# -- soft terms ------------------------------------------------------------------------------------


def test_topic_items_not_parallel_when_time_allows() -> None:
    problem = instance(
        [item(1, topics=["msk"]), item(2, topics=["msk"]), item(3, topics=["neuro"])],
        rooms=[HALL, Room(id=2, name="Twin", capacity=100)],
        days=[Day(start=hm(9), end=hm(12), midnight=0, label="Mon")],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    assert term(solution, "topic_overlap") == 0
    (a,), (b,) = starts(solution, 1), starts(solution, 2)
    assert abs(a - b) >= 60
    assert clean(problem, solution)


def test_workshop_runs_spread_over_days() -> None:
    problem = instance([item(1, runs=2)], days=[MON, TUE], rooms=[HALL])
    solution = run(problem)
    assert solution.status == "optimal"
    assert sorted(s // 1440 for s in starts(solution, 1)) == [0, 1]
    assert term(solution, "runs_same_day") == 0
    assert clean(problem, solution)


def test_room_fit_prefers_fitting_room() -> None:
    problem = instance(
        [item(1, seats=90), item(2, seats=12)],
        rooms=[Room(id=1, name="Auditorium", capacity=1000), HALL, Room(id=3, name="Small", capacity=20)],
    )
    solution = run(problem)
    assert solution.status == "optimal"
    where = placed(solution)
    assert (where[(1, 1)][0], where[(2, 1)][0]) == (HALL.id, 3)
    assert term(solution, "room_fit") == 0


def test_preferred_time_honoured_when_free() -> None:
    problem = instance(
        [item(1, faculty=[ADA])], people=[Person(id=ADA, name="Dr Ada", preferred=[window(hm(14), hm(15, 30))])]
    )
    solution = run(problem)
    assert solution.status == "optimal"
    (start,) = starts(solution, 1)
    assert hm(14) <= start <= hm(14, 30)
    assert term(solution, "preferred_time") == 0


def test_terms_named_as_costs_terms() -> None:
    solution = run(instance([item(1)]))
    assert [t.name for t in solution.terms] == list(TERMS)
    assert len(solution.terms) == 7


def _costly() -> Instance:
    """An instance where several soft terms must pay."""
    morning = [window(hm(9), hm(10))]
    return instance(
        [
            item(1, topics=["msk"], windows=morning, seats=90),
            item(2, topics=["msk"], windows=morning, seats=25),
            item(3, runs=2, windows=[window(hm(13), hm(15))], seats=10),
            item(4, faculty=[ADA], seats=25, series="s", series_position=1, windows=[window(hm(15), hm(16))]),
            item(5, faculty=[ADA], seats=80, series="s", series_position=2),
        ],
        people=[Person(id=ADA, name="Dr Ada", preferred=[window(hm(8), hm(9))])],
        audiences=[Audience(items=[1, 2], size=40)],
    )


def test_objective_equals_sum_of_terms_without_pooling() -> None:
    solution = run(_costly(), pool_rooms=False)
    assert solution.status == "optimal"
    assert solution.objective == total(solution.terms)
    assert solution.objective == sum(t.cost for t in solution.terms)
    assert {t.name for t in solution.terms if t.cost} >= {"topic_overlap", "audience_clash", "runs_same_day"}


def test_objective_equals_sum_of_terms_with_previous() -> None:
    problem = _costly()
    first = run(problem, pool_rooms=False)
    shifted = [msgspec.structs.replace(p, start=p.start + 15) if p.item == 5 else p for p in first.placements]
    solution = run(msgspec.structs.replace(problem, previous=shifted), pool_rooms=False)
    assert solution.status == "optimal"
    assert solution.objective == total(solution.terms)


# -- determinism -----------------------------------------------------------------------------------


def test_same_seed_one_worker_same_placements() -> None:
    twins = [Room(id=k, name=f"Room {k}", capacity=50) for k in (1, 2, 3)]
    problem = instance(
        [item(k, seats=30, duration=(30, 60, 90)[k % 3], faculty=[(ADA, BO, CY)[k % 3]]) for k in range(1, 10)],
        rooms=twins,
        days=[MON, TUE],
    )
    first = run(problem, seed=7, workers=1)
    second = run(problem, seed=7, workers=1)
    assert first.status == "optimal"
    assert second.status == "optimal"
    assert first.placements == second.placements
    assert first.objective == second.objective


# -- minimal change --------------------------------------------------------------------------------


def _programme() -> Instance:
    return instance(
        [
            item(1, seats=40, faculty=[ADA], people=12),
            item(2, seats=40, faculty=[ADA, BO], people=7),
            item(3, seats=40, faculty=[BO]),
            item(4, seats=20, faculty=[CY], people=3),
            item(5, runs=2, seats=20, faculty=[CY], people=8),
            item(6, seats=60, faculty=[ADA]),
        ],
        days=[MON, TUE],
        rooms=[HALL, Room(id=2, name="Room 2", capacity=60)],
    )


def _forced(problem: Instance, first: Solution) -> tuple[Instance, int, set[tuple[int, int]]]:
    """Make Dr Ada unavailable on the day most of her runs are; those runs must move."""
    teaches = {i.id for i in problem.items if ADA in i.faculty}
    by_day: dict[int, set[tuple[int, int]]] = {}
    for p in first.placements:
        if p.item in teaches:
            by_day.setdefault(p.start // 1440, set()).add((p.item, p.run))
    day = max(sorted(by_day), key=lambda d: len(by_day[d]))
    ada = Person(id=ADA, name="Dr Ada", unavailable=[problem.days[day].window])
    people = [ada if p.id == ADA else p for p in problem.people]
    changed = msgspec.structs.replace(problem, people=people, previous=first.placements)
    return changed, day, by_day[day]


def test_resolve_diff_bookkeeping_is_consistent() -> None:
    problem = _programme()
    first = run(problem)
    assert first.status == "optimal"
    assert first.diff is None
    changed, _day, _forced_runs = _forced(problem, first)
    second = run(changed)
    assert second.status == "optimal"
    assert clean(changed, second)
    assert second.diff is not None
    items = {i.id: i for i in problem.items}
    runs = sum(i.runs for i in problem.items)
    assert second.diff.unchanged + len(second.diff.moved) == runs
    assert second.diff.people_affected == sum(
        len(items[m.item].faculty) + items[m.item].people for m in second.diff.moved
    )
    before, after = by_run(first.placements), by_run(second.placements)
    for move in second.diff.moved:
        assert move.before == before[(move.item, move.run)]
        assert move.after == after[(move.item, move.run)]
        assert move.people == len(items[move.item].faculty) + items[move.item].people


def test_resolve_moves_only_forced_runs() -> None:
    problem = _programme()
    first = run(problem)
    changed, _day, forced = _forced(problem, first)
    k = len(forced)
    second = run(changed)
    assert second.status == "optimal"
    assert clean(changed, second)
    assert second.diff is not None
    assert len(second.diff.moved) <= k
    assert {(m.item, m.run) for m in second.diff.moved} == forced
    assert second.diff.unchanged == sum(i.runs for i in problem.items) - k
    items = {i.id: i for i in problem.items}
    assert second.diff.people_affected == sum(len(items[i].faculty) + items[i].people for i, _ in forced)


def test_resolve_new_item_moves_nothing_else() -> None:
    problem = _programme()
    first = run(problem)
    grown = msgspec.structs.replace(
        problem, items=[*problem.items, item(7, seats=20, faculty=[BO], people=4)], previous=first.placements
    )
    second = run(grown)
    assert second.status == "optimal"
    assert second.diff is not None
    assert [(m.item, m.run, m.before) for m in second.diff.moved] == [(7, 1, None)]
    assert second.diff.unchanged == len(first.placements)
    assert second.diff.people_affected == 5


def test_resolve_keeps_runs_released_out_of_order() -> None:
    problem = instance([item(1, runs=2, faculty=[ADA])], rooms=[HALL])
    previous = [
        Placement(item=1, run=1, room=HALL.id, start=hm(15)),
        Placement(item=1, run=2, room=HALL.id, start=hm(9)),
    ]
    solution = run(msgspec.structs.replace(problem, previous=previous))
    assert solution.diff is not None
    assert solution.diff.moved == []


# -- progress and stopping -------------------------------------------------------------------------


def test_progress_reported_with_objective() -> None:
    seen: list[Progress] = []
    solution = solve(_programme(), params(), seen.append)
    assert solution.status == "optimal"
    assert len(seen) >= 1
    assert seen[-1].objective is not None
    assert seen[-1].solutions == len(seen)
    assert solution.solutions == len(seen)


def test_stop_before_run_returns_cancelled() -> None:
    engine = Engine(_programme(), params())
    engine.stop()
    solution = engine.run()
    assert solution.status == "cancelled"
    assert solution.placements == []


def test_stop_from_another_thread_returns_cancelled_before_the_limit() -> None:
    problem = generate(200, 1)
    engine = Engine(problem, params(time_limit=60))
    timer = threading.Timer(1.5, engine.stop)
    timer.start()
    solution = engine.run()
    timer.cancel()
    # A search that ignored the stop would run to its 60 s limit and end "feasible" or "optimal".
    assert solution.status == "cancelled"
    if solution.placements:
        assert clean(problem, solution)


def test_stop_after_first_solution_keeps_it_as_cancelled() -> None:
    problem = generate(200, 1)
    engine = Engine(problem, params(time_limit=60))
    solution = engine.run(lambda progress: engine.stop())
    # Had the stop been ignored, the search would have run to its limit and ended "feasible" or "optimal".
    assert solution.status == "cancelled"
    assert len(solution.placements) == sum(i.runs for i in problem.items)
    assert clean(problem, solution)


# -- property: whatever comes back is valid, or explained --------------------------------------------

POOL = (ADA, BO, CY)


@st.composite
def small_instances(draw: st.DrawFn) -> Instance:
    ndays = draw(st.integers(1, 2))
    days = [Day(start=hm(8, day=d), end=hm(12, day=d), midnight=1440 * d, label=f"Day {d + 1}") for d in range(ndays)]
    breaks = [window(hm(10, day=d), hm(10, 15, d)) for d in range(ndays)] if draw(st.booleans()) else []

    def somewhen(length: int) -> Window:
        day = draw(st.integers(0, ndays - 1))
        start = hm(8, day=day) + draw(st.sampled_from([0, 60, 120, 180]))
        return window(start, start + length)

    rooms = [
        Room(
            id=k,
            name=f"Room {k}",
            capacity=draw(st.sampled_from([30, 100, 100])),
            equipment=draw(st.sampled_from([{}, {"ultrasound_station": 1}])),
            unavailable=[somewhen(60)] if draw(st.booleans()) else [],
        )
        for k in range(1, draw(st.integers(1, 4)) + 1)
    ]
    people = [
        Person(
            id=pid,
            name=f"Dr {pid}",
            unavailable=[somewhen(draw(st.sampled_from([30, 60, 120])))] if draw(st.booleans()) else [],
        )
        for pid in POOL
    ]
    nitems = draw(st.integers(1, 8))
    items = [
        Item(
            id=k,
            title=f"Item {k}",
            duration=draw(st.sampled_from([30, 60, 90])),
            seats=draw(st.sampled_from([0, 10, 25, 80])),
            runs=draw(st.integers(1, 2)),
            equipment=draw(st.sampled_from([{}, {}, {}, {"ultrasound_station": 1}])),
            faculty=draw(st.lists(st.sampled_from(POOL), max_size=2, unique=True)),
            topics=draw(st.sampled_from([[], ["msk"], ["neuro"]])),
        )
        for k in range(1, nitems + 1)
    ]
    precedences = []
    if nitems >= 2 and draw(st.booleans()):
        before, after = draw(st.lists(st.integers(1, nitems), min_size=2, max_size=2, unique=True))
        precedences = [Precedence(before=before, after=after, gap=draw(st.sampled_from([0, 15])))]
    pins = []
    if draw(st.booleans()):
        # May sit in a room too small or closed, across a break or an absence, or collide with other runs.
        day = draw(st.integers(0, ndays - 1))
        start = hm(8, day=day) + draw(st.sampled_from(range(0, 240 - items[0].duration + 1, 15)))
        pins = [Placement(item=1, run=1, room=draw(st.integers(1, len(rooms))), start=start)]
    return Instance(
        days=days,
        rooms=rooms,
        items=items,
        people=people,
        breaks=breaks,
        precedences=precedences,
        pins=pins,
        step=15,
        changeover=draw(st.sampled_from([0, 10])),
    )


@settings(max_examples=25, deadline=None, database=None)
@given(small_instances())
def test_solve_random_instance_valid_or_explained(problem: Instance) -> None:
    solution = solve(problem, Params(time_limit=3, workers=2))
    assert solution.status in {"optimal", "feasible", "infeasible", "unknown"}
    if solution.status in SCHEDULED:
        assert validate(problem, solution.placements) == []
        assert solution.violations == []
        assert len(solution.placements) == sum(i.runs for i in problem.items)
    if solution.status == "infeasible":
        assert solution.explanations != []
        assert all(e.message != "" for e in solution.explanations)


def test_overlapping_closures_of_a_room_still_leave_it_usable() -> None:
    hall = Room(id=1, name="Hall", capacity=100, unavailable=[window(hm(8), hm(11)), window(hm(10), hm(12))])
    problem = instance([item(1)], rooms=[hall])
    solution = run(problem)
    assert solution.status == "optimal"
    assert starts(solution, 1)[0] >= hm(12)
    assert clean(problem, solution)

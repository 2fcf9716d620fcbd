"""The soft terms, priced on hand-made schedules."""

from __future__ import annotations

from typing import Any

import pytest

from solver.costs import TERMS, evaluate, total
from solver.model import Audience, Day, Instance, Item, Payer, Person, Placement, Room, Term, Weights, Window
from solver.prep import room_fit_points

MON = Day(start=8 * 60, end=18 * 60, midnight=0, label="Mon")
TUE = Day(start=1440 + 8 * 60, end=1440 + 18 * 60, midnight=1440, label="Tue")
HALL = Room(id=1, name="Hall", capacity=100)
STUDIO = Room(id=2, name="Studio", capacity=50)
ADA, BO = 10, 11


def hm(hours: int, minutes: int = 0, day: int = 0) -> int:
    return 1440 * day + 60 * hours + minutes


def item(item_id: int, **fields: Any) -> Item:
    return Item(id=item_id, **{"title": f"Item {item_id}", "duration": 60, **fields})


def instance(items: list[Item], **fields: Any) -> Instance:
    return Instance(**{"days": [MON, TUE], "rooms": [HALL, STUDIO], "items": items, "step": 15, **fields})


def at(item_id: int, start: int, room: int = 1, run: int = 1) -> Placement:
    return Placement(item=item_id, run=run, room=room, start=start)


def terms(problem: Instance, placements: list[Placement], weights: Weights | None = None) -> dict[str, Term]:
    found = evaluate(problem, placements, weights or Weights())
    assert [t.name for t in found] == list(TERMS)
    return {t.name: t for t in found}


def priced(problem: Instance, placements: list[Placement], weights: Weights | None = None) -> dict[str, int]:
    """Cost of every term that costs something."""
    return {name: t.cost for name, t in terms(problem, placements, weights).items() if t.cost}


# -- room fit points -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "capacity", "points"),
    [
        (0, 100, 0),
        (-3, 100, 0),
        (10, 0, 0),
        (50, 100, 0),
        (46, 100, 0),
        (45, 100, 1),
        (41, 100, 1),
        (40, 100, 2),
        (1, 100, 9),
        (1, 3, 3),
        (95, 100, 0),
        (96, 100, 5),
        (100, 100, 5),
        (19, 20, 0),
        (20, 20, 5),
        (150, 100, 5),
    ],
)
def test_room_fit_points_boundaries(seats: int, capacity: int, points: int) -> None:
    assert room_fit_points(seats, capacity) == points


# -- a clean schedule ------------------------------------------------------------------------------


def test_evaluate_clean_schedule_costs_nothing() -> None:
    problem = instance([item(1, seats=60, topics=["msk"]), item(2, seats=30, topics=["msk"])])
    found = terms(problem, [at(1, hm(9)), at(2, hm(10), room=STUDIO.id)])
    assert [(t.units, t.cost, t.payers) for t in found.values()] == [(0, 0, [])] * 7
    assert total(list(found.values())) == 0


def test_evaluate_weights_reported_per_term() -> None:
    weights = Weights(topic_overlap=2, audience_clash=3, room_fit=4, series_room_change=5, moved=8)
    found = terms(instance([item(1)]), [at(1, hm(9))], weights)
    assert [t.weight for t in found.values()] == [2, 3, 4, 5, 30, 60, 8]


# -- topic overlap ---------------------------------------------------------------------------------


def test_topic_overlap_thirty_minutes_is_thirty_units() -> None:
    problem = instance([item(1, topics=["msk"]), item(2, topics=["msk", "neuro"]), item(3, topics=["neuro"])])
    found = terms(problem, [at(1, hm(9)), at(2, hm(9, 30), room=2), at(3, hm(11))])
    overlap = found["topic_overlap"]
    assert (overlap.units, overlap.cost) == (30, 30)
    assert overlap.payers == [
        Payer(
            items=[1, 2],
            cost=30,
            detail="msk: Item 1 and Item 2 run in parallel from Mon 09:30 (30 min beyond one item)",
        )
    ]


def test_topic_overlap_priced_by_weight() -> None:
    problem = instance([item(1, topics=["msk"]), item(2, topics=["msk"])])
    found = terms(problem, [at(1, hm(9)), at(2, hm(9, 30), room=2)], Weights(topic_overlap=4))
    assert (found["topic_overlap"].units, found["topic_overlap"].cost) == (30, 120)


def test_topic_overlap_three_items_count_beyond_the_first() -> None:
    problem = instance(
        [item(k, topics=["chest"]) for k in (1, 2, 3)], rooms=[HALL, STUDIO, Room(id=3, name="C", capacity=9)]
    )
    found = terms(problem, [at(1, hm(9)), at(2, hm(9), room=2), at(3, hm(9), room=3)])
    assert (found["topic_overlap"].units, found["topic_overlap"].cost) == (120, 120)
    assert len(found["topic_overlap"].payers) == 1


def test_topic_overlap_two_spells_pay_separately() -> None:
    problem = instance([item(1, topics=["ai"], runs=2), item(2, topics=["ai"]), item(3, topics=["ai"])])
    placements = [at(1, hm(9)), at(2, hm(9, 45), room=2), at(1, hm(14), run=2), at(3, hm(14), room=2)]
    found = terms(problem, placements)
    assert (found["topic_overlap"].units, found["topic_overlap"].cost) == (75, 75)
    assert [(p.items, p.cost) for p in found["topic_overlap"].payers] == [([1, 3], 60), ([1, 2], 15)]


def test_topic_overlap_counted_on_the_start_grid() -> None:
    # Step 5: the 20-minute overlap 09:40-10:00 holds four instants of the 5-minute grid.
    problem = instance([item(1, topics=["msk"]), item(2, topics=["msk"])], step=5)
    found = terms(problem, [at(1, hm(9)), at(2, hm(9, 40), room=2)])
    assert found["topic_overlap"].units == 20


def test_topic_overlap_sampled_on_a_coarse_grid() -> None:
    # Step 30: a run is counted at its start and every 30 minutes; a 30-minute overlap is one instant.
    problem = instance([item(1, topics=["msk"]), item(2, topics=["msk"])], step=30)
    found = terms(problem, [at(1, hm(9)), at(2, hm(9, 30), room=2)])
    assert found["topic_overlap"].units == 30


def test_topic_overlap_back_to_back_is_free() -> None:
    problem = instance([item(1, topics=["msk"]), item(2, topics=["msk"])])
    assert priced(problem, [at(1, hm(9)), at(2, hm(10), room=2)]) == {}


# -- audience clash --------------------------------------------------------------------------------


def test_audience_clash_counts_people() -> None:
    problem = instance([item(1), item(2), item(3)], audiences=[Audience(items=[1, 2, 3], size=40, label="MSK fellows")])
    found = terms(problem, [at(1, hm(9)), at(2, hm(9, 30), room=2), at(3, hm(10, 30))])
    clash = found["audience_clash"]
    assert (clash.units, clash.cost) == (40, 40)
    assert clash.payers == [
        Payer(items=[1, 2], cost=40, detail="40 people want both Item 1 and Item 2, which run in parallel at Mon 09:30")
    ]


def test_audience_clash_shared_over_runs() -> None:
    problem = instance([item(1, runs=2), item(2)], audiences=[Audience(items=[1, 2], size=40)])
    found = terms(problem, [at(1, hm(9)), at(1, hm(11), run=2), at(2, hm(9), room=2)], Weights(audience_clash=3))
    # One clash of 40 people; the 120 it would cost is shared by the two runs on offer.
    assert (found["audience_clash"].units, found["audience_clash"].cost) == (40, 60)


def test_audience_clash_groups_add_up() -> None:
    problem = instance(
        [item(1), item(2)], audiences=[Audience(items=[1, 2], size=10), Audience(items=[2, 1, 7], size=5)]
    )
    assert priced(problem, [at(1, hm(9)), at(2, hm(9), room=2)]) == {"audience_clash": 15}


# -- room fit --------------------------------------------------------------------------------------


def test_room_fit_costs_points_times_weight() -> None:
    problem = instance([item(1, seats=40), item(2, seats=49)])
    found = terms(problem, [at(1, hm(9)), at(2, hm(9), room=STUDIO.id)])
    fit = found["room_fit"]
    # 40 of 100 seats: 2 points; 49 of 50 seats: more than 95 % full, 5 points.
    assert (fit.units, fit.cost) == (7, 21)
    assert [(p.items, p.cost, p.detail) for p in fit.payers] == [
        ([2], 15, "Item 2: 49 seats needed in Studio (50 seats)"),
        ([1], 6, "Item 1: 40 seats needed in Hall (100 seats)"),
    ]


# -- series room change ----------------------------------------------------------------------------


def test_series_room_change_between_consecutive_parts() -> None:
    problem = instance([item(k, series="basics", series_position=k) for k in (1, 2, 3)])
    found = terms(problem, [at(1, hm(9)), at(2, hm(10), room=2), at(3, hm(11), room=2)])
    change = found["series_room_change"]
    assert (change.units, change.cost) == (1, 30)
    assert change.payers == [Payer(items=[1, 2], cost=30, detail="Series basics: Item 1 in Hall, Item 2 in Studio")]


def test_series_same_room_is_free() -> None:
    problem = instance([item(k, series="basics", series_position=k) for k in (1, 2)])
    assert priced(problem, [at(1, hm(9)), at(2, hm(10))]) == {}


# -- runs on the same day --------------------------------------------------------------------------


def test_runs_same_day_each_extra_run_pays() -> None:
    problem = instance([item(1, runs=3), item(2, runs=3)])
    placements = [
        at(1, hm(9)),
        at(1, hm(10), run=2),
        at(1, hm(11), run=3),
        at(2, hm(9), room=2),
        at(2, hm(10), room=2, run=2),
        at(2, hm(9, day=1), room=2, run=3),
    ]
    same = terms(problem, placements)["runs_same_day"]
    assert (same.units, same.cost) == (3, 180)
    assert [(p.items, p.cost, p.detail) for p in same.payers] == [
        ([1], 120, "3 runs of Item 1 on Mon"),
        ([2], 60, "2 runs of Item 2 on Mon"),
    ]


def test_runs_on_different_days_are_free() -> None:
    problem = instance([item(1, runs=2)])
    assert priced(problem, [at(1, hm(9)), at(1, hm(9, day=1), run=2)]) == {}


# -- preferred time --------------------------------------------------------------------------------


def test_preferred_time_per_faculty_member_outside() -> None:
    people = [
        Person(id=ADA, name="Dr Ada", preferred=[Window(start=hm(9), end=hm(12))]),
        Person(id=BO, name="Dr Bo", preferred=[Window(start=hm(14), end=hm(16))]),
    ]
    problem = instance([item(1, faculty=[ADA, BO]), item(2, faculty=[ADA])], people=people)
    found = terms(problem, [at(1, hm(11, 30)), at(2, hm(9), room=2)])
    pref = found["preferred_time"]
    # Item 1 ends 12:30, past Ada's window, and is outside Bo's; item 2 is inside Ada's.
    assert (pref.units, pref.cost) == (2, 60)
    assert sorted(p.detail for p in pref.payers) == [
        "Dr Ada prefers other times than Mon 11:30 for Item 1",
        "Dr Bo prefers other times than Mon 11:30 for Item 1",
    ]


def test_preferred_time_inside_is_free() -> None:
    people = [Person(id=ADA, name="Dr Ada", preferred=[Window(start=hm(9), end=hm(12))])]
    problem = instance([item(1, faculty=[ADA])], people=people)
    assert priced(problem, [at(1, hm(11))]) == {}


# -- moved -----------------------------------------------------------------------------------------


def test_moved_counts_affected_people() -> None:
    previous = [at(1, hm(9)), at(2, hm(10)), at(3, hm(11)), at(9, hm(12))]
    problem = instance(
        [item(1, faculty=[ADA, BO], people=25), item(2, faculty=[ADA]), item(3, people=4)], previous=previous
    )
    # Item 1 moves in time, item 2 changes room, item 3 stays; item 9 no longer exists.
    found = terms(problem, [at(1, hm(14)), at(2, hm(10), room=2), at(3, hm(11))])
    moved = found["moved"]
    assert (moved.units, moved.cost) == (28, 140)
    assert [(p.items, p.cost, p.detail) for p in moved.payers] == [
        ([1], 135, "Run 1 of Item 1 moved from Mon 09:00 to Mon 14:00 (27 people affected)"),
        ([2], 5, "Run 1 of Item 2 moved from Mon 10:00 to Mon 10:00 (1 people affected)"),
    ]


def test_moved_nothing_when_schedule_kept() -> None:
    previous = [at(1, hm(9)), at(2, hm(10), room=2)]
    problem = instance([item(1, faculty=[ADA]), item(2, people=3)], previous=previous)
    assert priced(problem, previous) == {}

"""Infeasible instances are explained: one direct cause each, or the infeasible core as a fallback."""

from __future__ import annotations

from typing import Any

from solver.engine import solve
from solver.model import Day, Explanation, Instance, Item, Params, Person, Placement, Precedence, Room
from tests.solver import builders
from tests.solver.builders import HALL, MON, STUDIO, TUE, hm, item, window

LAB = Room(id=3, name="US-Lab", capacity=24, equipment={"ultrasound_station": 8})
ADA, BO = 10, 11
PEOPLE = [Person(id=ADA, name="Dr Ada"), Person(id=BO, name="Dr Bo")]


def instance(items: list[Item], **fields: Any) -> Instance:
    return builders.instance(items, fields.pop("people", PEOPLE), **fields)


def explained(problem: Instance) -> list[Explanation]:
    solution = solve(problem, Params(time_limit=5, workers=2))
    assert solution.status == "infeasible"
    assert solution.placements == []
    return solution.explanations


def codes(explanations: list[Explanation]) -> list[str]:
    return [e.code for e in explanations]


# -- no room ---------------------------------------------------------------------------------------


def test_no_room_big_enough() -> None:
    (why,) = explained(instance([item(1, seats=200), item(2)]))
    assert why == Explanation(
        code="no_room", message="Item 1 needs 200 seats, but the largest room, Hall, seats 100", items=[1]
    )


def test_no_room_with_equipment() -> None:
    (why,) = explained(instance([item(1, equipment={"exam_workstation": 1})]))
    assert why.code == "no_room"
    assert why.message == "Item 1 needs 1 × exam workstation, but no room has that equipment"
    assert why.items == [1]


def test_no_room_with_equipment_big_enough() -> None:
    problem = instance([item(1, seats=40, equipment={"ultrasound_station": 2})], rooms=[HALL, LAB])
    (why,) = explained(problem)
    assert why.code == "no_room"
    assert why.message == (
        "Item 1 needs 40 seats and 2 × ultrasound station, but the largest room with that equipment, US-Lab, seats 24"
    )


# -- no start --------------------------------------------------------------------------------------


def test_no_start_longer_than_any_stretch() -> None:
    problem = instance([item(1, duration=5 * 60)], breaks=[window(hm(12, 30), hm(13, 30))])
    (why,) = explained(problem)
    assert why.code == "no_start"
    assert why.message == (
        "Item 1 lasts 5 h, but no programme day has that long a stretch without a break (the longest day is 10 h)"
    )
    assert why.items == [1]


def test_no_start_fits_no_allowed_window() -> None:
    (why,) = explained(instance([item(1, duration=90, windows=[window(hm(9), hm(10))])]))
    assert why.code == "no_start"
    assert why.message == "Item 1 lasts 1 h 30 and fits in none of its allowed windows (Mon 09:00–10:00)"


def test_no_start_person_unavailable_whenever_it_could_run() -> None:
    problem = instance(
        [item(1, faculty=[ADA, BO], windows=[window(hm(11), hm(12, 30))])],
        people=[Person(id=ADA, name="Dr Ada", unavailable=[window(hm(11, 30), hm(12, 30))]), PEOPLE[1]],
    )
    (why,) = explained(problem)
    assert why.code == "no_start"
    assert why.message == "Item 1 cannot take place at any allowed time: Dr Ada is unavailable whenever it could run"
    assert why.people == [ADA, BO]


# -- pins ------------------------------------------------------------------------------------------


def test_pins_share_room_at_overlapping_times() -> None:
    pins = [
        Placement(item=1, run=1, room=HALL.id, start=hm(10, 30)),
        Placement(item=2, run=1, room=HALL.id, start=hm(11)),
    ]
    (why,) = explained(instance([item(1), item(2), item(3)], pins=pins))
    assert why == Explanation(
        code="pins_share_room",
        message="Item 1 and Item 2 are both pinned in Hall at overlapping times (Mon 10:30 and Mon 11:00)",
        items=[1, 2],
        rooms=[HALL.id],
    )


def test_pins_share_person_both_at_1030() -> None:
    pins = [
        Placement(item=1, run=1, room=HALL.id, start=hm(10, 30)),
        Placement(item=2, run=1, room=STUDIO.id, start=hm(10, 30)),
    ]
    problem = instance([item(1, faculty=[ADA]), item(2, faculty=[ADA, BO])], pins=pins)
    (why,) = explained(problem)
    assert why.code == "pins_share_person"
    assert "Dr Ada" in why.message
    assert "10:30" in why.message
    assert why.message == "Dr Ada teaches Item 1 and Item 2, which are both pinned at Mon 10:30"
    assert (why.items, why.people) == ([1, 2], [ADA])


def test_pins_share_person_without_changeover() -> None:
    pins = [
        Placement(item=1, run=1, room=HALL.id, start=hm(10, 30)),
        Placement(item=2, run=1, room=STUDIO.id, start=hm(11, 35)),
    ]
    problem = instance([item(1, faculty=[ADA]), item(2, faculty=[ADA])], pins=pins, changeover=10)
    (why,) = explained(problem)
    assert why.code == "pins_share_person"
    assert why.message == (
        "Dr Ada teaches Item 1 and Item 2, which are pinned at Mon 10:30 and Mon 11:35 "
        "with less than 10 min to change rooms"
    )


def test_pin_in_closed_room() -> None:
    hall = Room(id=1, name="Hall", capacity=100, unavailable=[window(hm(8), hm(12))])
    problem = instance([item(1)], rooms=[hall, STUDIO], pins=[Placement(item=1, run=1, room=1, start=hm(11))])
    (why,) = explained(problem)
    assert why.code == "pin_room_closed"
    assert why.message == "Item 1 is pinned in Hall at Mon 11:00, but Hall is closed then"


def test_pin_in_room_too_small() -> None:
    problem = instance([item(1, seats=50)], pins=[Placement(item=1, run=1, room=STUDIO.id, start=hm(9))])
    (why,) = explained(problem)
    assert why.code == "pin_room_unfit"
    assert why.message == "Item 1 is pinned in Studio, which lacks what it needs (50 seats)"


# -- hours -----------------------------------------------------------------------------------------


def test_room_hours_day_single_lab() -> None:
    wed = Day(start=8 * 60, end=18 * 60, midnight=0, label="Wed")
    thu = Day(start=1440 + 9 * 60, end=1440 + 17 * 60, midnight=1440, label="Thu")
    thursday = [window(thu.start, thu.end)]
    workshops = [
        item(k, title=f"Hands-on {k}", runs=2, seats=8, equipment={"ultrasound_station": 8}, windows=thursday)
        for k in range(1, 6)
    ]
    problem = instance(
        [*workshops, item(6, seats=80)],
        days=[wed, thu],
        rooms=[HALL, LAB],
        breaks=[window(hm(12, day=1), hm(13, day=1))],
    )
    # Thursday 09:00-17:00 less lunch is 7 h; 5 workshops of 2 runs of 1 h need 10 h.
    (why,) = explained(problem)
    assert why == Explanation(
        code="room_hours_day",
        message="US-Lab offers 7 h on Thu but the 10 runs that can only be there need 10 h",
        items=[1, 2, 3, 4, 5],
        rooms=[LAB.id],
    )


def test_room_hours_over_congress() -> None:
    short = Day(start=9 * 60, end=12 * 60, midnight=0, label="Mon")
    problem = instance(
        [item(k, equipment={"ultrasound_station": 1}, runs=2) for k in (1, 2)],
        days=[short],
        rooms=[HALL, LAB],
    )
    assert codes(explained(problem)) == ["room_hours_day", "room_hours"]


def test_person_hours_day() -> None:
    day = Day(start=9 * 60, end=17 * 60, midnight=0, label="Mon")
    problem = instance([item(k, duration=180, faculty=[ADA]) for k in (1, 2, 3)], days=[day])
    (why,) = explained(problem)
    assert why == Explanation(
        code="person_hours_day",
        message="Dr Ada is available for 8 h on Mon but teaches 3 runs that can only be that day, 9 h in all",
        items=[1, 2, 3],
        people=[ADA],
    )


# -- order -----------------------------------------------------------------------------------------


def test_order_cycle() -> None:
    problem = instance(
        [item(1), item(2), item(3)],
        precedences=[Precedence(before=1, after=2), Precedence(before=2, after=3), Precedence(before=3, after=1)],
    )
    (why,) = explained(problem)
    assert why == Explanation(
        code="order_cycle",
        message="The required order runs in a circle: Item 1 before Item 2 before Item 3 before Item 1",
        items=[1, 2, 3],
    )


def test_order_impossible_with_windows() -> None:
    problem = instance(
        [item(1, windows=[window(hm(9, day=1), hm(10, day=1))]), item(2, windows=[window(hm(9), hm(12))])],
        days=[MON, TUE],
        precedences=[Precedence(before=1, after=2, gap=15)],
    )
    (why,) = explained(problem)
    assert why == Explanation(
        code="order_impossible",
        message="Item 1 must end before Item 2 starts, but Item 1 can end at the earliest at Tue 10:00 "
        "and Item 2 must start by Mon 11:00",
        items=[1, 2],
    )


# -- the fallback: an infeasible core --------------------------------------------------------------


def test_conflict_person_cannot_fit_three_long_items() -> None:
    # 9 h of teaching in a day of 10 h less a 1 h lunch: the hours add up, but each half-day holds one 3 h item.
    problem = instance(
        [item(k, duration=180, faculty=[ADA]) for k in (1, 2, 3)],
        breaks=[window(hm(12, 30), hm(13, 30))],
    )
    explanations = explained(problem)
    assert codes(explanations) == ["conflict", "person_busy"]
    head, busy = explanations
    assert head.message == "These rules cannot all hold together: Dr Ada cannot be in two places at once"
    assert head.people == [ADA]
    assert busy == Explanation(code="person_busy", message="Dr Ada cannot be in two places at once", people=[ADA])


def test_conflict_windows_and_person_listed_as_groups() -> None:
    nine = [window(hm(9), hm(10))]
    problem = instance([item(1, faculty=[ADA], windows=nine), item(2, faculty=[ADA], windows=nine), item(3)])
    explanations = explained(problem)
    assert codes(explanations) == ["conflict", "windows", "windows", "person_busy"]
    head = explanations[0]
    assert head.message == (
        "These rules cannot all hold together: Item 1 may only run in its allowed windows; "
        "Item 2 may only run in its allowed windows; Dr Ada cannot be in two places at once"
    )
    assert (head.items, head.rooms, head.people) == ([1, 2], [], [ADA])
    assert [e.message for e in explanations[1:]] == [
        "Item 1 may only run in its allowed windows",
        "Item 2 may only run in its allowed windows",
        "Dr Ada cannot be in two places at once",
    ]


def test_conflict_changeover_only() -> None:
    # Item 1 only fits the lab, item 2 only the hall: one hour each, back to back, no time to change rooms.
    problem = instance(
        [
            item(1, equipment={"ultrasound_station": 1}, faculty=[ADA], windows=[window(hm(9), hm(10))]),
            item(2, seats=80, faculty=[ADA], windows=[window(hm(10), hm(11))]),
        ],
        rooms=[HALL, LAB],
        changeover=10,
    )
    explanations = explained(problem)
    assert explanations[0].code == "conflict"
    assert explanations[0].people == [ADA]

"""The independent validator finds every broken hard constraint, and nothing else."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from solver.model import Day, Instance, Item, Person, Placement, Precedence, Room, Violation, Window
from solver.validate import validate

MON = Day(start=8 * 60, end=18 * 60, midnight=0, label="Mon")
TUE = Day(start=1440 + 8 * 60, end=1440 + 18 * 60, midnight=1440, label="Tue")
HALL = Room(id=1, name="Hall A", capacity=100, equipment={"projector": 1})
STUDIO = Room(id=2, name="Studio", capacity=20)
NINE = 9 * 60
TEN = 10 * 60
ELEVEN = 11 * 60


def item(item_id: int, **fields: Any) -> Item:
    return Item(id=item_id, **{"title": f"Item {item_id}", "duration": 60, **fields})


def instance(items: list[Item], **fields: Any) -> Instance:
    return Instance(**{"days": [MON, TUE], "rooms": [HALL, STUDIO], "items": items, **fields})


def at(item_id: int, start: int, room: int = 1, run: int = 1) -> Placement:
    return Placement(item=item_id, run=run, room=room, start=start)


def found(problem: Instance, placements: list[Placement]) -> list[tuple[str, list[int]]]:
    return [(v.code, v.items) for v in validate(problem, placements)]


def test_validate_valid_schedule_is_clean() -> None:
    problem = instance(
        [
            item(1, seats=80, equipment={"projector": 1}, faculty=[10], windows=[Window(start=NINE, end=ELEVEN)]),
            item(2, runs=2, faculty=[10, 11], series="basics", series_position=1),
            item(3, faculty=[11], series="basics", series_position=2),
        ],
        people=[Person(id=10, name="Dr Ada"), Person(id=11, name="Dr Bo")],
        breaks=[Window(start=12 * 60, end=13 * 60)],
        precedences=[Precedence(before=1, after=3, gap=30)],
        pins=[at(1, NINE)],
        changeover=15,
    )
    placements = [at(1, NINE), at(2, TEN + 30, 2), at(2, 1440 + NINE, 2, run=2), at(3, 1440 + ELEVEN, 2)]
    assert validate(problem, placements) == []


def test_unplaced_missing_run_is_reported() -> None:
    problem = instance([item(1, runs=2), item(2)])
    assert found(problem, [at(1, NINE)]) == [("unplaced", [1]), ("unplaced", [2])]


def test_duplicate_run_placed_twice_is_reported_once() -> None:
    problem = instance([item(1)])
    assert found(problem, [at(1, NINE), at(1, ELEVEN, 2)]) == [("duplicate_run", [1])]


def test_unknown_item_is_reported_and_skipped() -> None:
    problem = instance([item(1)])
    assert found(problem, [at(1, NINE), at(7, NINE)]) == [("unknown_item", [7])]


def test_unknown_room_is_reported_and_skipped() -> None:
    problem = instance([item(1, seats=500)])
    assert found(problem, [at(1, NINE, room=9)]) == [("unknown_room", [1])]


def test_no_such_run_outside_range_is_reported() -> None:
    problem = instance([item(1, runs=2)])
    placements = [at(1, NINE), at(1, ELEVEN, run=2), at(1, NINE, run=0), at(1, NINE, run=3)]
    assert found(problem, placements) == [("no_such_run", [1]), ("no_such_run", [1])]


def test_room_too_small_when_seats_exceed_capacity() -> None:
    problem = instance([item(1, seats=21), item(2, seats=20)])
    assert found(problem, [at(1, NINE, 2), at(2, ELEVEN, 2)]) == [("room_too_small", [1])]


def test_missing_equipment_when_room_has_too_few() -> None:
    problem = instance([item(1, equipment={"projector": 2}), item(2, equipment={"projector": 1}), item(3)])
    placements = [at(1, NINE), at(2, ELEVEN), at(3, NINE, 2)]
    assert found(problem, placements) == [("missing_equipment", [1])]
    assert found(problem, [at(1, NINE), at(2, ELEVEN, 2), at(3, NINE, 2)]) == [
        ("missing_equipment", [1]),
        ("missing_equipment", [2]),
    ]


def test_outside_day_when_run_ends_after_day() -> None:
    problem = instance([item(1), item(2), item(3)])
    placements = [at(1, 17 * 60), at(2, 17 * 60 + 5, 2), at(3, 7 * 60 + 55)]
    assert found(problem, placements) == [("outside_day", [2]), ("outside_day", [3])]


def test_outside_day_when_run_spans_two_days() -> None:
    problem = instance([item(1, duration=2000)], days=[MON, Day(start=MON.end, end=TUE.end, midnight=1440)])
    assert found(problem, [at(1, MON.start)]) == [("outside_day", [1])]


def test_crosses_break_when_run_overlaps_lunch() -> None:
    problem = instance([item(1), item(2), item(3)], breaks=[Window(start=12 * 60, end=13 * 60)])
    placements = [at(1, 11 * 60), at(2, 13 * 60), at(3, 11 * 60 + 30, 2)]
    assert found(problem, placements) == [("crosses_break", [3])]


def test_outside_windows_when_run_is_in_none() -> None:
    windows = [Window(start=NINE, end=TEN), Window(start=1440 + NINE, end=1440 + TEN)]
    problem = instance([item(1, windows=windows), item(2, windows=windows), item(3, windows=windows)])
    placements = [at(1, NINE), at(2, 1440 + NINE), at(3, NINE + 30, 2)]
    assert found(problem, placements) == [("outside_windows", [3])]


def test_off_grid_start_not_on_step_from_day_start() -> None:
    problem = instance([item(1), item(2)], days=[Day(start=8 * 60 + 2, end=18 * 60, midnight=0)], step=15)
    assert found(problem, [at(1, 8 * 60 + 17), at(2, 8 * 60 + 30, 2)]) == [("off_grid", [2])]


def test_off_grid_pinned_run_is_fine() -> None:
    problem = instance([item(1), item(2, runs=2)], pins=[at(1, NINE + 3), at(2, NINE + 7, 2, run=2)])
    placements = [at(1, NINE + 3), at(2, ELEVEN + 1, 2), at(2, NINE + 7, 2, run=2)]
    assert found(problem, placements) == [("off_grid", [2])]


def test_room_clash_overlapping_runs_in_same_room() -> None:
    problem = instance([item(1), item(2), item(3)])
    placements = [at(1, NINE), at(2, NINE + 30), at(3, NINE + 30, 2)]
    assert found(problem, placements) == [("room_clash", [1, 2])]


def test_room_clash_each_pair_reported_once() -> None:
    problem = instance([item(1, duration=180), item(2), item(3)])
    placements = [at(1, NINE), at(2, TEN), at(3, ELEVEN)]
    assert found(problem, placements) == [("room_clash", [1, 2]), ("room_clash", [1, 3])]


def test_room_clash_touching_runs_do_not_clash() -> None:
    problem = instance([item(1, duration=60), item(2, duration=60)], days=[Day(start=0, end=1440, midnight=0)])
    assert found(problem, [at(1, 0), at(2, 60)]) == []


def test_room_unavailable_when_run_overlaps_closure() -> None:
    closed = Room(id=3, name="Room C", capacity=50, unavailable=[Window(start=TEN, end=ELEVEN)])
    problem = instance([item(1), item(2), item(3)], rooms=[HALL, STUDIO, closed])
    placements = [at(1, NINE, 3), at(2, ELEVEN, 3), at(3, TEN + 30, 2)]
    assert found(problem, placements) == []
    placements = [at(1, NINE + 5, 3), at(2, ELEVEN, 3), at(3, TEN + 30, 2)]
    assert found(problem, placements) == [("room_unavailable", [1])]


def test_person_clash_when_faculty_in_two_overlapping_runs() -> None:
    problem = instance([item(1, faculty=[10]), item(2, faculty=[10, 11]), item(3, faculty=[11])])
    placements = [at(1, NINE), at(2, NINE + 30, 2), at(3, ELEVEN)]
    assert found(problem, placements) == [("person_clash", [1, 2])]


def test_person_clash_unknown_person_is_checked_by_id() -> None:
    problem = instance([item(1, faculty=[99]), item(2, faculty=[99])])
    [violation] = validate(problem, [at(1, NINE), at(2, NINE, 2)])
    assert (violation.code, violation.items) == ("person_clash", [1, 2])
    assert violation.message.startswith("person 99 is in Item 1")


def test_changeover_too_short_between_rooms() -> None:
    problem = instance([item(1, faculty=[10]), item(2, faculty=[10])], changeover=15)
    assert found(problem, [at(1, NINE), at(2, TEN + 10, 2)]) == [("changeover", [1, 2])]
    assert found(problem, [at(2, NINE, 2), at(1, TEN + 10)]) == [("changeover", [2, 1])]


def test_changeover_exactly_equal_to_gap_is_fine() -> None:
    problem = instance([item(1, faculty=[10]), item(2, faculty=[10])], changeover=15)
    assert found(problem, [at(1, NINE), at(2, TEN + 15, 2)]) == []


def test_changeover_same_room_back_to_back_is_fine() -> None:
    problem = instance([item(1, faculty=[10]), item(2, faculty=[10])], changeover=15)
    assert found(problem, [at(1, NINE), at(2, TEN)]) == []


def test_person_unavailable_when_run_overlaps_absence() -> None:
    away = Person(
        id=10,
        name="Dr Ada",
        unavailable=[Window(start=TEN, end=ELEVEN)],
        preferred=[Window(start=1440, end=2880)],
    )
    problem = instance([item(1, faculty=[10]), item(2, faculty=[10]), item(3, faculty=[10])], people=[away])
    placements = [at(1, NINE), at(2, ELEVEN), at(3, TEN)]
    assert found(problem, placements) == [("person_unavailable", [3])]


def test_runs_overlap_when_two_runs_of_one_item_overlap() -> None:
    problem = instance([item(1, runs=3)])
    placements = [at(1, NINE), at(1, NINE + 30, 2, run=2), at(1, TEN + 30, 2, run=3)]
    assert found(problem, placements) == [("runs_overlap", [1])]


def test_precedence_run_by_run_when_run_counts_match() -> None:
    problem = instance([item(1, runs=2), item(2, runs=2)], precedences=[Precedence(before=1, after=2, gap=10)])
    # Run 1 of item 2 starts before run 2 of item 1 ends: fine, only run 1 of item 1 must come first.
    placements = [at(1, NINE), at(1, 1440 + NINE, run=2), at(2, TEN + 10, run=1), at(2, 1440 + TEN + 5, run=2)]
    assert found(problem, placements) == [("precedence", [1, 2])]
    placements = [at(1, NINE), at(1, 1440 + NINE, run=2), at(2, TEN + 10, run=1), at(2, 1440 + TEN + 10, run=2)]
    assert found(problem, placements) == []


def test_precedence_every_run_when_run_counts_differ() -> None:
    problem = instance([item(1, runs=2), item(2)], precedences=[Precedence(before=1, after=2)])
    placements = [at(1, NINE), at(1, 1440 + NINE, run=2), at(2, ELEVEN)]
    assert found(problem, placements) == [("precedence", [1, 2])]
    placements = [at(1, NINE), at(1, 1440 + NINE, run=2), at(2, 1440 + TEN)]
    assert found(problem, placements) == []


def test_precedence_skipped_when_a_run_is_unplaced() -> None:
    problem = instance([item(1), item(2)], precedences=[Precedence(before=1, after=2)])
    assert found(problem, [at(2, NINE)]) == [("unplaced", [1])]


def test_series_order_when_later_part_starts_first() -> None:
    problem = instance(
        [
            item(1, series="mri", series_position=1),
            item(2, series="mri", series_position=2, runs=2),
            item(3, series="mri", series_position=2),
            item(4, series="ct", series_position=1),
        ]
    )
    placements = [at(1, TEN), at(2, ELEVEN, run=1), at(2, NINE, 2, run=2), at(3, ELEVEN, 2), at(4, NINE)]
    assert found(problem, placements) == [("series_order", [1, 2])]


def test_series_order_ignores_items_without_position() -> None:
    problem = instance([item(1, series="mri", series_position=2), item(2, series="mri"), item(3, series_position=1)])
    assert found(problem, [at(1, NINE), at(2, 8 * 60), at(3, TEN)]) == []


def test_pin_moved_when_pinned_run_is_elsewhere_or_missing() -> None:
    problem = instance([item(1), item(2)], pins=[at(1, NINE), at(2, TEN)])
    assert found(problem, [at(1, NINE, 2), at(2, TEN)]) == [("pin_moved", [1])]
    assert found(problem, [at(1, NINE)]) == [("pin_moved", [2]), ("unplaced", [2])]


def test_messages_name_items_rooms_and_local_times() -> None:
    problem = instance(
        [item(1, code="W1", title="Knee MRI"), item(2, title="Shoulder US", seats=30)],
        days=[MON, Day(start=TUE.start, end=TUE.end, midnight=TUE.midnight)],
    )
    assert validate(problem, [at(1, 1440 + NINE, 2), at(2, 1440 + NINE + 30, 2)]) == [
        Violation(
            code="room_clash",
            message="W1 Knee MRI (day 2 09:00-10:00) and Shoulder US (day 2 09:30-10:30) overlap in Studio",
            items=[1, 2],
        ),
        Violation(code="room_too_small", message="Shoulder US needs 30 seats but Studio holds 20", items=[2]),
    ]


def test_messages_fall_back_to_minutes_outside_every_day() -> None:
    problem = instance([item(1)])
    [violation] = validate(problem, [at(1, 4000)])
    assert violation.message == "Item 1 (minute 4000-4060) is not within a programme day"


def test_result_is_sorted_and_independent_of_placement_order() -> None:
    problem = instance([item(i, faculty=[1], seats=50) for i in range(1, 9)], changeover=10)
    placements = [at(i, NINE + 20 * i, 1 + i % 2) for i in range(1, 9)]
    expected = validate(problem, placements)
    assert expected == sorted(expected, key=lambda v: (v.code, v.items, v.message))
    assert {v.code for v in expected} == {"changeover", "person_clash", "room_clash", "room_too_small"}
    shuffled = placements[:]
    random.Random(7).shuffle(shuffled)
    assert validate(problem, shuffled) == expected


def test_large_schedule_without_conflicts_is_clean() -> None:
    rooms = [Room(id=r, name=f"Room {r}", capacity=100) for r in range(20)]
    items = [item(i, faculty=[i % 100]) for i in range(800)]
    days = [Day(start=d * 1440, end=d * 1440 + 1440, midnight=d * 1440, label=f"D{d}") for d in range(40)]
    placements = [at(i, (i // 20) * 1440 + (i % 20 // 4) * 60, room=i % 20) for i in range(800)]
    problem = instance(items, rooms=rooms, days=days, changeover=5)
    assert validate(problem, placements) == []


def test_validate_does_not_import_ortools() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "import solver.validate, sys; assert 'ortools' not in sys.modules, 'ortools imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

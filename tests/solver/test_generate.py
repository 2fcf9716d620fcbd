"""The instance generator: determinism, scale, and room for a schedule by construction."""

from __future__ import annotations

import functools
from collections import Counter

import msgspec
import pytest

from solver.generate import generate
from solver.model import Instance, Item, Room, Window

SIZES = [10, 50, 100, 120, 121, 200, 400, 800]
LABS = {"ultrasound_station", "exam_workstation"}


@functools.cache
def _instance(items: int, seed: int = 1) -> Instance:
    return generate(items, seed)


def _fits(item: Item, room: Room) -> bool:
    return room.capacity >= item.seats and all(room.equipment.get(k, 0) >= v for k, v in item.equipment.items())


def _segments(instance: Instance) -> list[Window]:
    """The parts of every day between the breaks."""
    segments: list[Window] = []
    for day in instance.days:
        start = day.start
        for brk in sorted(instance.breaks, key=lambda w: w.start):
            if day.start <= brk.start < day.end:
                segments.append(Window(start=start, end=brk.start))
                start = brk.end
        segments.append(Window(start=start, end=day.end))
    return segments


def _open_minutes(room: Room, segments: list[Window]) -> int:
    return sum(s.end - s.start for s in segments) - sum(w.end - w.start for w in room.unavailable)


def test_generate_same_arguments_equal() -> None:
    first = generate(150, seed=7)
    second = generate(150, seed=7)
    assert first == second
    assert msgspec.json.encode(first) == msgspec.json.encode(second)


def test_generate_other_seed_differs() -> None:
    assert msgspec.json.encode(generate(100, seed=1)) != msgspec.json.encode(generate(100, seed=2))


def test_generate_zero_items_refused() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        generate(0)


@pytest.mark.parametrize(
    ("items", "rooms", "days"),
    [(10, 6, 3), (50, 6, 3), (100, 8, 3), (120, 9, 3), (150, 11, 3), (151, 11, 5), (200, 15, 5), (400, 30, 5)],
)
def test_generate_counts_scale_with_items(items: int, rooms: int, days: int) -> None:
    instance = _instance(items)
    assert len(instance.items) == items
    assert len(instance.rooms) == rooms
    assert len(instance.days) == days
    assert len(instance.people) == round(1.2 * items)


def test_generate_rooms_capped_at_35() -> None:
    assert len(_instance(800).rooms) == 35


def test_generate_ids_unique() -> None:
    instance = _instance(400)
    assert sorted(i.id for i in instance.items) == list(range(1, 401))
    assert len({r.id for r in instance.rooms}) == len(instance.rooms)
    assert len({p.id for p in instance.people}) == len(instance.people)


def test_generate_essr_rooms_shape() -> None:
    rooms = {r.name: r for r in _instance(100).rooms}
    assert rooms["Auditorium"].capacity == 600
    assert rooms["US-Lab"].equipment["ultrasound_station"] == 8
    assert rooms["US-Lab"].equipment["live_model_bay"] == 8
    assert rooms["US-Lab"].capacity == 24
    assert rooms["Exam Room"].equipment["exam_workstation"] == 4
    assert sum(1 for r in rooms.values() if 150 <= r.capacity <= 300) in {2, 3}
    assert all(40 <= r.capacity <= 80 for r in rooms.values() if r.capacity < 150 and not set(r.equipment) & LABS)


def test_generate_ecr_rooms_in_classes() -> None:
    rooms = _instance(400).rooms
    lecture = [r for r in rooms if not set(r.equipment) & LABS]
    assert sum(1 for r in rooms if "ultrasound_station" in r.equipment) == 2
    capacities = Counter(r.capacity for r in lecture)
    assert len(capacities) == 5
    assert max(capacities) == 2500
    assert min(capacities) == 60
    # Rooms of one class are interchangeable.
    for capacity in capacities:
        same = [r for r in lecture if r.capacity == capacity]
        assert all(r.equipment == same[0].equipment and r.unavailable == same[0].unavailable for r in same)


def test_generate_days_and_breaks_fixed() -> None:
    instance = _instance(200)
    for k, day in enumerate(instance.days):
        assert day.midnight == 1440 * k
        assert (day.start - day.midnight, day.end - day.midnight) == (480, 1110)
        assert day.label == f"Day {k + 1}"
    assert [(b.start % 1440, b.end % 1440) for b in instance.breaks] == [(750, 810)] * len(instance.days)
    assert instance.step == 15
    assert instance.changeover == 10
    assert instance.pins == []
    assert instance.previous == []


@pytest.mark.parametrize("items", SIZES)
def test_generate_every_item_fits_some_room(items: int) -> None:
    instance = _instance(items)
    for item in instance.items:
        assert any(_fits(item, room) for room in instance.rooms), item


@pytest.mark.parametrize("items", SIZES)
def test_generate_durations_fit_between_breaks(items: int) -> None:
    instance = _instance(items)
    segments = _segments(instance)
    for item in instance.items:
        assert item.duration in {30, 60, 90}
        allowed = item.windows or [d.window for d in instance.days]
        assert any(min(s.end, w.end) - max(s.start, w.start) >= item.duration for s in segments for w in allowed), item


def test_generate_durations_mostly_long() -> None:
    durations = Counter(i.duration for i in _instance(800).items)
    assert durations[60] + durations[90] > 0.75 * 800


@pytest.mark.parametrize("items", SIZES)
def test_generate_room_time_suffices_per_capacity(items: int) -> None:
    # Items that need at least a given capacity fit in the open time of the rooms that large.
    instance = _instance(items)
    segments = _segments(instance)
    lecture = [r for r in instance.rooms if not set(r.equipment) & LABS]
    capacities = sorted({r.capacity for r in lecture})
    lectures = [i for i in instance.items if not i.equipment]
    for k, capacity in enumerate(capacities):
        smaller = capacities[k - 1] if k else 0
        demand = sum(i.duration * i.runs for i in lectures if i.seats > smaller)
        supply = sum(_open_minutes(r, segments) for r in lecture if r.capacity >= capacity)
        assert demand <= 0.8 * supply, (capacity, demand, supply)


@pytest.mark.parametrize("items", [100, 200, 400, 800])
def test_generate_utilisation_about_two_thirds(items: int) -> None:
    instance = _instance(items)
    segments = _segments(instance)
    demand = sum(i.duration * i.runs for i in instance.items)
    supply = sum(_open_minutes(r, segments) for r in instance.rooms)
    assert 0.5 <= demand / supply <= 0.75


@pytest.mark.parametrize("items", SIZES)
def test_generate_workshops_two_runs_with_ultrasound(items: int) -> None:
    instance = _instance(items)
    workshops = [i for i in instance.items if i.runs > 1]
    assert workshops
    for item in workshops:
        assert item.runs == 2
        assert item.equipment.get("ultrasound_station", 0) > 0
        assert item.seats <= 16
    labs = [r for r in instance.rooms if "ultrasound_station" in r.equipment]
    lab_time = sum(_open_minutes(r, _segments(instance)) for r in labs)
    assert sum(i.duration * i.runs for i in workshops) <= 0.7 * lab_time


def test_generate_workshops_about_a_tenth() -> None:
    assert 7 <= sum(1 for i in _instance(100).items if i.runs == 2) <= 12


@pytest.mark.parametrize("items", SIZES)
def test_generate_faculty_exist(items: int) -> None:
    instance = _instance(items)
    people = {p.id for p in instance.people}
    for item in instance.items:
        assert 1 <= len(item.faculty) <= 3
        assert len(set(item.faculty)) == len(item.faculty)
        assert set(item.faculty) <= people


def test_generate_some_people_teach_several_items() -> None:
    instance = _instance(400)
    loads = Counter(p for i in instance.items for p in i.faculty)
    assert max(loads.values()) <= 4
    assert sum(1 for n in loads.values() if n >= 2) > 0.2 * len(instance.people)
    assert sum(1 for n in loads.values() if n == 1) > 0.4 * len(instance.people)


def test_generate_people_windows_share() -> None:
    instance = _instance(800)
    away = [p for p in instance.people if p.unavailable]
    preferring = [p for p in instance.people if p.preferred]
    assert len(away) == round(0.05 * len(instance.people))
    assert len(preferring) == round(0.10 * len(instance.people))
    half_days = {(s.start, s.end) for s in _segments(instance)}
    assert all(len(p.unavailable) == 1 and (p.unavailable[0].start, p.unavailable[0].end) in half_days for p in away)


@pytest.mark.parametrize("items", SIZES)
def test_generate_precedences_valid(items: int) -> None:
    instance = _instance(items)
    by_id = {i.id: i for i in instance.items}
    assert instance.precedences
    for precedence in instance.precedences:
        assert precedence.before in by_id
        assert precedence.after in by_id
        assert precedence.before != precedence.after
        assert by_id[precedence.before].runs == by_id[precedence.after].runs
        assert not by_id[precedence.before].windows
        assert not by_id[precedence.after].windows
    pairs = [(p.before, p.after) for p in instance.precedences]
    assert len(set(pairs)) == len(pairs)


@pytest.mark.parametrize("items", SIZES)
def test_generate_audiences_valid(items: int) -> None:
    instance = _instance(items)
    by_id = {i.id: i for i in instance.items}
    assert len(instance.audiences) == max(1, round(items / 10))
    for audience in instance.audiences:
        assert 3 <= len(audience.items) <= 5
        assert len(set(audience.items)) == len(audience.items)
        assert set(audience.items) <= set(by_id)
        assert 20 <= audience.size <= 200
        shared = set.intersection(*(set(by_id[i].topics) for i in audience.items))
        assert shared


@pytest.mark.parametrize("items", [50, 100, 400, 800])
def test_generate_series_valid(items: int) -> None:
    instance = _instance(items)
    series: dict[str, list[Item]] = {}
    for item in instance.items:
        if item.series is not None:
            series.setdefault(item.series, []).append(item)
        else:
            assert item.series_position is None
    assert len(series) == max(1, items // 50)
    for parts in series.values():
        assert sorted(p.series_position or 0 for p in parts) == [1, 2, 3]
        assert len({p.topics[0] for p in parts}) == 1
        assert all(p.runs == 1 and not p.windows for p in parts)


@pytest.mark.parametrize("items", SIZES)
def test_generate_day_windows_one_day(items: int) -> None:
    instance = _instance(items)
    restricted = [i for i in instance.items if i.windows]
    assert restricted
    segments = _segments(instance)
    days = {(d.start, d.end) for d in instance.days}
    for item in restricted:
        assert len(item.windows) == 1
        assert (item.windows[0].start, item.windows[0].end) in days
        # Some fitting room is open for a part of that day between breaks.
        parts = [seg for seg in segments if item.windows[0].contains(seg.start, seg.end)]
        assert any(
            _fits(item, room)
            and any(not any(w.overlaps(seg.start, seg.end) for w in room.unavailable) for seg in parts)
            for room in instance.rooms
        ), item


def test_generate_room_closures_inside_days() -> None:
    instance = _instance(400)
    for room in instance.rooms:
        for window in room.unavailable:
            assert any(d.window.contains(window.start, window.end) for d in instance.days)
        if set(room.equipment) & LABS:
            assert room.unavailable == []


def test_generate_topics_one_or_two() -> None:
    for item in _instance(400).items:
        assert 1 <= len(item.topics) <= 2
        assert len(set(item.topics)) == len(item.topics)

"""The demo bundle generator: limits, determinism, shape and room for a schedule."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import msgspec
import pytest

from congress.domain.bundle.schemas import Bundle, BundleItem
from congress.enums import Equipment, ItemKind
from examples.demo import build_bundle, main

if TYPE_CHECKING:
    from pathlib import Path

    from congress.domain.congresses.schemas import RoomCreate

ULTRASOUND_WORKSHOPS = {
    "Hands-on Workshop: Vascular Ultrasound",
    "Hands-on Workshop: Musculoskeletal Ultrasound",
    "Hands-on Workshop: Advanced applications of Ultrasound",
    "Hands-on Workshop: Interventional Ultrasound",
    "Hands-on Workshop: Abdominal Ultrasound",
}

SCALES = ["essr", pytest.param("ecr", marks=pytest.mark.slow)]


@functools.cache
def _bundle(scale: str, seed: int = 2026) -> Bundle:
    return build_bundle("ecr" if scale == "ecr" else "essr", seed)


@pytest.fixture
def essr() -> Bundle:
    return _bundle("essr")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _blocks(bundle: Bundle) -> list[tuple[int, int]]:
    """The stretches of a day between breaks, in minutes after midnight."""
    congress = bundle.congress
    edges = [_minutes(congress.day_start)]
    for b in sorted(congress.breaks, key=lambda b: b.start):
        edges += [_minutes(b.start), _minutes(b.end)]
    edges.append(_minutes(congress.day_end))
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _room_minutes(bundle: Bundle) -> dict[str, int]:
    """Bookable minutes per room over the congress, less the room's closures."""
    blocks = _blocks(bundle)
    days = (bundle.congress.last_day - bundle.congress.first_day).days + 1
    per_day = sum(end - start for start, end in blocks)
    available = {room.name: per_day * days for room in bundle.rooms}
    zone = ZoneInfo(bundle.congress.time_zone)
    for window in bundle.availability:
        if window.room is None:
            continue
        start = window.starts_at.astimezone(zone)
        end = window.ends_at.astimezone(zone)
        assert start.date() == end.date()
        lo, hi = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        available[window.room] -= sum(max(0, min(hi, e) - max(lo, s)) for s, e in blocks)
    return available


def _fits(item: BundleItem, room: RoomCreate) -> bool:
    seats = max(item.expected_attendance, item.capacity or 0)
    equipment = all(room.equipment.get(kind, 0) >= n for kind, n in item.required_equipment.items())
    return room.capacity >= seats and equipment


def _demand(item: BundleItem) -> int:
    return item.duration_minutes * item.runs


def test_essr_bundle_round_trips_through_validation(essr: Bundle) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(essr), type=Bundle)

    assert decoded == essr


def test_bundle_same_seed_gives_identical_json() -> None:
    first = msgspec.json.encode(build_bundle("essr", seed=7))
    second = msgspec.json.encode(build_bundle("essr", seed=7))

    assert first == second


def test_bundle_different_seed_gives_different_json() -> None:
    assert msgspec.json.encode(build_bundle("essr", seed=7)) != msgspec.json.encode(build_bundle("essr", seed=8))


def test_essr_congress_spans_three_days_in_lugano(essr: Bundle) -> None:
    congress = essr.congress

    assert (congress.slug, congress.time_zone) == ("essr-2026", "Europe/Zurich")
    assert (congress.first_day, congress.last_day) == (dt.date(2026, 6, 18), dt.date(2026, 6, 20))
    assert (congress.cme.daily_cap, congress.cme.half_day_cap) == (6, 3)


def test_essr_rooms_include_one_ultrasound_lab_and_one_exam_room(essr: Bundle) -> None:
    labs = [r for r in essr.rooms if r.equipment.get(Equipment.ULTRASOUND_STATION, 0) > 0]
    exam = [r for r in essr.rooms if r.equipment.get(Equipment.EXAM_WORKSTATION, 0) > 0]

    assert 7 <= len(essr.rooms) <= 10
    assert len({r.name for r in essr.rooms}) == len(essr.rooms)
    assert [(r.name, r.equipment[Equipment.ULTRASOUND_STATION]) for r in labs] == [("US-Lab", 8)]
    assert labs[0].equipment[Equipment.LIVE_MODEL_BAY] == 8
    assert [r.equipment[Equipment.EXAM_WORKSTATION] for r in exam] == [4]


def test_essr_items_have_unique_codes(essr: Bundle) -> None:
    codes = [item.code for item in essr.items]

    assert 50 <= len(codes) <= 80
    assert len(set(codes)) == len(codes)


def test_essr_ultrasound_workshops_run_twice(essr: Bundle) -> None:
    workshops = [i for i in essr.items if i.kind == ItemKind.HANDS_ON_WORKSHOP]

    assert {i.title for i in workshops} == ULTRASOUND_WORKSHOPS
    assert {i.runs for i in workshops} == {2}
    assert {i.capacity for i in workshops} == {24}
    assert all(f.role == "tutor" for i in workshops for f in i.faculty)
    assert all(
        i.required_equipment == {Equipment.ULTRASOUND_STATION: 8, Equipment.LIVE_MODEL_BAY: 8} for i in workshops
    )


def test_essr_quiz_runs_twice(essr: Bundle) -> None:
    quizzes = [i for i in essr.items if i.kind == ItemKind.QUIZ]

    assert [(i.title, i.runs) for i in quizzes] == [("Ultrasound Quiz", 2)]


def test_essr_efomp_part_b_follows_part_a(essr: Bundle) -> None:
    parts = [i for i in essr.items if i.kind == ItemKind.EFOMP_WORKSHOP]
    part_a = next(i for i in parts if "(part A)" in i.title)
    part_b = next(i for i in parts if "(part B)" in i.title)

    assert part_b.follows == [part_a.code]
    assert part_a.follows == []


def test_essr_transatlantic_parts_follow_in_order(essr: Bundle) -> None:
    parts = sorted(
        (i for i in essr.items if i.kind == ItemKind.TRANSATLANTIC_COURSE),
        key=lambda i: i.series_position or 0,
    )

    assert [i.series_position for i in parts] == [1, 2, 3]
    assert len({i.series for i in parts}) == 1
    assert [i.follows for i in parts] == [[], [parts[0].code], [parts[1].code]]


def test_essr_rising_stars_positions_are_consecutive(essr: Bundle) -> None:
    series = [i for i in essr.items if i.kind == ItemKind.RISING_STARS]

    assert len(series) >= 3
    assert len({i.series for i in series}) == 1
    assert sorted(i.series_position or 0 for i in series) == list(range(1, len(series) + 1))


def test_essr_every_item_has_one_to_four_faculty(essr: Bundle) -> None:
    counts = [len(item.faculty) for item in essr.items]

    assert min(counts) >= 1
    assert max(counts) <= 4
    assert all(len({f.email for f in i.faculty}) == len(i.faculty) for i in essr.items)


def test_essr_faculty_count_is_about_eighty(essr: Bundle) -> None:
    faculty = {f.email for item in essr.items for f in item.faculty}

    assert 60 <= len(faculty) <= 120


def test_essr_people_have_unique_lower_case_emails(essr: Bundle) -> None:
    emails = [p.email for p in essr.people]

    assert 600 <= len(emails) <= 700
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() for e in emails)


def test_essr_registrations_are_one_per_person_at_most(essr: Bundle) -> None:
    emails = [r.email for r in essr.registrations]

    assert 500 <= len(emails) <= 800
    assert len(set(emails)) == len(emails)
    assert set(emails) <= {p.email for p in essr.people}


def test_essr_references_name_people_rooms_and_items(essr: Bundle) -> None:
    people = {p.email for p in essr.people}
    rooms = {r.name for r in essr.rooms}
    codes = {i.code for i in essr.items}

    assert {f.email for i in essr.items for f in i.faculty} <= people
    assert {a.person for a in essr.availability if a.person is not None} <= people
    assert {a.room for a in essr.availability if a.room is not None} <= rooms
    assert {code for i in essr.items for code in i.follows} <= codes


def test_essr_availability_has_faculty_rows_and_a_room_closure(essr: Bundle) -> None:
    faculty_rows = [a for a in essr.availability if a.person is not None]
    room_rows = [a for a in essr.availability if a.room is not None]

    assert 10 <= len(faculty_rows) <= 15
    assert len(room_rows) >= 1
    assert all((a.person is None) != (a.room is None) for a in essr.availability)
    assert all(a.starts_at < a.ends_at for a in essr.availability)


def test_essr_datetimes_carry_an_offset(essr: Bundle) -> None:
    moments = [r.registered_at for r in essr.registrations]
    moments += [m for a in essr.availability for m in (a.starts_at, a.ends_at)]

    assert all(m.utcoffset() is not None for m in moments)
    assert all(a.starts_at.utcoffset() == dt.timedelta(hours=2) for a in essr.availability)
    assert max(moments[: len(essr.registrations)]) < dt.datetime(2026, 6, 18, tzinfo=dt.UTC)


@pytest.mark.parametrize("scale", SCALES)
def test_bundle_items_each_fit_some_room(scale: str) -> None:
    bundle = _bundle(scale)

    misfits = [i.code for i in bundle.items if not any(_fits(i, r) for r in bundle.rooms)]

    assert misfits == []


@pytest.mark.parametrize("scale", SCALES)
def test_bundle_item_minutes_stay_below_room_minutes(scale: str) -> None:
    bundle = _bundle(scale)

    demand = sum(_demand(i) for i in bundle.items)
    supply = sum(_room_minutes(bundle).values())

    assert demand < 0.6 * supply


@pytest.mark.parametrize("scale", SCALES)
def test_bundle_items_fit_the_rooms_that_can_take_them(scale: str) -> None:
    # For every set of rooms that some item can use, the items restricted to that
    # set must not need more minutes than those rooms offer (Hall's condition).
    bundle = _bundle(scale)
    supply = _room_minutes(bundle)
    eligible = {i.code: frozenset(r.name for r in bundle.rooms if _fits(i, r)) for i in bundle.items}

    overloaded = []
    for rooms in set(eligible.values()):
        demand = sum(_demand(i) for i in bundle.items if eligible[i.code] <= rooms)
        if demand > sum(supply[name] for name in rooms):
            overloaded.append(sorted(rooms))

    assert overloaded == []


def test_essr_workshops_and_quiz_fit_the_ultrasound_lab(essr: Bundle) -> None:
    supply = _room_minutes(essr)["US-Lab"]
    needs_lab = [i for i in essr.items if Equipment.ULTRASOUND_STATION in i.required_equipment]

    assert sum(i.runs for i in needs_lab) == 12
    assert sum(_demand(i) for i in needs_lab) <= supply


def test_main_writes_a_bundle_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "essr.json"

    assert main(["--scale", "essr", "--seed", "3", "--out", str(out), "--pretty"]) == 0

    bundle = msgspec.json.decode(out.read_bytes(), type=Bundle)
    assert bundle == build_bundle("essr", 3)
    assert "essr-2026" in capsys.readouterr().out


@pytest.mark.slow
def test_ecr_bundle_has_benchmark_shape() -> None:
    bundle = _bundle("ecr")
    decoded = msgspec.json.decode(msgspec.json.encode(bundle), type=Bundle)
    faculty = {f.email for item in bundle.items for f in item.faculty}
    emails = [p.email for p in bundle.people]

    assert decoded == bundle
    assert (bundle.congress.slug, bundle.congress.time_zone) == ("ecr-2027", "Europe/Vienna")
    assert (bundle.congress.last_day - bundle.congress.first_day).days + 1 == 5
    assert 25 <= len(bundle.rooms) <= 35
    assert 400 <= len(bundle.items) <= 600
    assert len({i.code for i in bundle.items}) == len(bundle.items)
    assert 1200 <= len(faculty) <= 1800
    assert 20_000 <= len(bundle.registrations) <= 30_000
    assert len(set(emails)) == len(emails)
    assert faculty <= set(emails)

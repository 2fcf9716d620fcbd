"""Rows to engine records and back: minutes, windows, availability, daylight-saving time."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from congress.scheduling.adapter import build_instance
from solver.model import Window
from solver.prep import clock
from tests.factories import Api, small_programme


def test_days_breaks_and_minutes_follow_the_congress_zone(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    with Session(clean_db) as session:
        instance, mapping = build_instance(session, uuid.UUID(p["congress"]))
    # Europe/Zurich in June is UTC+2; minute 0 is local midnight of the first day; days run 08:00-18:30.
    assert mapping.origin == dt.datetime(2026, 6, 17, 22, 0, tzinfo=dt.UTC)
    assert [(d.start, d.end, d.midnight) for d in instance.days] == [
        (480, 1110, 0),
        (1920, 2550, 1440),
        (3360, 3990, 2880),
    ]
    assert instance.breaks[0] == Window(start=750, end=810)
    assert mapping.moment(mapping.minute(mapping.origin + dt.timedelta(minutes=615))) == mapping.origin + dt.timedelta(
        minutes=615
    )


def test_a_spring_forward_night_shortens_the_gap_between_days(api: Api, clean_db: Engine) -> None:
    c = api.congress(time_zone="Europe/Vienna", first_day="2027-03-27", last_day="2027-03-29")
    with Session(clean_db) as session:
        instance, _ = build_instance(session, uuid.UUID(c["id"]))
    starts = [d.start for d in instance.days]
    # 08:00 local each day; the clocks go forward in the night to Sunday 28 March.
    assert starts == [480, 480 + 24 * 60 - 60, 480 + 48 * 60 - 60]
    assert [clock(instance, d.start) for d in instance.days] == [
        "Sat 27 Mar 08:00",
        "Sun 28 Mar 08:00",
        "Mon 29 Mar 08:00",
    ]


def test_declared_availability_closes_the_rest_of_the_programme(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    api.availability(
        cid,
        person_id=p["people"]["prof"],
        kind="available",
        starts_at="2026-06-19T09:00:00+02:00",
        ends_at="2026-06-19T12:00:00+02:00",
    )
    api.availability(
        cid,
        person_id=p["people"]["tutor"],
        kind="preferred",
        starts_at="2026-06-18T14:00:00+02:00",
        ends_at="2026-06-18T18:00:00+02:00",
    )
    with Session(clean_db) as session:
        instance, mapping = build_instance(session, uuid.UUID(cid))
    prof = next(x for x in instance.people if x.id == mapping.people[uuid.UUID(p["people"]["prof"])])
    assert prof.unavailable == [
        Window(start=480, end=1110),
        Window(start=1920, end=1980),
        Window(start=2160, end=2550),
        Window(start=3360, end=3990),
    ]
    tutor = next(x for x in instance.people if x.id == mapping.people[uuid.UUID(p["people"]["tutor"])])
    assert (tutor.unavailable, tutor.preferred) == ([], [Window(start=840, end=1080)])


def test_items_carry_seats_equipment_runs_and_faculty(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    with Session(clean_db) as session:
        instance, mapping = build_instance(session, uuid.UUID(p["congress"]))
    workshop = next(i for i in instance.items if i.code == "HW 1")
    assert (workshop.seats, workshop.runs, workshop.equipment, workshop.duration) == (
        16,
        2,
        {"ultrasound_station": 8},
        90,
    )
    knee, shoulder = (next(i for i in instance.items if i.code == c) for c in ("RC 1", "RC 2"))
    assert knee.faculty == shoulder.faculty == [mapping.people[uuid.UUID(p["people"]["prof"])]]
    assert knee.seats == knee.people == 300


def test_overlapping_closures_of_a_room_are_joined(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    hall = p["rooms"]["hall"]
    api.availability(cid, room_id=hall, starts_at="2026-06-18T08:00:00+02:00", ends_at="2026-06-18T12:30:00+02:00")
    api.availability(cid, room_id=hall, starts_at="2026-06-18T10:00:00+02:00", ends_at="2026-06-18T14:00:00+02:00")
    with Session(clean_db) as session:
        instance, mapping = build_instance(session, uuid.UUID(cid))
    room = next(r for r in instance.rooms if r.id == mapping.rooms[uuid.UUID(hall)])
    assert room.unavailable == [Window(start=480, end=840)]

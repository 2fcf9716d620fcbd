"""A small released programme for the renderer tests: two rooms, a workshop run twice, a talk, a cancelled run.

Europe/Vienna, days spanning the end of daylight saving time (Sun 25 Oct 2026),
so local offsets differ between days.
"""

from __future__ import annotations

import datetime as dt
import uuid

from congress.publishing.snapshot import Event, FacultyEntry, Programme, RoomEntry

UTC = dt.UTC
CONGRESS_ID = uuid.UUID("0190a000-0000-7000-8000-000000000001")
HALL = RoomEntry(id=uuid.UUID("0190a000-0000-7000-8000-0000000000a1"), name="Hall A", capacity=400, number=1)
LAB = RoomEntry(id=uuid.UUID("0190a000-0000-7000-8000-0000000000a2"), name="US-Lab; 2nd floor", capacity=24, number=2)
TALK_ID = uuid.UUID("0190a000-0000-7000-8000-0000000000b1")
WORKSHOP_ID = uuid.UUID("0190a000-0000-7000-8000-0000000000b2")
GONE_ID = uuid.UUID("0190a000-0000-7000-8000-0000000000b3")
SPEAKER = FacultyEntry(
    person_id=uuid.UUID("0190a000-0000-7000-8000-0000000000c1"),
    name="Prof. Zoë Müller-Łukasiewicz",
    role="speaker",
    institution="Medizinische Universität Wien",
)
TUTOR = FacultyEntry(person_id=uuid.UUID("0190a000-0000-7000-8000-0000000000c2"), name="Dr. Ana O'Neill", role="tutor")
BASE_URL = "https://congress.example.org"
RELEASED_AT = dt.datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def _event(item_id: uuid.UUID, run: int, runs: int, number: int, **fields: object) -> Event:
    values: dict[str, object] = {
        "uid": f"{item_id}.{run}@essr-2026.congress",
        "number": number,
        "item_id": item_id,
        "run": run,
        "runs": runs,
        "code": None,
        "kind": "refresher_course",
        "title": "",
        "description": "",
        "topics": (),
        "room_id": HALL.id,
        "room": HALL.name,
        "faculty": (),
        "sequence": 0,
        "cancelled": False,
        "changed_at": RELEASED_AT,
        "changed_in": 1,
        "url": f"{BASE_URL}/api/congresses/{CONGRESS_ID}/items/{item_id}",
    }
    values.update(fields)
    return Event(**values)  # type: ignore[arg-type]


def sample_programme() -> Programme:
    events = (
        _event(
            TALK_ID,
            1,
            1,
            1,
            code="RC 101",
            title="Shoulder MRI: what the surgeon wants to know, from rotator cuff to labrum, in one long title line",
            description="Refresher course.\nThree talks; questions at the end, commas, semicolons; and \\ backslashes.",
            topics=("shoulder", "MRI"),
            starts_at=dt.datetime(2026, 10, 24, 7, 0, tzinfo=UTC),  # 09:00 CEST
            ends_at=dt.datetime(2026, 10, 24, 8, 30, tzinfo=UTC),
            faculty=(SPEAKER,),
            sequence=2,
            changed_in=3,
        ),
        _event(
            WORKSHOP_ID,
            1,
            2,
            2,
            code="HW 1",
            kind="hands_on_workshop",
            title="Ultrasound of the ankle",
            topics=("ankle", "ultrasound"),
            room_id=LAB.id,
            room=LAB.name,
            starts_at=dt.datetime(2026, 10, 24, 12, 0, tzinfo=UTC),  # 14:00 CEST
            ends_at=dt.datetime(2026, 10, 24, 13, 30, tzinfo=UTC),
            faculty=(TUTOR, SPEAKER),
        ),
        _event(
            WORKSHOP_ID,
            2,
            2,
            3,
            code="HW 1",
            kind="hands_on_workshop",
            title="Ultrasound of the ankle",
            topics=("ankle", "ultrasound"),
            room_id=LAB.id,
            room=LAB.name,
            starts_at=dt.datetime(2026, 10, 25, 8, 0, tzinfo=UTC),  # 09:00 CET, after the clocks went back
            ends_at=dt.datetime(2026, 10, 25, 9, 30, tzinfo=UTC),
            faculty=(TUTOR,),
        ),
        _event(
            GONE_ID,
            1,
            1,
            4,
            code="=cmd|' /C calc'!A0",
            title="+Withdrawn session",
            starts_at=dt.datetime(2026, 10, 25, 10, 0, tzinfo=UTC),
            ends_at=dt.datetime(2026, 10, 25, 11, 0, tzinfo=UTC),
            sequence=1,
            cancelled=True,
            changed_in=2,
        ),
    )
    return Programme(
        congress_id=CONGRESS_ID,
        slug="essr-2026",
        name="ESSR 2026 Annual Meeting",
        venue="Austria Center Vienna",
        city="Vienna",
        time_zone="Europe/Vienna",
        first_day=dt.date(2026, 10, 24),
        last_day=dt.date(2026, 10, 25),
        day_start=dt.time(8, 0),
        day_end=dt.time(18, 0),
        version=3,
        released_at=RELEASED_AT,
        base_url=BASE_URL,
        rooms=(HALL, LAB),
        events=tuple(sorted(events, key=lambda e: (e.starts_at, e.room, e.uid))),
    )

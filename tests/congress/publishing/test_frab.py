"""frab / c3voc exports: valid against the upstream schemas (checked by real validators), DST-correct local times."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from congress.publishing.frab import acronym, event_guid, frab_json, frab_xml
from congress.publishing.snapshot import Event, Programme
from tests.congress.publishing.samples import (
    GONE_ID,
    HALL,
    LAB,
    SPEAKER,
    TALK_ID,
    TUTOR,
    WORKSHOP_ID,
    sample_programme,
)

SCHEMAS = Path(__file__).parents[2] / "data" / "c3voc-schedule"
JSON_SCHEMA = SCHEMAS / "schema.json"
XSD = SCHEMAS / "schedule.xml.xsd"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
XMLLINT = "/usr/bin/xmllint"
UTC = dt.UTC


def validate_json(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "schedule.json"
    path.write_bytes(data)
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(JSON_SCHEMA), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def validate_xml(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "schedule.xml"
    path.write_bytes(data)
    return subprocess.run(
        [XMLLINT, "--noout", "--schema", str(XSD), str(path)], capture_output=True, text=True, check=False
    )


def assert_valid(programme: Programme, tmp_path: Path) -> None:
    checked = validate_json(frab_json(programme), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = validate_xml(frab_xml(programme), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def json_days(data: bytes) -> list[dict[str, Any]]:
    days: list[dict[str, Any]] = json.loads(data)["schedule"]["conference"]["days"]
    return days


def json_events(data: bytes) -> list[dict[str, Any]]:
    return [event for day in json_days(data) for events in day["rooms"].values() for event in events]


def xml_events(data: bytes) -> list[ET.Element]:
    return ET.fromstring(data).findall("./day/room/event")


def with_events(programme: Programme, *extra: Event) -> Programme:
    events = sorted((*programme.events, *extra), key=lambda e: (e.starts_at, e.room, e.uid))
    return msgspec.structs.replace(programme, events=tuple(events))


def live(programme: Programme, item_id: uuid.UUID, run: int = 1) -> Event:
    return next(e for e in programme.events if e.item_id == item_id and e.run == run)


def extra_event(programme: Programme, number: int, starts_at: dt.datetime, **fields: Any) -> Event:
    """A copy of the talk as another item, starting at ``starts_at`` and lasting an hour."""
    item_id = uuid.UUID(int=number)
    return msgspec.structs.replace(
        live(programme, TALK_ID),
        uid=f"{item_id}.1@essr-2026.congress",
        item_id=item_id,
        number=number,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        **fields,
    )


def test_frab_json_sample_valid_against_schema(tmp_path: Path) -> None:
    checked = validate_json(frab_json(sample_programme()), tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_frab_xml_sample_valid_against_xsd(tmp_path: Path) -> None:
    checked = validate_xml(frab_xml(sample_programme()), tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "validates" in checked.stderr


def _json_id_zero(event: dict[str, Any]) -> None:
    event["id"] = 0


def _json_date_without_offset(event: dict[str, Any]) -> None:
    event["date"] = "2026-10-24T09:00:00"


@pytest.mark.parametrize(
    ("breakage", "complaint"),
    [(_json_id_zero, "less than the minimum of 1"), (_json_date_without_offset, "is not a 'date-time'")],
    ids=["id-zero", "date-without-offset"],
)
def test_frab_json_validator_broken_document_rejected(
    tmp_path: Path, breakage: Callable[[dict[str, Any]], None], complaint: str
) -> None:
    document = json.loads(frab_json(sample_programme()))
    breakage(document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0])

    checked = validate_json(json.dumps(document).encode(), tmp_path)

    assert checked.returncode != 0
    assert complaint in checked.stdout + checked.stderr


def _xml_id_zero(event: ET.Element) -> None:
    event.set("id", "0")


def _xml_date_without_offset(event: ET.Element) -> None:
    date = event.find("date")
    assert date is not None
    date.text = "2026-10-24T09:00:00"


@pytest.mark.parametrize(
    ("breakage", "complaint"),
    [(_xml_id_zero, "attribute 'id'"), (_xml_date_without_offset, "Element 'date'")],
    ids=["id-zero", "date-without-offset"],
)
def test_frab_xml_validator_broken_document_rejected(
    tmp_path: Path, breakage: Callable[[ET.Element], None], complaint: str
) -> None:
    root = ET.fromstring(frab_xml(sample_programme()))
    event = root.find("./day/room/event")
    assert event is not None
    breakage(event)

    checked = validate_xml(ET.tostring(root, encoding="utf-8", xml_declaration=True), tmp_path)

    assert checked.returncode != 0
    assert complaint in checked.stderr
    assert "fails to validate" in checked.stderr


def test_frab_json_conference_describes_programme() -> None:
    document = json.loads(frab_json(sample_programme()))

    assert document["generator"] == {"name": "congress"}
    assert document["schedule"]["version"] == "3"
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "essr_2026"
    assert conference["title"] == "ESSR 2026 Annual Meeting"
    assert (conference["start"], conference["end"], conference["daysCount"]) == ("2026-10-24", "2026-10-25", 2)
    assert conference["timeslot_duration"] == "00:15"
    assert conference["time_zone_name"] == "Europe/Vienna"
    assert conference["url"] == "https://congress.example.org/api/congresses/0190a000-0000-7000-8000-000000000001"
    assert conference["rooms"] == [
        {"name": "Hall A", "guid": str(HALL.id), "capacity": 400},
        {"name": "US-Lab; 2nd floor", "guid": str(LAB.id), "capacity": 24},
    ]


def test_frab_xml_conference_describes_programme() -> None:
    root = ET.fromstring(frab_xml(sample_programme()))

    generator = root.find("generator")
    assert generator is not None
    assert generator.get("name") == "congress"
    assert root.findtext("version") == "3"
    assert root.findtext("conference/acronym") == "essr_2026"
    assert root.findtext("conference/days") == "2"
    assert root.findtext("conference/time_zone_name") == "Europe/Vienna"
    rooms = root.findall("day/room")
    assert [(r.get("name"), r.get("guid")) for r in rooms[:2]] == [
        ("Hall A", str(HALL.id)),
        ("US-Lab; 2nd floor", str(LAB.id)),
    ]


def test_frab_xml_declaration_utf8() -> None:
    data = frab_xml(sample_programme())

    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<schedule>")
    assert "Prof. Zoë Müller-Łukasiewicz".encode() in data


def test_frab_json_days_local_across_dst_change() -> None:
    days = json_days(frab_json(sample_programme()))

    assert [(d["index"], d["date"], d["day_start"], d["day_end"]) for d in days] == [
        (1, "2026-10-24", "2026-10-24T08:00:00+02:00", "2026-10-24T18:00:00+02:00"),
        (2, "2026-10-25", "2026-10-25T08:00:00+01:00", "2026-10-25T18:00:00+01:00"),
    ]


def test_frab_json_event_times_local_across_dst_change() -> None:
    events = {e["id"]: e for e in json_events(frab_json(sample_programme()))}

    assert (events[1]["date"], events[1]["start"], events[1]["duration"]) == (
        "2026-10-24T09:00:00+02:00",
        "09:00",
        "01:30",
    )
    assert events[1]["end"] == "2026-10-24T10:30:00+02:00"
    assert (events[2]["date"], events[2]["start"]) == ("2026-10-24T14:00:00+02:00", "14:00")
    # 08:00 UTC is 09:00 after the clocks went back, not 10:00.
    assert (events[3]["date"], events[3]["start"], events[3]["duration"]) == (
        "2026-10-25T09:00:00+01:00",
        "09:00",
        "01:30",
    )


def test_frab_xml_event_times_local_across_dst_change() -> None:
    root = ET.fromstring(frab_xml(sample_programme()))

    days = root.findall("day")
    assert [(d.get("index"), d.get("date"), d.get("start"), d.get("end")) for d in days] == [
        ("1", "2026-10-24", "2026-10-24T08:00:00+02:00", "2026-10-24T18:00:00+02:00"),
        ("2", "2026-10-25", "2026-10-25T08:00:00+01:00", "2026-10-25T18:00:00+01:00"),
    ]
    seen = {
        (day.get("date"), e.get("id"), e.findtext("date"), e.findtext("start"), e.findtext("duration"))
        for day in days
        for e in day.iter("event")
    }
    assert seen == {
        ("2026-10-24", "1", "2026-10-24T09:00:00+02:00", "09:00", "01:30"),
        ("2026-10-24", "2", "2026-10-24T14:00:00+02:00", "14:00", "01:30"),
        ("2026-10-25", "3", "2026-10-25T09:00:00+01:00", "09:00", "01:30"),
    }


def test_frab_cancelled_event_absent() -> None:
    programme = sample_programme()
    gone = live(programme, GONE_ID)
    assert gone.cancelled

    json_data, xml_data = frab_json(programme), frab_xml(programme)

    assert sorted(e["id"] for e in json_events(json_data)) == [1, 2, 3]
    assert sorted(e.get("id", "") for e in xml_events(xml_data)) == ["1", "2", "3"]
    for data in (json_data, xml_data):
        assert b"Withdrawn" not in data
        assert str(event_guid(gone)).encode() not in data


def test_frab_json_event_fields_from_programme() -> None:
    programme = sample_programme()
    event = next(e for e in json_events(frab_json(programme)) if e["id"] == 2)

    assert event == {
        "id": 2,
        "guid": str(
            uuid.uuid5(uuid.UUID("5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61"), f"{WORKSHOP_ID}.1@essr-2026.congress")
        ),
        "date": "2026-10-24T14:00:00+02:00",
        "start": "14:00",
        "end": "2026-10-24T15:30:00+02:00",
        "duration": "01:30",
        "room": "US-Lab; 2nd floor",
        "slug": "essr_2026-2-ultrasound-of-the-ankle",
        "url": live(programme, WORKSHOP_ID).url,
        "title": "Ultrasound of the ankle",
        "subtitle": "",
        "track": "ankle",
        "type": "hands_on_workshop",
        "language": "en",
        "abstract": "",
        "description": "",
        "persons": [
            {"guid": str(TUTOR.person_id), "name": "Dr. Ana O'Neill", "public_name": "Dr. Ana O'Neill"},
            {"guid": str(SPEAKER.person_id), "name": SPEAKER.name, "public_name": SPEAKER.name},
        ],
        "links": [],
        "attachments": [],
    }


def test_frab_json_track_without_topics_is_kind(tmp_path: Path) -> None:
    programme = sample_programme()
    bare = extra_event(programme, 9, dt.datetime(2026, 10, 24, 9, 0, tzinfo=UTC), topics=(), title="")
    programme = with_events(programme, bare)

    event = next(e for e in json_events(frab_json(programme)) if e["id"] == 9)

    assert (event["track"], event["type"], event["slug"]) == (
        "refresher_course",
        "refresher_course",
        "essr_2026-9-event",
    )
    assert_valid(programme, tmp_path)


def test_frab_persons_present() -> None:
    programme = sample_programme()

    json_persons = {e["id"]: e["persons"] for e in json_events(frab_json(programme))}
    xml_persons = {
        e.get("id"): [(p.get("guid"), p.text) for p in e.findall("persons/person")]
        for e in xml_events(frab_xml(programme))
    }

    assert [p["name"] for p in json_persons[1]] == [SPEAKER.name]
    assert [p["guid"] for p in json_persons[3]] == [str(TUTOR.person_id)]
    assert xml_persons == {
        "1": [(str(SPEAKER.person_id), SPEAKER.name)],
        "2": [(str(TUTOR.person_id), TUTOR.name), (str(SPEAKER.person_id), SPEAKER.name)],
        "3": [(str(TUTOR.person_id), TUTOR.name)],
    }


def test_frab_persons_two_roles_listed_once(tmp_path: Path) -> None:
    programme = sample_programme()
    chair = msgspec.structs.replace(SPEAKER, role="chair")
    talk = msgspec.structs.replace(live(programme, TALK_ID), faculty=(chair, SPEAKER))
    programme = msgspec.structs.replace(programme, events=tuple(talk if e.number == 1 else e for e in programme.events))

    event = next(e for e in json_events(frab_json(programme)) if e["id"] == 1)

    assert [p["guid"] for p in event["persons"]] == [str(SPEAKER.person_id)]
    assert_valid(programme, tmp_path)


def test_frab_guid_stable_across_renders_and_distinct_per_event() -> None:
    first, second = frab_json(sample_programme()), frab_json(sample_programme())

    guids = [e["guid"] for e in json_events(first)]
    assert guids == [e["guid"] for e in json_events(second)]
    assert len(set(guids)) == 3
    assert {e.get("guid") for e in xml_events(frab_xml(sample_programme()))} == set(guids)


def test_frab_guid_follows_uid_not_number() -> None:
    programme = sample_programme()
    talk = live(programme, TALK_ID)

    renumbered = msgspec.structs.replace(talk, number=99, title="Renamed")

    assert event_guid(renumbered) == event_guid(talk)
    assert event_guid(msgspec.structs.replace(talk, uid="other")) != event_guid(talk)
    assert event_guid(talk).version == 5


def test_frab_event_outside_day_window_lands_on_local_day(tmp_path: Path) -> None:
    programme = sample_programme()
    early = extra_event(programme, 10, dt.datetime(2026, 10, 24, 5, 30, tzinfo=UTC), title="Early <bird> & coffee")
    # 22:30 UTC on the 24th is 00:30 on the 25th in Vienna (still summer time until 03:00).
    night = extra_event(programme, 11, dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC), title="Night session")
    programme = with_events(programme, early, night)

    days = json_days(frab_json(programme))

    by_day = {d["date"]: sorted(e["id"] for es in d["rooms"].values() for e in es) for d in days}
    assert by_day == {"2026-10-24": [1, 2, 10], "2026-10-25": [3, 11]}
    assert days[0]["day_start"] == "2026-10-24T07:30:00+02:00"
    assert days[1]["day_start"] == "2026-10-25T00:30:00+02:00"
    assert days[1]["day_end"] == "2026-10-25T18:00:00+01:00"
    xml_days = {
        d.get("date"): sorted(int(e.get("id", "0")) for e in d.iter("event"))
        for d in ET.fromstring(frab_xml(programme)).findall("day")
    }
    assert xml_days == by_day
    assert_valid(programme, tmp_path)


def test_frab_event_after_last_day_adds_day(tmp_path: Path) -> None:
    programme = sample_programme()
    programme = with_events(programme, extra_event(programme, 12, dt.datetime(2026, 10, 26, 19, 0, tzinfo=UTC)))

    conference = json.loads(frab_json(programme))["schedule"]["conference"]

    assert (conference["end"], conference["daysCount"]) == ("2026-10-26", 3)
    last = conference["days"][-1]
    assert (last["index"], last["date"], last["day_end"]) == (3, "2026-10-26", "2026-10-26T21:00:00+01:00")
    assert [e["id"] for e in last["rooms"]["Hall A"]] == [12]
    assert_valid(programme, tmp_path)


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("essr-2026", "essr_2026"), ("ecr2027", "ecr2027"), ("ecr", "ecr_"), ("essr-2026-vienna", "essr-2026-vienna")],
)
def test_acronym_slug_fits_schema_pattern(slug: str, expected: str) -> None:
    assert acronym(slug) == expected


@pytest.mark.parametrize("slug", ["ecr", "essr-2026-vienna", "a1-b2-c3"])
def test_frab_other_slugs_valid(tmp_path: Path, slug: str) -> None:
    assert_valid(msgspec.structs.replace(sample_programme(), slug=slug), tmp_path)


def test_frab_time_zone_name_rejected_by_schema_left_out(tmp_path: Path) -> None:
    programme = msgspec.structs.replace(sample_programme(), time_zone="Etc/GMT-1")

    conference = json.loads(frab_json(programme))["schedule"]["conference"]

    assert "time_zone_name" not in conference
    assert conference["days"][0]["day_start"] == "2026-10-24T08:00:00+01:00"
    assert ET.fromstring(frab_xml(programme)).find("conference/time_zone_name") is None
    assert_valid(programme, tmp_path)


def test_frab_event_room_not_among_rooms_listed(tmp_path: Path) -> None:
    programme = sample_programme()
    annex = extra_event(programme, 13, dt.datetime(2026, 10, 24, 9, 0, tzinfo=UTC), room="Annex", room_id=None)
    renamed = extra_event(programme, 14, dt.datetime(2026, 10, 24, 10, 0, tzinfo=UTC), room="Old Hall A")
    programme = with_events(programme, annex, renamed)

    conference = json.loads(frab_json(programme))["schedule"]["conference"]

    rooms = [(r["name"], r["guid"], r["capacity"]) for r in conference["rooms"]]
    assert [name for name, _, _ in rooms] == ["Hall A", "US-Lab; 2nd floor", "Annex", "Old Hall A"]
    assert len({guid for _, guid, _ in rooms}) == 4
    assert rooms[2][2] is None
    assert [e["id"] for e in conference["days"][0]["rooms"]["Annex"]] == [13]
    assert [e["id"] for e in conference["days"][0]["rooms"]["Old Hall A"]] == [14]
    assert_valid(programme, tmp_path)


def test_frab_xml_stays_well_formed_when_stored_text_holds_control_characters(tmp_path: Path) -> None:
    """Rows stored before the API refused control characters still export as valid XML."""
    programme = sample_programme()
    dirty = msgspec.structs.replace(programme.live_events[0], title="Knee\x0b MRI\x1b[1m", description="bell\x07")
    events = tuple(dirty if e.uid == dirty.uid else e for e in programme.events)
    data = frab_xml(msgspec.structs.replace(programme, events=events))
    checked = validate_xml(data, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert b"<title>Knee MRI[1m</title>" in data

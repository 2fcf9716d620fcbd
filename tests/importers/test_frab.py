"""``importers.frab.read_frab``: frab/c3voc ``schedule.json`` and ``schedule.xml`` into records."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import zoneinfo
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.frab import read_frab
from importers.records import FrabPerson, FrabRoom, ParsedFrab

DATA = pathlib.Path(__file__).parent.parent / "data" / "c3voc-schedule"
PRETALX = DATA / "example-pretalx-democon.json"
VIENNA = zoneinfo.ZoneInfo("Europe/Vienna")
CET = dt.timezone(dt.timedelta(hours=1))
CEST = dt.timezone(dt.timedelta(hours=2))


def codes(parsed: ParsedFrab) -> list[str]:
    return [p.code for p in parsed.problems]


def talk(guid: str | None = "guid-1", **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": 101,
        "date": "2026-06-18T09:00:00+02:00",
        "start": "09:00",
        "duration": "00:45",
        "room": "Hall A",
        "title": "Knee MR",
        "track": "MSK",
        "type": "Lecture",
        "language": "en",
        "persons": [],
    }
    if guid is not None:
        event["guid"] = guid
    for name, value in fields.items():
        if value is None:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def schedule_json(*events: dict[str, Any], room: str = "Hall A", **conference: Any) -> bytes:
    """A small schedule.json: one day (18 June 2026), the events listed under ``room``."""
    document: dict[str, Any] = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "congress"},
        "schedule": {
            "version": "3",
            "conference": {
                "acronym": "essr_2026",
                "title": "ESSR 2026",
                "start": "2026-06-18",
                "end": "2026-06-20",
                "daysCount": 3,
                "timeslot_duration": "00:15",
                "time_zone_name": "Europe/Vienna",
                "rooms": [{"name": "Hall A", "guid": "room-a", "capacity": 300}, {"name": "Hall B"}],
                "days": [
                    {
                        "index": 1,
                        "date": "2026-06-18",
                        "day_start": "2026-06-18T08:00:00+02:00",
                        "day_end": "2026-06-19T02:00:00+02:00",
                        "rooms": {room: list(events)},
                    }
                ],
            },
        },
    }
    conf = document["schedule"]["conference"]
    for name, value in conference.items():
        if value is None:
            conf.pop(name, None)
        else:
            conf[name] = value
    return json.dumps(document, indent=2).encode("utf-8")


# --- the pretalx example -------------------------------------------------------------------------------------------


def test_frab_pretalx_example_parses_without_problems() -> None:
    parsed = read_frab(PRETALX.read_bytes(), "democon.json")
    assert parsed.problems == []
    schedule = parsed.schedule
    assert schedule is not None
    assert (schedule.title, schedule.acronym, schedule.time_zone, schedule.source) == (
        "DemoCon",
        "democon",
        "UTC",
        "json",
    )
    assert (schedule.first_day, schedule.last_day) == (dt.date(2020, 12, 14), dt.date(2020, 12, 16))
    assert [r.name for r in schedule.rooms] == ["Gray Room", "Tan Room"]
    assert len(schedule.events) == 36
    assert len({e.key for e in schedule.events}) == 36
    first = schedule.events[0]
    assert first.key == "8079583e-8321-506c-95af-fd2903a5f075"
    assert first.title == "Focused 5thgeneration hardware"
    assert first.room == "Gray Room"
    assert first.starts_at == dt.datetime(2020, 12, 14, 9, tzinfo=CET)
    assert first.starts_at.utcoffset() == dt.timedelta(hours=1)
    assert first.duration_minutes == 30
    assert (first.track, first.type, first.language) == ("Phased", "Talk", "en")
    assert first.abstract == "Brand back-end models!"
    assert first.url == "http://localhost/democon/talk/G9JGWY/"
    assert first.persons == [FrabPerson(name="Brian Robinson")]
    assert first.where == '$.schedule.conference.days[0].rooms["Gray Room"][0]'
    workshop = next(e for e in schedule.events if e.key == "bd773c8c-47c8-5098-8c82-ee7358d3cda2")
    assert workshop.duration_minutes == 90
    assert workshop.type == "Workshop"


def test_frab_pretalx_example_never_copies_biographies() -> None:
    parsed = read_frab(PRETALX.read_bytes(), "democon.json")
    assert "Break through direction" not in repr(parsed)


# --- JSON ----------------------------------------------------------------------------------------------------------


def test_frab_json_our_export_shape() -> None:
    event = talk(
        "5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61",
        end="2026-06-18T09:45:00+02:00",
        slug="essr_2026-101-knee-mr",
        url="https://congress.example.org/e/101",
        subtitle="",
        abstract="",
        description="Knees, MR",
        persons=[
            {"guid": "11111111-2222-3333-4444-555555555555", "name": "Anna Muster", "public_name": "Anna Muster"},
            {"public_name": "Ben Beispiel", "email": "ben@example.org"},
        ],
        links=[],
        attachments=[],
    )
    parsed = read_frab(schedule_json(event), "schedule.json")
    assert parsed.problems == []
    assert parsed.schedule is not None
    [read] = parsed.schedule.events
    assert read.key == "5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61"
    assert read.starts_at == dt.datetime(2026, 6, 18, 7, tzinfo=dt.UTC)
    assert read.duration_minutes == 45
    assert read.description == "Knees, MR"
    assert read.persons == [
        FrabPerson(name="Anna Muster", guid="11111111-2222-3333-4444-555555555555"),
        FrabPerson(name="Ben Beispiel", email="ben@example.org"),
    ]
    assert parsed.schedule.rooms == [FrabRoom(name="Hall A", guid="room-a", capacity=300), FrabRoom(name="Hall B")]
    assert parsed.schedule.time_zone == "Europe/Vienna"


def test_frab_json_id_is_the_key_when_there_is_no_guid() -> None:
    parsed = read_frab(schedule_json(talk(None, id=7)), "s.json")
    assert parsed.schedule is not None
    assert [e.key for e in parsed.schedule.events] == ["7"]


def test_frab_json_duplicate_guid_is_a_problem() -> None:
    parsed = read_frab(schedule_json(talk("same"), talk("same", title="Second")), "s.json")
    assert parsed.schedule is not None
    assert [e.title for e in parsed.schedule.events] == ["Knee MR"]
    [problem] = parsed.problems
    assert (problem.code, problem.column, problem.row) == ("duplicate_event", "guid", None)
    assert '$.schedule.conference.days[0].rooms["Hall A"][1]' in problem.message
    assert '$.schedule.conference.days[0].rooms["Hall A"][0]' in problem.message


def test_frab_json_missing_fields_are_problems_naming_the_event() -> None:
    events = [
        talk("ok"),
        talk("no-title", title=None),
        talk("no-date", date=None, start=None),
        talk("no-duration", duration=None),
        talk(None, id=None),
    ]
    parsed = read_frab(schedule_json(*events, room="Saal 1"), "s.json")
    assert parsed.schedule is not None
    assert [e.key for e in parsed.schedule.events] == ["ok"]
    where = '$.schedule.conference.days[0].rooms["Saal 1"]'
    assert [(p.code, p.column, p.message.split(":")[0]) for p in parsed.problems] == [
        ("missing_field", "title", f"{where}[1]"),
        ("missing_field", "date", f"{where}[2]"),
        ("missing_field", "duration", f"{where}[3]"),
        ("missing_field", "guid", f"{where}[4]"),
    ]


def test_frab_json_room_comes_from_the_list_it_is_in_when_missing() -> None:
    parsed = read_frab(schedule_json(talk("r", room=None), room="Hall B"), "s.json")
    assert parsed.schedule is not None
    assert parsed.problems == []
    assert parsed.schedule.events[0].room == "Hall B"


def test_frab_json_rooms_include_those_only_events_name() -> None:
    parsed = read_frab(schedule_json(talk("x", room="Side Room")), "s.json")
    assert parsed.schedule is not None
    assert [r.name for r in parsed.schedule.rooms] == ["Hall A", "Hall B", "Side Room"]


def test_frab_json_unparsable_date_and_duration_are_problems() -> None:
    parsed = read_frab(
        schedule_json(talk("d", date="18.06.2026 09:00"), talk("m", duration="45 min"), talk("s", duration="0:75")),
        "s.json",
    )
    assert parsed.schedule is not None
    assert parsed.schedule.events == []
    assert [(p.code, p.column) for p in parsed.problems] == [
        ("invalid_value", "date"),
        ("invalid_value", "duration"),
        ("invalid_value", "duration"),
    ]


def test_frab_json_duration_with_seconds_rounds_up() -> None:
    parsed = read_frab(schedule_json(talk("a", duration="1:30:00"), talk("b", duration="0:10:01")), "s.json")
    assert parsed.schedule is not None
    assert [e.duration_minutes for e in parsed.schedule.events] == [90, 11]


def test_frab_json_naive_date_uses_the_conference_time_zone() -> None:
    parsed = read_frab(schedule_json(talk("n", date="2026-06-18T09:00:00")), "s.json")
    assert parsed.schedule is not None
    assert parsed.schedule.events[0].starts_at == dt.datetime(2026, 6, 18, 9, tzinfo=VIENNA)
    assert parsed.schedule.events[0].starts_at.astimezone(dt.UTC) == dt.datetime(2026, 6, 18, 7, tzinfo=dt.UTC)


def test_frab_json_naive_date_without_any_time_zone_is_a_problem() -> None:
    parsed = read_frab(schedule_json(talk("n", date="2026-06-18T09:00:00"), time_zone_name=None), "s.json")
    assert parsed.schedule is not None
    assert parsed.schedule.time_zone is None
    assert [(p.code, p.column) for p in parsed.problems] == [("missing_time_zone", "date")]


def test_frab_json_start_and_day_date_combine_in_the_conference_zone() -> None:
    parsed = read_frab(
        schedule_json(talk("a", date=None, start="10:15"), talk("late", date=None, start="00:30")),
        "s.json",
    )
    assert parsed.problems == []
    assert parsed.schedule is not None
    # The day starts at 08:00, so 00:30 is the night after (19 June).
    assert [e.starts_at for e in parsed.schedule.events] == [
        dt.datetime(2026, 6, 18, 10, 15, tzinfo=VIENNA),
        dt.datetime(2026, 6, 19, 0, 30, tzinfo=VIENNA),
    ]


def test_frab_json_unknown_conference_time_zone_is_a_problem() -> None:
    parsed = read_frab(schedule_json(talk("a"), time_zone_name="Mars/Olympus_Mons"), "s.json")
    assert parsed.schedule is not None
    assert parsed.schedule.time_zone is None
    assert [(p.code, p.column) for p in parsed.problems] == [("unknown_time_zone", "time_zone_name")]
    assert len(parsed.schedule.events) == 1  # its date has an offset


def test_frab_json_days_come_from_the_days_without_start_and_end() -> None:
    parsed = read_frab(schedule_json(talk("a"), start=None, end=None), "s.json")
    assert parsed.schedule is not None
    assert (parsed.schedule.first_day, parsed.schedule.last_day) == (dt.date(2026, 6, 18), dt.date(2026, 6, 18))


def test_frab_json_conference_datetime_start_and_end_give_dates() -> None:
    parsed = read_frab(
        schedule_json(talk("a"), start="2026-06-18T08:00:00+02:00", end="2026-06-20T18:00:00+02:00"), "s.json"
    )
    assert parsed.schedule is not None
    assert (parsed.schedule.first_day, parsed.schedule.last_day) == (dt.date(2026, 6, 18), dt.date(2026, 6, 20))


def test_frab_json_wrong_shapes_are_problems_not_crashes() -> None:
    parsed = read_frab(schedule_json("not an event", talk("ok"), persons="Anna"), "s.json")  # type: ignore[arg-type]
    assert parsed.schedule is not None
    assert [e.key for e in parsed.schedule.events] == ["ok"]
    assert codes(parsed) == ["invalid_value"]
    document = json.loads(schedule_json(talk("ok")))
    document["schedule"]["conference"]["days"] = {"index": 1}
    parsed = read_frab(json.dumps(document).encode(), "s.json")
    assert codes(parsed) == ["invalid_value"]


def test_frab_json_that_is_not_a_schedule() -> None:
    assert codes(read_frab(b'{"events": []}', "s.json")) == ["not_a_schedule"]
    assert codes(read_frab(b'{"schedule": {"conference": []}}', "s.json")) == ["not_a_schedule"]


def test_frab_json_syntax_error_names_the_line() -> None:
    [problem] = read_frab(b'{\n  "schedule": {\n    "version": 1,,\n  }\n}\n', "s.json").problems
    assert (problem.code, problem.row) == ("unreadable_file", 3)


def test_frab_json_not_utf8_is_bad_encoding() -> None:
    data = schedule_json(talk("a", title="Cafe")).replace(b"Cafe", "Café".encode("latin-1"))
    assert codes(read_frab(data, "s.json")) == ["bad_encoding"]


def test_frab_json_deep_nesting_is_unreadable() -> None:
    assert codes(read_frab(b'{"a":' * 100_000, "s.json")) == ["unreadable_file"]


# --- XML ---------------------------------------------------------------------------------------------------------


SCHEDULE_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<schedule>
  <generator name="congress"/>
  <version>3</version>
  <conference>
    <acronym>essr_2026</acronym>
    <title>ESSR 2026</title>
    <start>2026-06-18</start>
    <end>2026-06-20</end>
    <days>3</days>
    <timeslot_duration>00:15</timeslot_duration>
    <time_zone_name>Europe/Vienna</time_zone_name>
  </conference>
  <day index="1" date="2026-06-18" start="2026-06-18T08:00:00+02:00" end="2026-06-18T19:00:00+02:00">
    <room name="Hall A" guid="0f6e0c9a-4b7d-5e2f-8a3c-6d9b0e1f2a74">
      <event guid="5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61" id="101">
        <room>Hall A</room>
        <title>Knee MR</title>
        <subtitle/>
        <type>Lecture</type>
        <date>2026-06-18T09:00:00+02:00</date>
        <start>09:00</start>
        <duration>01:30</duration>
        <abstract>Short</abstract>
        <slug>essr_2026-101-knee-mr</slug>
        <track>MSK</track>
        <persons>
          <person guid="11111111-2222-3333-4444-555555555555">Anna Muster</person>
          <person id="7">Ben  Beispiel</person>
        </persons>
        <language>en</language>
        <description>About knees &amp; MR</description>
        <links/>
        <attachments/>
        <url>https://congress.example.org/e/101</url>
      </event>
      <event guid="5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a62" id="102">
        <room>Hall A</room>
        <title>Shoulder US</title>
        <type>Hands-on</type>
        <date>2026-06-18T11:00:00+02:00</date>
        <start>11:00</start>
        <duration>2:00:00</duration>
        <abstract/>
        <track>MSK</track>
      </event>
    </room>
  </day>
</schedule>
"""


def test_frab_xml_schedule_parses() -> None:
    parsed = read_frab(SCHEDULE_XML, "schedule.xml")
    assert parsed.problems == []
    schedule = parsed.schedule
    assert schedule is not None
    assert (schedule.title, schedule.acronym, schedule.time_zone, schedule.source) == (
        "ESSR 2026",
        "essr_2026",
        "Europe/Vienna",
        "xml",
    )
    assert (schedule.first_day, schedule.last_day) == (dt.date(2026, 6, 18), dt.date(2026, 6, 20))
    assert schedule.rooms == [FrabRoom(name="Hall A", guid="0f6e0c9a-4b7d-5e2f-8a3c-6d9b0e1f2a74")]
    knee, shoulder = schedule.events
    assert knee.key == "5c0d4b38-6a2e-5d8e-9f0a-3c1e7b2d9a61"
    assert knee.starts_at == dt.datetime(2026, 6, 18, 9, tzinfo=CEST)
    assert knee.duration_minutes == 90
    assert knee.description == "About knees & MR"
    assert knee.persons == [
        FrabPerson(name="Anna Muster", guid="11111111-2222-3333-4444-555555555555"),
        FrabPerson(name="Ben Beispiel"),
    ]
    assert knee.where == "line 16"
    assert (shoulder.duration_minutes, shoulder.type, shoulder.where) == (120, "Hands-on", "line 37")


def test_frab_xml_problems_carry_the_line() -> None:
    broken = SCHEDULE_XML.replace(b"<title>Shoulder US</title>", b"<title> </title>").replace(
        b"<duration>2:00:00</duration>", b"<duration>two hours</duration>"
    )
    parsed = read_frab(broken, "schedule.xml")
    assert parsed.schedule is not None
    assert len(parsed.schedule.events) == 1
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [
        ("missing_field", 37, "title"),
        ("invalid_value", 37, "duration"),
    ]
    assert parsed.problems[0].message.startswith("line 37:")


def test_frab_xml_duplicate_guid_is_a_problem() -> None:
    duplicate = SCHEDULE_XML.replace(b"9a62", b"9a61")
    parsed = read_frab(duplicate, "schedule.xml")
    assert [(p.code, p.row) for p in parsed.problems] == [("duplicate_event", 37)]


def test_frab_xml_billion_laughs_is_unsafe() -> None:
    entities = "\n".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    payload = f"""<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY lol0 "lol">
{entities}
]>
<schedule><conference><title>&lol9;</title></conference></schedule>
""".encode()
    parsed = read_frab(payload, "evil.xml")
    assert parsed.schedule is None
    assert codes(parsed) == ["unsafe_xml"]


def test_frab_xml_external_entity_is_unsafe() -> None:
    payload = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<schedule><conference><title>&secret;</title></conference></schedule>
"""
    parsed = read_frab(payload, "evil.xml")
    assert codes(parsed) == ["unsafe_xml"]
    assert "root:" not in repr(parsed)


def test_frab_xml_that_is_not_a_schedule() -> None:
    assert codes(read_frab(b"<html><body/></html>", "s.xml")) == ["not_a_schedule"]
    assert codes(read_frab(b"<schedule><day/></schedule>", "s.xml")) == ["not_a_schedule"]


def test_frab_xml_broken_markup_names_the_line() -> None:
    [problem] = read_frab(b"<schedule>\n<conference>\n</schedule>\n", "s.xml").problems
    assert (problem.code, problem.row) == ("unreadable_file", 3)


def test_frab_xml_declared_latin1_is_read_and_undeclared_latin1_is_bad_encoding() -> None:
    latin = SCHEDULE_XML.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"').replace(
        b"Knee MR", "Knié MR".encode("latin-1")
    )
    parsed = read_frab(latin, "s.xml")
    assert parsed.problems == []
    assert parsed.schedule is not None
    assert parsed.schedule.events[0].title == "Knié MR"
    undeclared = SCHEDULE_XML.replace(b"Knee MR", "Knié MR".encode("latin-1"))
    assert codes(read_frab(undeclared, "s.xml")) == ["bad_encoding"]


# --- any bytes -----------------------------------------------------------------------------------------------------


def test_frab_format_is_told_by_content_not_name() -> None:
    parsed = read_frab(b"\xef\xbb\xbf \n" + SCHEDULE_XML, "schedule.json")
    assert parsed.schedule is not None
    assert parsed.schedule.source == "xml"
    assert parsed.schedule.events[0].where == "line 17"  # lines as in the file, blank first line included
    parsed = read_frab(b"\n\n" + schedule_json(talk("a")), "schedule.xml")
    assert parsed.schedule is not None
    assert parsed.schedule.source == "json"


def test_frab_garbage_is_unreadable() -> None:
    assert codes(read_frab(bytes(range(256)), "s.json")) == ["unreadable_file"]
    assert codes(read_frab(b"title;room\nKnee;Hall A\n", "s.csv")) == ["unreadable_file"]


def test_frab_empty_and_too_large() -> None:
    assert codes(read_frab(b"", "s.json")) == ["empty_file"]
    assert codes(read_frab(b"  \n", "s.json")) == ["empty_file"]
    data = schedule_json(talk("a"))
    assert codes(read_frab(data, "s.json", max_bytes=len(data) - 1)) == ["too_large"]
    assert codes(read_frab(data, "s.json", max_bytes=len(data))) == []


# --- fuzzing -------------------------------------------------------------------------------------------------------


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_JSON = schedule_json(talk("a"), talk("b", date=None, start="23:30", persons=[{"name": "Anna"}]))


def check(parsed: ParsedFrab) -> None:
    assert isinstance(parsed, ParsedFrab)
    if parsed.schedule is not None:
        for event in parsed.schedule.events:
            assert event.starts_at.tzinfo is not None
            assert event.key
            assert event.title
            assert event.room
    for problem in parsed.problems:
        assert problem.code
        assert problem.file == "fuzz"


def mutate(document: bytes, data: st.DataObject) -> bytes:
    mutated = bytearray(document)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        if not mutated:
            break
        kind = data.draw(st.sampled_from(["truncate", "flip", "delete_line", "duplicate_line"]), label="kind")
        index = data.draw(st.integers(0, len(mutated) - 1), label="index")
        if kind == "truncate":
            del mutated[index:]
        elif kind == "flip":
            mutated[index] = data.draw(st.integers(0, 255), label="byte")
        else:
            lines = bytes(mutated).split(b"\n")
            line = data.draw(st.integers(0, len(lines) - 1), label="line")
            if kind == "delete_line":
                del lines[line]
            else:
                lines.insert(line, lines[line])
            mutated = bytearray(b"\n".join(lines))
    return bytes(mutated)


@FUZZ
@given(st.binary(max_size=2_000))
def test_frab_random_bytes_never_raise(data: bytes) -> None:
    check(read_frab(data, "fuzz"))


@FUZZ
@given(st.data())
def test_frab_mutated_json_never_raises(data: st.DataObject) -> None:
    check(read_frab(mutate(SMALL_JSON, data), "fuzz"))


@FUZZ
@given(st.data())
def test_frab_mutated_xml_never_raises(data: st.DataObject) -> None:
    check(read_frab(mutate(SCHEDULE_XML, data), "fuzz"))

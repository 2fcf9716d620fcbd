"""Imports through the API: every problem located, nothing half-written, re-imports change nothing."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api

EXAMPLES = Path(__file__).resolve().parents[4] / "examples" / "imports"


def upload(
    api: Api, congress_id: str, route: str, name: str, data: bytes, status: int = 200, **query: Any
) -> dict[str, Any]:
    params = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in query.items())
    path = f"/api/congresses/{congress_id}/imports/{route}" + (f"?{params}" if params else "")
    response = api.client.post(path, files={"file": (name, data, "application/octet-stream")}, headers=api.headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def counts(report: dict[str, Any], kind: str) -> tuple[int, int, int, int]:
    c = report["counts"][kind]
    return c["created"], c["updated"], c["unchanged"], c["deleted"]


def vienna(api: Api) -> str:
    congress = api.congress(time_zone="Europe/Vienna", first_day="2026-06-18", last_day="2026-06-20")
    cid: str = congress["id"]
    return cid


ROOMS_CSV = 'Name;Capacity;Equipment\r\nHall A;400;projector=1\r\nUS-Lab;20;"ultrasound_station=8; projector=1"\r\n'


def test_dry_run_counts_what_would_change_and_writes_nothing(api: Api) -> None:
    cid = vienna(api)
    report = upload(api, cid, "tables/rooms", "rooms.csv", ROOMS_CSV.encode("cp1252"), dry_run=True)
    assert (report["dry_run"], report["written"]) == (True, False)
    assert counts(report, "rooms") == (2, 0, 0, 0)
    assert report["read_as"].startswith("csv")
    assert api.call("GET", f"/api/congresses/{cid}/rooms")["total"] == 0


def test_import_writes_and_reimport_changes_nothing(api: Api) -> None:
    cid = vienna(api)
    first = upload(api, cid, "tables/rooms", "rooms.csv", ROOMS_CSV.encode("cp1252"))
    assert (first["written"], counts(first, "rooms")) == (True, (2, 0, 0, 0))
    again = upload(api, cid, "tables/rooms", "rooms.csv", ROOMS_CSV.encode("cp1252"))
    assert counts(again, "rooms") == (0, 0, 2, 0)
    lab = next(r for r in api.call("GET", f"/api/congresses/{cid}/rooms")["items"] if r["name"] == "US-Lab")
    assert (lab["capacity"], lab["equipment"]) == (20, {"ultrasound_station": 8, "projector": 1})
    bigger = ROOMS_CSV.replace("US-Lab;20", "US-Lab;24")
    assert counts(upload(api, cid, "tables/rooms", "rooms.csv", bigger.encode()), "rooms") == (0, 1, 1, 0)


def test_any_problem_writes_nothing_and_every_problem_is_located(api: Api) -> None:
    cid = vienna(api)
    data = b"name,capacity,equipment\nHall A,400,\nHall B,lots,\nHall C,10,teleporter=1\nHall A,5,\n"
    problem = upload(api, cid, "tables/rooms", "rooms.csv", data, status=422)
    assert problem["code"] == "invalid_file"
    located = {(p["row"], p["column"], p["code"]) for p in problem["problems"]}
    assert (3, "capacity", "invalid_value") in located
    assert (4, "equipment", "invalid_value") in located
    assert (5, None, "duplicate_row") in located
    assert all(p["file"] == "rooms.csv" for p in problem["problems"])
    # Hall A was valid, but nothing is written while any row has a problem.
    assert api.call("GET", f"/api/congresses/{cid}/rooms")["total"] == 0


def test_dry_run_reports_problems_without_failing(api: Api) -> None:
    cid = vienna(api)
    report = upload(api, cid, "tables/rooms", "rooms.csv", b"name,capacity\nHall B,lots\n", dry_run=True)
    assert (report["written"], [p["code"] for p in report["problems"]]) == (False, ["invalid_value"])


def test_missing_required_column_is_a_problem_for_the_file(api: Api) -> None:
    cid = vienna(api)
    problem = upload(api, cid, "tables/rooms", "rooms.csv", b"name,seats_available\nHall B,10\n", status=422)
    assert [(p["code"], p["column"]) for p in problem["problems"]] == [("missing_column", "capacity")]


def test_truncated_workbook_is_refused_with_a_problem(api: Api) -> None:
    cid = vienna(api)
    data = (EXAMPLES / "items.xlsx").read_bytes()
    problem = upload(api, cid, "tables/items", "items.xlsx", data[: len(data) // 2], status=422)
    assert problem["problems"][0]["code"] == "unreadable_file"


def test_formula_in_a_workbook_is_refused_not_evaluated(api: Api) -> None:
    cid = vienna(api)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "capacity"])
    sheet.append(["Hall A", "=10*40"])
    buffer = io.BytesIO()
    book.save(buffer)
    problem = upload(api, cid, "tables/rooms", "rooms.xlsx", buffer.getvalue(), status=422)
    assert [(p["row"], p["column"], p["code"]) for p in problem["problems"]] == [(2, "capacity", "formula_not_allowed")]


def load_examples(api: Api, cid: str) -> dict[str, dict[str, Any]]:
    reports = {}
    for kind, name in (
        ("rooms", "rooms.csv"),
        ("people", "people.csv"),
        ("memberships", "memberships.csv"),
        ("registrations", "registrations.csv"),
        ("items", "items.xlsx"),
        ("availability", "availability.csv"),
    ):
        reports[kind] = upload(api, cid, f"tables/{kind}", name, (EXAMPLES / name).read_bytes())
        assert reports[kind]["problems"] == [], reports[kind]["problems"]
    return reports


def test_example_files_import_cleanly_and_twice_change_nothing(api: Api) -> None:
    cid = vienna(api)
    first = load_examples(api, cid)
    assert all(r["written"] for r in first.values())
    assert first["items"]["counts"]["items"]["created"] > 0
    second = load_examples(api, cid)
    for kind, report in second.items():
        for what, c in report["counts"].items():
            assert (c["created"], c["updated"], c["deleted"]) == (0, 0, 0), (kind, what, c)
    items = api.call("GET", f"/api/congresses/{cid}/items?limit=500")["items"]
    assert any(item["kind"] == "hands_on_workshop" for item in items)


def test_registrations_create_new_people_when_a_name_is_given(api: Api) -> None:
    cid = vienna(api)
    data = (
        b"email;category;registered_at;name\r\n"
        b"new.person@example.org;full;2026-02-01T09:00:00+01:00;Nina Neu\r\n"
        b"nameless@example.org;day;2026-02-02T09:00:00+01:00;\r\n"
    )
    problem = upload(api, cid, "tables/registrations", "reg.csv", data, status=422)
    assert [(p["row"], p["code"]) for p in problem["problems"]] == [(3, "unknown_person")]
    ok = upload(api, cid, "tables/registrations", "reg.csv", data.split(b"\r\nnameless")[0] + b"\r\n")
    assert counts(ok, "people")[0] == 1
    assert counts(ok, "registrations") == (1, 0, 0, 0)


def test_naive_datetimes_are_problems(api: Api) -> None:
    cid = vienna(api)
    api.person(name="Ada", email="ada@example.org")
    data = b"email,kind,starts_at,ends_at\nada@example.org,unavailable,2026-06-18T08:00:00,2026-06-18T10:00:00+02:00\n"
    problem = upload(api, cid, "tables/availability", "avail.csv", data, status=422)
    assert [(p["row"], p["column"], p["code"]) for p in problem["problems"]] == [(2, "starts_at", "naive_datetime")]


def test_delete_missing_removes_only_what_the_file_no_longer_lists(api: Api) -> None:
    cid = vienna(api)
    upload(api, cid, "tables/rooms", "rooms.csv", ROOMS_CSV.encode())
    fewer = b"name;capacity\r\nHall A;400\r\n"
    kept = upload(api, cid, "tables/rooms", "rooms.csv", fewer)
    # No equipment column: Hall A keeps its projector (an import never blanks what it does not list).
    assert counts(kept, "rooms") == (0, 0, 1, 0)
    hall = next(r for r in api.call("GET", f"/api/congresses/{cid}/rooms")["items"] if r["name"] == "Hall A")
    assert hall["equipment"] == {"projector": 1}
    assert api.call("GET", f"/api/congresses/{cid}/rooms")["total"] == 2
    deleted = upload(api, cid, "tables/rooms", "rooms.csv", fewer, delete_missing=True)
    assert counts(deleted, "rooms") == (0, 0, 1, 1)
    assert [r["name"] for r in api.call("GET", f"/api/congresses/{cid}/rooms")["items"]] == ["Hall A"]


def test_items_link_faculty_and_follows_and_refuse_unknown_people(api: Api) -> None:
    cid = vienna(api)
    api.person(name="Ada", email="ada@example.org")
    data = (
        b"code,kind,title,duration_minutes,topics,faculty,follows\n"
        b"RC 1,refresher_course,Knee part 1,60,knee; MR,ada@example.org:chair,\n"
        b"RC 2,refresher_course,Knee part 2,60,knee,ada@example.org,RC 1\n"
    )
    report = upload(api, cid, "tables/items", "items.csv", data)
    assert counts(report, "items") == (2, 0, 0, 0)
    items = {i["code"]: i for i in api.call("GET", f"/api/congresses/{cid}/items")["items"]}
    assert items["RC 1"]["topics"] == ["knee", "MR"]
    assert items["RC 2"]["follows"] == [items["RC 1"]["id"]]
    faculty = api.call("GET", f"/api/congresses/{cid}/items/{items['RC 1']['id']}/faculty")["items"]
    assert [(f["person_name"], f["role"]) for f in faculty] == [("Ada", "chair")]
    assert counts(upload(api, cid, "tables/items", "items.csv", data), "items") == (0, 0, 2, 0)
    unknown = data.replace(b"ada@example.org:chair", b"nobody@example.org")
    problem = upload(api, cid, "tables/items", "items.csv", unknown, status=422)
    assert [(p["row"], p["column"], p["code"]) for p in problem["problems"]] == [(2, "faculty", "unknown_person")]


CALENDAR = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:clinic@example.org\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Vienna:20260615T080000\r
DTEND;TZID=Europe/Vienna:20260615T120000\r
RRULE:FREQ=DAILY;COUNT=5\r
SUMMARY:Private clinic (never copied)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:free@example.org\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260619T100000Z\r
DTEND:20260619T110000Z\r
TRANSP:TRANSPARENT\r
SUMMARY:Free time\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_calendar_import_makes_busy_times_unavailability_and_reimport_replaces(api: Api, clean_db: Engine) -> None:
    cid = vienna(api)
    ada = api.person(name="Ada", email="ada@example.org")
    own = Api(api.client, issue_token(clean_db, Role.EXAMINER, uuid.UUID(ada["id"])))
    report = upload(own, cid, "calendar", "ada.ics", CALENDAR)
    # The daily clinic 15–19 June meets the congress (18–20 June) twice; the transparent event is free time.
    assert counts(report, "availability") == (2, 0, 0, 0)
    windows = api.call("GET", f"/api/congresses/{cid}/availability?person_id={ada['id']}")["items"]
    assert sorted((w["starts_at"], w["ends_at"]) for w in windows) == [
        ("2026-06-18T08:00:00+02:00", "2026-06-18T12:00:00+02:00"),
        ("2026-06-19T08:00:00+02:00", "2026-06-19T12:00:00+02:00"),
    ]
    assert all("clinic" not in w["reason"].lower() for w in windows)
    assert counts(upload(own, cid, "calendar", "ada.ics", CALENDAR), "availability") == (0, 0, 2, 0)
    shorter = CALENDAR.replace(b"COUNT=5", b"COUNT=4")
    assert counts(upload(own, cid, "calendar", "ada.ics", shorter), "availability") == (0, 0, 1, 1)


def test_calendar_of_someone_else_needs_an_organiser(api: Api, clean_db: Engine) -> None:
    cid = vienna(api)
    ada = api.person(name="Ada", email="ada@example.org")
    bob = api.person(name="Bob", email="bob@example.org")
    own = Api(api.client, issue_token(clean_db, Role.ATTENDEE, uuid.UUID(ada["id"])))
    problem = upload(own, cid, f"calendar?person_id={bob['id']}", "bob.ics", CALENDAR, status=422)
    assert problem["code"] == "not_your_calendar"
    assert counts(upload(api, cid, f"calendar?person_id={bob['id']}", "bob.ics", CALENDAR), "availability")[0] == 2


def test_garbage_calendar_is_a_problem_not_an_error(api: Api, clean_db: Engine) -> None:
    cid = vienna(api)
    ada = api.person(name="Ada", email="ada@example.org")
    own = Api(api.client, issue_token(clean_db, Role.ATTENDEE, uuid.UUID(ada["id"])))
    problem = upload(own, cid, "calendar", "ada.ics", b"\x00\xff not a calendar", status=422)
    assert problem["problems"][0]["code"] in {"unreadable_file", "bad_encoding"}


DEMOCON = Path(__file__).resolve().parents[3] / "data" / "c3voc-schedule" / "example-pretalx-democon.json"


def democon(api: Api) -> str:
    congress = api.congress(time_zone="UTC", first_day="2020-12-14", last_day="2020-12-16")
    cid: str = congress["id"]
    return cid


def test_frab_import_brings_rooms_items_speakers_and_pinned_times(api: Api) -> None:
    cid = democon(api)
    data = DEMOCON.read_bytes()
    report = upload(api, cid, "frab", "schedule.json", data, placement="pins")
    assert report["written"]
    assert report["problems"] == []
    assert report["read_as"] == "frab json"
    created_items = report["counts"]["items"]["created"]
    assert created_items == report["rows"] > 0
    assert report["counts"]["placements"]["created"] == created_items
    draft = api.call("GET", f"/api/congresses/{cid}/versions?status=draft")["items"][0]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments?limit=500")["items"]
    assert len(rows) == created_items
    assert all(r["pinned"] for r in rows)
    again = upload(api, cid, "frab", "schedule.json", data, placement="pins")
    assert counts(again, "items") == (0, 0, created_items, 0)
    assert counts(again, "placements") == (0, 0, created_items, 0)


def test_frab_import_as_hints_leaves_times_unpinned(api: Api) -> None:
    cid = democon(api)
    upload(api, cid, "frab", "schedule.json", DEMOCON.read_bytes(), placement="hints")
    draft = api.call("GET", f"/api/congresses/{cid}/versions?status=draft")["items"][0]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments?limit=500")["items"]
    assert rows
    assert not any(r["pinned"] for r in rows)


def test_frab_events_outside_the_congress_days_are_problems(api: Api) -> None:
    cid = vienna(api)
    problem = upload(api, cid, "frab", "schedule.json", DEMOCON.read_bytes(), status=422)
    assert {p["code"] for p in problem["problems"]} == {"outside_congress_days"}
    assert api.call("GET", f"/api/congresses/{cid}/items")["total"] == 0


def item_rows(setup: dict[str, Any], **changes: str) -> bytes:
    """The small programme's items as an import file, with some cells changed ("RC 3.duration_minutes"="30")."""
    rows = {
        "RC 1": ["refresher_course", "MR of the knee", "90", "1"],
        "RC 2": ["refresher_course", "Shoulder instability", "90", "1"],
        "RC 3": ["refresher_course", "Spine trauma", "60", "1"],
        "HW 1": ["hands_on_workshop", "Shoulder ultrasound", "90", "2"],
    }
    capacity = {"HW 1": "16"}
    rows = {code: [*values, capacity.get(code, "")] for code, values in rows.items()}
    for key, value in changes.items():
        code, column = key.split(".")
        rows[code][["kind", "title", "duration_minutes", "runs", "capacity"].index(column)] = value
    lines = ["code,kind,title,duration_minutes,runs,capacity"] + [f"{c},{','.join(v)}" for c, v in rows.items()]
    return ("\n".join(lines) + "\n").encode()


def test_item_import_keeps_draft_placements_in_step_with_a_new_duration(api: Api) -> None:
    from tests.factories import SMALL_PLACEMENTS, small_programme

    setup = small_programme(api)
    cid = setup["congress"]
    draft = api.draft(cid)
    for code, run, room, start in SMALL_PLACEMENTS:
        api.assignment(
            cid, draft["id"], item_id=setup["items"][code], room_id=setup["rooms"][room], starts_at=start, run=run
        )
    report = upload(api, cid, "tables/items", "items.csv", item_rows(setup, **{"RC 3.duration_minutes": "30"}))
    assert counts(report, "items")[1] == 1
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]
    rc3 = next(r for r in rows if r["item_id"] == setup["items"]["RC 3"])
    assert (rc3["starts_at"], rc3["ends_at"]) == ("2026-06-19T09:00:00+02:00", "2026-06-19T09:30:00+02:00")


def test_item_import_refuses_fewer_runs_than_placed_and_changes_to_released_items(api: Api) -> None:
    from tests.factories import released_programme

    setup = released_programme(api)
    cid = setup["congress"]
    released = upload(
        api, cid, "tables/items", "items.csv", item_rows(setup, **{"RC 3.duration_minutes": "30"}), status=422
    )
    assert [(p["row"], p["code"]) for p in released["problems"]] == [(4, "item_in_release")]
    late = api.item(cid, code="HW 9", kind="hands_on_workshop", title="Late", duration_minutes=60, runs=2, capacity=8)
    draft, _ = next_draft_of(api, cid)
    api.assignment(
        cid, draft, item_id=late["id"], room_id=setup["rooms"]["lab"], starts_at="2026-06-20T09:00:00+02:00", run=2
    )
    data = b"code,kind,title,duration_minutes,runs\nHW 9,hands_on_workshop,Late,60,1\n"
    # (no capacity column: the stored capacity stands, so the workshop rule holds)
    problem = upload(api, cid, "tables/items", "late.csv", data, status=422)
    assert [(p["row"], p["column"], p["code"]) for p in problem["problems"]] == [(2, "runs", "runs_placed")]


def next_draft_of(api: Api, cid: str) -> tuple[str, None]:
    releases = api.call("GET", f"/api/congresses/{cid}/versions?status=released")["items"]
    draft = api.draft(cid, copy_from=max(releases, key=lambda v: v["number"])["id"])
    return draft["id"], None


def test_item_import_applies_the_apis_rules_and_refuses_cycles(api: Api) -> None:
    cid = vienna(api)
    data = (
        b"code,kind,title,duration_minutes,follows\n"
        b"HW 1,hands_on_workshop,No capacity,60,\n"
        b"A,refresher_course,Part A,60,B\n"
        b"B,refresher_course,Part B,60,A\n"
    )
    problem = upload(api, cid, "tables/items", "items.csv", data, status=422)
    found = {(p["row"], p["column"], p["code"]) for p in problem["problems"]}
    assert (2, "capacity", "workshop_capacity_required") in found
    assert {(3, "follows", "precedence_cycle"), (4, "follows", "precedence_cycle")} <= found
    assert api.call("GET", f"/api/congresses/{cid}/items")["total"] == 0

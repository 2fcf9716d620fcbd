"""Programme exports through the API: frab/c3voc documents checked by real validators and against the release
read back through the API, stable identities across releases, spreadsheets safe from formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zoneinfo
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.congress.publishing.test_frab import validate_json, validate_xml
from tests.factories import Api, next_draft, released_programme

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://x")'
# (item id, UTC start, room name): what identifies a run in every export.
Placement = tuple[str, dt.datetime, str]


def latest_release(api: Api, congress_id: str) -> dict[str, Any]:
    versions = api.call("GET", f"/api/congresses/{congress_id}/versions?status=released")["items"]
    latest: dict[str, Any] = max(versions, key=lambda v: v["number"])
    return latest


def released_rows(api: Api, congress_id: str) -> list[dict[str, Any]]:
    """The latest release's assignments, read through the API."""
    version = latest_release(api, congress_id)["id"]
    rows: list[dict[str, Any]] = api.call(
        "GET", f"/api/congresses/{congress_id}/versions/{version}/assignments?limit=500"
    )["items"]
    return rows


def room_names(api: Api, congress_id: str) -> dict[str, str]:
    return {r["id"]: r["name"] for r in api.call("GET", f"/api/congresses/{congress_id}/rooms?limit=500")["items"]}


def released_placements(api: Api, congress_id: str) -> list[Placement]:
    names = room_names(api, congress_id)
    return sorted(
        (r["item_id"], dt.datetime.fromisoformat(r["starts_at"]).astimezone(dt.UTC), names[r["room_id"]])
        for r in released_rows(api, congress_id)
    )


def total_runs(api: Api, congress_id: str) -> int:
    return sum(i["runs"] for i in api.call("GET", f"/api/congresses/{congress_id}/items?limit=500")["items"])


def item_of(url: str) -> str:
    """The item id at the end of an event's url (``…/items/<id>``)."""
    return url.rstrip("/").rsplit("/items/", 1)[1]


def json_events(data: bytes) -> list[dict[str, Any]]:
    days = json.loads(data)["schedule"]["conference"]["days"]
    return [{**event, "_room_key": name} for day in days for name, events in day["rooms"].items() for event in events]


def xml_events(data: bytes) -> list[dict[str, Any]]:
    """Each event of schedule.xml as a dict of its child texts, its attributes and its day/room parents."""
    found: list[dict[str, Any]] = []
    for day in ET.fromstring(data).findall("day"):
        for room in day.findall("room"):
            for event in room.findall("event"):
                texts: dict[str, Any] = {child.tag: child.text or "" for child in event}
                parents = {"_room_key": room.get("name"), "_day": day.get("date")}
                found.append(texts | {"id": event.get("id"), "guid": event.get("guid")} | parents)
    return found


def placements_of(events: list[dict[str, Any]]) -> list[Placement]:
    return sorted(
        (item_of(e["url"]), dt.datetime.fromisoformat(e["date"]).astimezone(dt.UTC), e["room"]) for e in events
    )


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_placements(header: list[str], rows: list[list[str]]) -> list[Placement]:
    """(item id from the UID column, UTC start, room) of each CSV row."""
    uid, starts, room = header.index("UID"), header.index("Starts UTC"), header.index("Room")
    return sorted(
        (row[uid].split(".", 1)[0], dt.datetime.fromisoformat(row[starts]).astimezone(dt.UTC), row[room])
        for row in rows
    )


def get_as(client: TestClient[Litestar], path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


def second_release(api: Api, setup: dict[str, Any]) -> dict[str, Any]:
    """Release 2: RC 3 moved from 09:00 to 11:00 on the 19th, the workshop's second run removed."""
    cid = setup["congress"]
    draft, rows = next_draft(api, cid, setup["version"])
    rc3, hw = setup["items"]["RC 3"], setup["items"]["HW 1"]
    base = f"/api/congresses/{cid}/versions/{draft}/assignments"
    api.call("PATCH", f"{base}/{rows[(rc3, 1)]}", {"starts_at": "2026-06-19T11:00:00+02:00"})
    api.call("DELETE", f"{base}/{rows[(hw, 2)]}")
    return api.release(cid, draft)


def release_with_title(api: Api, setup: dict[str, Any], code: str, title: str) -> None:
    cid = setup["congress"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{setup['items'][code]}", {"title": title})
    draft, _ = next_draft(api, cid, setup["version"])
    api.release(cid, draft)


# --- frab / c3voc documents ------------------------------------------------------------------------------------


def test_schedule_json_released_programme_valid_against_schema(
    api: Api, client: TestClient[Litestar], tmp_path: Path
) -> None:
    setup = released_programme(api)

    response = client.get(f"/api/congresses/{setup['congress']}/schedule.json")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    checked = validate_json(response.content, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_schedule_xml_released_programme_valid_against_xsd(
    api: Api, client: TestClient[Litestar], tmp_path: Path
) -> None:
    setup = released_programme(api)

    response = client.get(f"/api/congresses/{setup['congress']}/schedule.xml")

    assert response.status_code == 200, response.text
    assert "xml" in response.headers["content-type"]
    checked = validate_xml(response.content, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "validates" in checked.stderr


def test_schedule_json_released_programme_events_match_assignments(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]

    events = json_events(client.get(f"/api/congresses/{cid}/schedule.json").content)

    expected = released_placements(api, cid)
    assert len(events) == len(expected) == total_runs(api, cid) == 5
    assert placements_of(events) == expected
    for event in events:
        local = dt.datetime.fromisoformat(event["date"])
        assert local.utcoffset() == local.astimezone(ZURICH).utcoffset()
        assert event["start"] == local.astimezone(ZURICH).strftime("%H:%M")
        assert event["room"] == event["_room_key"]
    assert len({e["guid"] for e in events}) == len({e["id"] for e in events}) == 5


def test_schedule_xml_released_programme_events_match_assignments(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]

    events = xml_events(client.get(f"/api/congresses/{cid}/schedule.xml").content)

    expected = released_placements(api, cid)
    assert len(events) == len(expected) == total_runs(api, cid) == 5
    assert placements_of(events) == expected
    for event in events:
        local = dt.datetime.fromisoformat(event["date"])
        assert local.utcoffset() == local.astimezone(ZURICH).utcoffset()
        assert event["start"] == local.astimezone(ZURICH).strftime("%H:%M")
        assert event["_day"] == local.astimezone(ZURICH).date().isoformat()
        assert event["room"] == event["_room_key"]
    assert len({e["guid"] for e in events}) == len({e["id"] for e in events}) == 5


def test_schedule_json_and_xml_released_programme_agree(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]

    from_json = json_events(client.get(f"/api/congresses/{cid}/schedule.json").content)
    from_xml = xml_events(client.get(f"/api/congresses/{cid}/schedule.xml").content)

    def key(e: dict[str, Any]) -> tuple[str, str, str, str, str]:
        return (str(e["id"]), e["guid"], e["date"], e["start"], e["room"])

    assert sorted(map(key, from_json)) == sorted(map(key, from_xml))


@pytest.mark.parametrize("document", ["schedule.json", "schedule.xml"])
def test_frab_second_release_keeps_guids_drops_removed_moves_moved(
    api: Api, client: TestClient[Litestar], tmp_path: Path, document: str
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    parse = json_events if document.endswith("json") else xml_events
    first = parse(client.get(f"/api/congresses/{cid}/{document}").content)
    rc3, hw = setup["items"]["RC 3"], setup["items"]["HW 1"]
    hw_run_2 = dt.datetime(2026, 6, 19, 12, 0, tzinfo=dt.UTC)  # 14:00 in Zurich

    second_release(api, setup)
    response = client.get(f"/api/congresses/{cid}/{document}")

    assert response.status_code == 200
    assert response.headers["x-schedule-release"] == "2"
    validate = validate_json if document.endswith("json") else validate_xml
    checked = validate(response.content, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    after = parse(response.content)
    assert placements_of(after) == released_placements(api, cid)
    assert len(after) == 4

    def at(events: list[dict[str, Any]]) -> dict[tuple[str, dt.datetime], dict[str, Any]]:
        return {(item_of(e["url"]), dt.datetime.fromisoformat(e["date"]).astimezone(dt.UTC)): e for e in events}

    before_by_key, after_by_key = at(first), at(after)
    removed = before_by_key[(hw, hw_run_2)]
    moved_before = next(e for (item, _), e in before_by_key.items() if item == rc3)
    moved_after = next(e for (item, _), e in after_by_key.items() if item == rc3)
    unchanged = set(before_by_key) - {(hw, hw_run_2), (rc3, dt.datetime(2026, 6, 19, 7, 0, tzinfo=dt.UTC))}
    assert len(unchanged) == 3
    assert unchanged <= set(after_by_key)
    for key in unchanged:
        assert (after_by_key[key]["guid"], str(after_by_key[key]["id"])) == (
            before_by_key[key]["guid"],
            str(before_by_key[key]["id"]),
        )
    # The removed run is gone, guid and all; the workshop keeps only its first run.
    assert removed["guid"] not in {e["guid"] for e in after}
    assert removed["guid"].encode() not in response.content
    assert [k for k in after_by_key if k[0] == hw] == [(hw, dt.datetime(2026, 6, 18, 12, 0, tzinfo=dt.UTC))]
    # The moved course has its new time (11:00 local = 09:00 UTC) under the guid it had.
    assert dt.datetime.fromisoformat(moved_after["date"]) == dt.datetime(2026, 6, 19, 11, 0, tzinfo=ZURICH)
    assert moved_after["start"] == "11:00"
    assert moved_before["start"] == "09:00"
    assert (moved_after["guid"], str(moved_after["id"])) == (moved_before["guid"], str(moved_before["id"]))


def test_schedule_json_unreleased_item_edit_not_exported(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{setup['items']['RC 1']}", {"title": "Not released yet"})

    response = client.get(f"/api/congresses/{cid}/schedule.json")

    titles = {e["title"] for e in json_events(response.content)}
    assert "MR of the knee" in titles
    assert "Not released yet" not in titles
    assert response.headers["x-schedule-release"] == "1"


@pytest.mark.parametrize("text", ["MR of the knee\x0b", "Bring notes \x1b[1m", "bell\x07"])
def test_item_text_with_control_characters_is_refused(api: Api, text: str) -> None:
    """XML 1.0 and iCalendar cannot carry them, so they never enter (tab and line breaks may)."""
    setup = released_programme(api)
    cid, rc1 = setup["congress"], setup["items"]["RC 1"]
    for field in ("title", "description"):
        response = api.client.patch(f"/api/congresses/{cid}/items/{rc1}", json={field: text}, headers=api.headers)
        assert response.status_code == 400, response.text
    kept = api.client.patch(
        f"/api/congresses/{cid}/items/{rc1}", json={"description": "Line one\n\tLine two\r\n"}, headers=api.headers
    )
    assert kept.status_code == 200


@pytest.mark.parametrize("path", ["schedule.json", "schedule.xml", "programme.csv", "programme.xlsx"])
def test_export_superseded_version_conflict(api: Api, path: str) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    second_release(api, setup)

    response = api.client.get(f"/api/congresses/{cid}/{path}?version=1", headers=api.headers)

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "superseded_release"
    latest = api.client.get(f"/api/congresses/{cid}/{path}?version=2", headers=api.headers)
    assert latest.status_code == 200
    assert latest.headers["x-schedule-release"] == "2"


@pytest.mark.parametrize("path", ["schedule.json", "schedule.xml", "programme.csv", "programme.xlsx"])
def test_export_without_release_not_found(api: Api, path: str) -> None:
    congress = api.congress()

    response = api.client.get(f"/api/congresses/{congress['id']}/{path}", headers=api.headers)

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "no_release"


def test_export_only_draft_not_found(api: Api, client: TestClient[Litestar]) -> None:
    congress = api.congress()
    api.draft(congress["id"])

    response = client.get(f"/api/congresses/{congress['id']}/schedule.json")

    assert response.status_code == 404
    assert response.json()["code"] == "no_release"


@pytest.mark.parametrize("path", ["schedule.json", "schedule.xml", "programme.csv", "programme.xlsx"])
def test_export_unknown_congress_not_found(api: Api, path: str) -> None:
    released_programme(api)

    response = api.client.get(f"/api/congresses/{uuid.uuid4()}/{path}", headers=api.headers)

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("version", ["0", "abc"])
def test_export_malformed_version_bad_request(api: Api, client: TestClient[Litestar], version: str) -> None:
    setup = released_programme(api)

    response = client.get(f"/api/congresses/{setup['congress']}/schedule.json?version={version}")

    assert response.status_code == 400, response.text


# --- spreadsheets --------------------------------------------------------------------------------------------


def test_programme_csv_organiser_gets_bom_crlf_rows_of_runs(api: Api) -> None:
    setup = released_programme(api)
    cid = setup["congress"]

    response = api.client.get(f"/api/congresses/{cid}/programme.csv", headers=api.headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbfDay,Start,End,Room,Code,Title")
    assert response.content.endswith(b"\r\n")
    lines = response.content.split(b"\r\n")
    assert not any(b"\n" in line for line in lines)
    header, *rows = parse_csv(response.content)
    assert header[:6] == ["Day", "Start", "End", "Room", "Code", "Title"]
    column = {name: i for i, name in enumerate(header)}
    assert len(rows) == total_runs(api, cid) == 5
    assert csv_placements(header, rows) == released_placements(api, cid)
    codes = setup["items"]
    for row in rows:
        start = dt.datetime.fromisoformat(row[column["Starts UTC"]]).astimezone(ZURICH)
        assert (row[column["Day"]], row[column["Start"]]) == (start.date().isoformat(), start.strftime("%H:%M"))
        assert codes[row[column["Code"]]] == row[column["UID"]].split(".", 1)[0]
    assert sorted(row[column["Run"]] for row in rows if row[column["Code"]] == "HW 1") == ["1/2", "2/2"]


def test_programme_csv_second_release_rows_follow_it(api: Api) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    second_release(api, setup)

    response = api.client.get(f"/api/congresses/{cid}/programme.csv", headers=api.headers)

    header, *rows = parse_csv(response.content)
    column = {name: i for i, name in enumerate(header)}
    assert len(rows) == 4
    assert csv_placements(header, rows) == released_placements(api, cid)
    assert [row[column["Run"]] for row in rows if row[column["Code"]] == "HW 1"] == ["1/2"]


def test_programme_csv_formula_title_neutralised(api: Api) -> None:
    setup = released_programme(api)
    release_with_title(api, setup, "RC 1", FORMULA)

    response = api.client.get(f"/api/congresses/{setup['congress']}/programme.csv", headers=api.headers)

    header, *rows = parse_csv(response.content)
    title = header.index("Title")
    row = next(r for r in rows if r[header.index("Code")] == "RC 1")
    assert row[title] == "'" + FORMULA
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_programme_xlsx_formula_title_plain_string_cell(api: Api) -> None:
    setup = released_programme(api)
    release_with_title(api, setup, "RC 1", FORMULA)

    response = api.client.get(f"/api/congresses/{setup['congress']}/programme.xlsx", headers=api.headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Programme"]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    cell = next(r[header.index("Title")] for r in rows[1:] if r[header.index("Code")].value == "RC 1")
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA
    # Every other cell is text too (an empty one comes back as an empty inline string), none a formula.
    assert {c.data_type for r in rows for c in r} <= {"s", "inlineStr"}
    assert len(rows) - 1 == total_runs(api, setup["congress"])
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml
    assert b"<f " not in sheet_xml


@pytest.mark.parametrize("path", ["programme.csv", "programme.xlsx"])
def test_programme_table_attendee_forbidden(api: Api, clean_db: Engine, path: str) -> None:
    setup = released_programme(api)
    token = issue_token(clean_db, Role.ATTENDEE, uuid.UUID(setup["people"]["prof"]))

    response = get_as(api.client, f"/api/congresses/{setup['congress']}/{path}", token)

    assert response.status_code == 403, response.text


@pytest.mark.parametrize("path", ["programme.csv", "programme.xlsx"])
def test_programme_table_anonymous_unauthorised(api: Api, client: TestClient[Litestar], path: str) -> None:
    setup = released_programme(api)

    response = get_as(client, f"/api/congresses/{setup['congress']}/{path}")

    assert response.status_code == 401, response.text


@pytest.mark.parametrize("path", ["schedule.json", "schedule.xml"])
def test_schedule_anonymous_and_attendee_allowed(
    api: Api, client: TestClient[Litestar], clean_db: Engine, path: str
) -> None:
    setup = released_programme(api)
    token = issue_token(clean_db, Role.ATTENDEE, uuid.UUID(setup["people"]["prof"]))

    assert get_as(client, f"/api/congresses/{setup['congress']}/{path}").status_code == 200
    assert get_as(client, f"/api/congresses/{setup['congress']}/{path}", token).status_code == 200


# --- headers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "suffix", "cache"),
    [
        ("schedule.json", "schedule.json", "public"),
        ("schedule.xml", "schedule.xml", "public"),
        ("programme.csv", "programme.csv", "private"),
        ("programme.xlsx", "programme.xlsx", "private"),
    ],
)
def test_export_headers_attachment_filename_and_release(api: Api, path: str, suffix: str, cache: str) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    slug = api.call("GET", f"/api/congresses/{cid}")["slug"]

    first = api.client.get(f"/api/congresses/{cid}/{path}", headers=api.headers)
    second_release(api, setup)
    second = api.client.get(f"/api/congresses/{cid}/{path}", headers=api.headers)

    for response, number in ((first, 1), (second, 2)):
        assert response.status_code == 200
        assert response.headers["content-disposition"] == f'attachment; filename="{slug}-{number}-{suffix}"'
        assert response.headers["x-schedule-release"] == str(number)
        assert response.headers["cache-control"].startswith(cache)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["etag"]
    assert first.headers["etag"] != second.headers["etag"]

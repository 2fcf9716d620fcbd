"""Bad input gets a 4xx problem-details answer with a machine code, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from congress.db.base import metadata
from tests.factories import Api


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata().sorted_tables
        }


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    c = api.congress()
    person = api.person()
    item = api.item(c["id"], code="RC 1")
    room = api.room(c["id"])
    draft = api.draft(c["id"])
    return {"congress": c["id"], "person": person["id"], "item": item["id"], "room": room["id"], "draft": draft["id"]}


MISSING = "00000000-0000-7000-8000-000000000000"

CASES: list[tuple[str, str, str, Any, int, str]] = [
    # (label, method, path, body, status, code)
    ("wrong type", "POST", "/api/people", {"name": 42, "email": "x@example.org"}, 400, "invalid_request"),
    (
        "unknown field",
        "POST",
        "/api/people",
        {"name": "X", "email": "x@example.org", "role": "admin"},
        400,
        "invalid_request",
    ),
    ("overlong string", "POST", "/api/people", {"name": "X" * 201, "email": "x@example.org"}, 400, "invalid_request"),
    ("bad email", "POST", "/api/people", {"name": "X", "email": "not-an-email"}, 400, "invalid_request"),
    ("not json", "POST", "/api/people", "{{{", 400, "invalid_request"),
    (
        "unknown time zone",
        "POST",
        "/api/congresses",
        {
            "slug": "x-1",
            "name": "X",
            "time_zone": "Europe/Atlantis",
            "first_day": "2026-06-18",
            "last_day": "2026-06-20",
        },
        422,
        "unknown_time_zone",
    ),
    (
        "days out of order",
        "POST",
        "/api/congresses",
        {"slug": "x-2", "name": "X", "time_zone": "Europe/Vienna", "first_day": "2026-06-20", "last_day": "2026-06-18"},
        422,
        "days_out_of_order",
    ),
    (
        "break outside the day",
        "POST",
        "/api/congresses",
        {
            "slug": "x-3",
            "name": "X",
            "time_zone": "Europe/Vienna",
            "first_day": "2026-06-18",
            "last_day": "2026-06-20",
            "breaks": [{"start": "19:00", "end": "20:00"}],
        },
        422,
        "break_outside_window",
    ),
    (
        "bad slug",
        "POST",
        "/api/congresses",
        {"slug": "Not A Slug", "name": "X", "time_zone": "UTC", "first_day": "2026-06-18", "last_day": "2026-06-18"},
        400,
        "invalid_request",
    ),
    ("missing congress", "POST", f"/api/congresses/{MISSING}/rooms", {"name": "R", "capacity": 10}, 404, "not_found"),
    (
        "negative capacity",
        "POST",
        "/api/congresses/{congress}/rooms",
        {"name": "R", "capacity": -1},
        400,
        "invalid_request",
    ),
    (
        "unknown equipment",
        "POST",
        "/api/congresses/{congress}/rooms",
        {"name": "R", "capacity": 1, "equipment": {"mri": 1}},
        400,
        "invalid_request",
    ),
    (
        "missing person",
        "POST",
        "/api/congresses/{congress}/registrations",
        {"person_id": MISSING, "category": "full"},
        404,
        "not_found",
    ),
    (
        "naive datetime",
        "POST",
        "/api/congresses/{congress}/registrations",
        {"person_id": "{person}", "category": "full", "registered_at": "2026-01-01T10:00:00"},
        422,
        "naive_datetime",
    ),
    (
        "item follows a missing item",
        "POST",
        "/api/congresses/{congress}/items",
        {"kind": "efomp_workshop", "title": "Part B", "duration_minutes": 60, "follows": [MISSING]},
        422,
        "unknown_item",
    ),
    (
        "item follows itself",
        "PATCH",
        "/api/congresses/{congress}/items/{item}",
        {"follows": ["{item}"]},
        422,
        "precedence_cycle",
    ),
    (
        "workshop without capacity",
        "POST",
        "/api/congresses/{congress}/items",
        {"kind": "hands_on_workshop", "title": "MSK ultrasound", "duration_minutes": 90, "runs": 2},
        422,
        "workshop_capacity_required",
    ),
    (
        "window outside the congress",
        "POST",
        "/api/congresses/{congress}/items",
        {
            "kind": "plenary",
            "title": "P",
            "duration_minutes": 60,
            "allowed_windows": [{"day": "2027-01-01", "start": "09:00", "end": "10:00"}],
        },
        422,
        "window_outside_congress",
    ),
    (
        "duplicate item code",
        "POST",
        "/api/congresses/{congress}/items",
        {"kind": "plenary", "title": "P", "duration_minutes": 60, "code": "RC 1"},
        409,
        "item_code_taken",
    ),
    (
        "zero duration",
        "POST",
        "/api/congresses/{congress}/items",
        {"kind": "plenary", "title": "P", "duration_minutes": 0},
        400,
        "invalid_request",
    ),
    (
        "availability for nobody",
        "POST",
        "/api/congresses/{congress}/availability",
        {"kind": "unavailable", "starts_at": "2026-06-18T08:00:00+02:00", "ends_at": "2026-06-18T09:00:00+02:00"},
        422,
        "one_owner_required",
    ),
    (
        "availability ends before it starts",
        "POST",
        "/api/congresses/{congress}/availability",
        {
            "person_id": "{person}",
            "kind": "unavailable",
            "starts_at": "2026-06-18T10:00:00+02:00",
            "ends_at": "2026-06-18T09:00:00+02:00",
        },
        422,
        "window_out_of_order",
    ),
    (
        "run the item does not have",
        "POST",
        "/api/congresses/{congress}/versions/{draft}/assignments",
        {"item_id": "{item}", "room_id": "{room}", "starts_at": "2026-06-18T09:00:00+02:00", "run": 2},
        422,
        "no_such_run",
    ),
    (
        "room of another congress",
        "POST",
        "/api/congresses/{congress}/versions/{draft}/assignments",
        {"item_id": "{item}", "room_id": MISSING, "starts_at": "2026-06-18T09:00:00+02:00"},
        404,
        "not_found",
    ),
    ("second draft", "POST", "/api/congresses/{congress}/versions", {}, 409, "draft_exists"),
    ("duplicate email", "POST", "/api/people", {"name": "Y", "email": "{email}"}, 409, "email_taken"),
    ("token without a person", "POST", "/api/tokens", {"name": "t", "role": "attendee"}, 422, "person_required"),
    ("malformed id in path", "GET", "/api/congresses/not-a-uuid", None, 404, "not_found"),
    ("NUL in a name", "POST", "/api/people", {"name": "a\u0000b", "email": "x@example.org"}, 400, "invalid_request"),
    ("NUL in a search", "GET", "/api/congresses?q=%00", None, 400, "invalid_request"),
    (
        "time zone that is not a place",
        "POST",
        "/api/congresses",
        {"slug": "x-4", "name": "X", "time_zone": "localtime", "first_day": "2026-06-18", "last_day": "2026-06-18"},
        422,
        "unknown_time_zone",
    ),
    (
        "datetime in year 1",
        "POST",
        "/api/congresses/{congress}/registrations",
        {"person_id": "{person}", "category": "full", "registered_at": "0001-01-01T00:00:00+01:00"},
        422,
        "datetime_out_of_range",
    ),
    (
        "assignment at the end of time",
        "POST",
        "/api/congresses/{congress}/versions/{draft}/assignments",
        {"item_id": "{item}", "room_id": "{room}", "starts_at": "9999-12-31T23:30:00Z"},
        422,
        "datetime_out_of_range",
    ),
    (
        "assignment before the congress",
        "POST",
        "/api/congresses/{congress}/versions/{draft}/assignments",
        {"item_id": "{item}", "room_id": "{room}", "starts_at": "2026-06-17T09:00:00+02:00"},
        422,
        "outside_congress_days",
    ),
    (
        "allowed window at night",
        "POST",
        "/api/congresses/{congress}/items",
        {
            "kind": "plenary",
            "title": "P",
            "duration_minutes": 30,
            "allowed_windows": [{"day": "2026-06-18", "start": "00:00", "end": "00:30"}],
        },
        422,
        "window_outside_day",
    ),
    (
        "allowed window shorter than the item",
        "POST",
        "/api/congresses/{congress}/items",
        {
            "kind": "plenary",
            "title": "P",
            "duration_minutes": 120,
            "allowed_windows": [{"day": "2026-06-18", "start": "09:00", "end": "10:00"}],
        },
        422,
        "window_too_short",
    ),
    (
        "congress year out of range",
        "POST",
        "/api/congresses",
        {"slug": "x-5", "name": "X", "time_zone": "UTC", "first_day": "0001-01-01", "last_day": "0001-01-02"},
        422,
        "date_out_of_range",
    ),
]


def fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("label", "method", "path", "body", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_problem_details_and_changes_nothing(
    api: Api,
    clean_db: Engine,
    world: dict[str, Any],
    label: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
) -> None:
    world = world | {"email": api.call("GET", f"/api/people/{world['person']}")["email"]}
    before = row_counts(clean_db)
    url = fill(path, world)
    if isinstance(body, str) and body.startswith("{{"):
        response = api.client.request(
            method, url, content=body, headers=api.headers | {"content-type": "application/json"}
        )
    else:
        response = api.client.request(method, url, json=fill(body, world), headers=api.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert row_counts(clean_db) == before


def test_revoked_token_is_refused(api: Api, clean_db: Engine) -> None:
    person = api.person()
    issued = api.call("POST", "/api/tokens", {"name": "t", "role": "attendee", "person_id": person["id"]})
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert api.client.get("/api/me", headers=headers).status_code == 200
    api.call("DELETE", f"/api/tokens/{issued['info']['id']}")
    response = api.client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_token_secret_is_stored_only_as_digest(api: Api, clean_db: Engine) -> None:
    issued = api.call("POST", "/api/tokens", {"name": "t", "role": "organiser"})
    with clean_db.connect() as conn:
        dumped = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM api_token") for v in row)
    assert issued["token"] not in dumped
    listed = api.call("GET", "/api/tokens")
    assert issued["token"] not in str(listed)


def test_malformed_authorization_header_is_refused(api: Api) -> None:
    response = api.client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_authorization_header"

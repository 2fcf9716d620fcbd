"""Schedule versions: one draft, numbered immutable releases, copies, local times."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Api


@pytest.fixture
def setup(api: Api) -> dict[str, Any]:
    c = api.congress(time_zone="Europe/Vienna", first_day="2027-02-24", last_day="2027-02-28")
    room = api.room(c["id"])
    item = api.item(c["id"], code="RC 1")
    return {"congress": c["id"], "room": room["id"], "item": item["id"]}


def test_releases_are_numbered_in_order(api: Api, setup: dict[str, Any]) -> None:
    first = api.draft(setup["congress"])
    assert api.release(setup["congress"], first["id"])["number"] == 1
    second = api.draft(setup["congress"], copy_from=first["id"])
    released = api.release(setup["congress"], second["id"])
    assert released["number"] == 2
    assert released["status"] == "released"


def test_draft_copy_carries_the_assignments(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T09:00:00Z"
    )
    released = api.release(setup["congress"], draft["id"])
    copy = api.draft(setup["congress"], copy_from=released["id"])
    assert copy["assignment_count"] == 1
    assert copy["status"] == "draft"


def test_assignment_end_follows_the_item_duration_and_shows_local_time(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    placed = api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    # Vienna in February is UTC+01:00; the item lasts 90 minutes.
    assert placed["starts_at"] == "2027-02-24T09:00:00+01:00"
    assert placed["ends_at"] == "2027-02-24T10:30:00+01:00"


def test_moving_an_assignment_recomputes_its_end(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    placed = api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    path = f"/api/congresses/{setup['congress']}/versions/{draft['id']}/assignments/{placed['id']}"
    moved = api.call("PATCH", path, {"starts_at": "2027-02-25T14:00:00+01:00", "pinned": True})
    assert moved["ends_at"] == "2027-02-25T15:30:00+01:00"
    assert moved["pinned"] is True


def test_released_version_refuses_every_change(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    placed = api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    api.release(setup["congress"], draft["id"])
    base = f"/api/congresses/{setup['congress']}/versions/{draft['id']}"
    for method, path, body in [
        ("PATCH", base, {"note": "x"}),
        ("DELETE", base, None),
        ("POST", base + "/release", {}),
        ("PATCH", f"{base}/assignments/{placed['id']}", {"pinned": True}),
        ("DELETE", f"{base}/assignments/{placed['id']}", None),
    ]:
        assert api.call(method, path, body, status=409)["code"] == "version_released"


def test_one_run_is_placed_once_per_version(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    fields = {"item_id": setup["item"], "room_id": setup["room"], "starts_at": "2027-02-24T08:00:00Z"}
    api.assignment(setup["congress"], draft["id"], **fields)
    path = f"/api/congresses/{setup['congress']}/versions/{draft['id']}/assignments"
    assert api.call("POST", path, fields, status=409)["code"] == "run_already_placed"

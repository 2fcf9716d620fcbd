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


def test_item_in_a_release_cannot_be_deleted_or_resized(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    api.release(setup["congress"], draft["id"])
    item = f"/api/congresses/{setup['congress']}/items/{setup['item']}"
    assert api.call("DELETE", item, status=409)["code"] == "item_in_release"
    assert api.call("PATCH", item, {"duration_minutes": 240}, status=409)["code"] == "item_in_release"
    assert api.call("PATCH", item, {"title": "MR of the knee, revisited"})["title"] == "MR of the knee, revisited"
    released = api.call("GET", f"/api/congresses/{setup['congress']}/versions/{draft['id']}")
    assert released["assignment_count"] == 1


def test_duration_change_moves_draft_ends(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    placed = api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    api.call("PATCH", f"/api/congresses/{setup['congress']}/items/{setup['item']}", {"duration_minutes": 60})
    path = f"/api/congresses/{setup['congress']}/versions/{draft['id']}/assignments/{placed['id']}"
    assert api.call("GET", path)["ends_at"] == "2027-02-24T10:00:00+01:00"


def test_runs_cannot_drop_below_a_placed_run(api: Api, setup: dict[str, Any]) -> None:
    workshop = api.item(setup["congress"], code="HW 1", kind="hands_on_workshop", capacity=24, runs=2)
    draft = api.draft(setup["congress"])
    api.assignment(
        setup["congress"],
        draft["id"],
        item_id=workshop["id"],
        room_id=setup["room"],
        run=2,
        starts_at="2027-02-25T08:00:00Z",
    )
    path = f"/api/congresses/{setup['congress']}/items/{workshop['id']}"
    assert api.call("PATCH", path, {"runs": 1}, status=409)["code"] == "runs_placed"


def test_congress_days_cannot_move_away_from_placed_runs(api: Api, setup: dict[str, Any]) -> None:
    draft = api.draft(setup["congress"])
    api.assignment(
        setup["congress"], draft["id"], item_id=setup["item"], room_id=setup["room"], starts_at="2027-02-24T08:00:00Z"
    )
    path = f"/api/congresses/{setup['congress']}"
    moved = {"first_day": "2027-03-01", "last_day": "2027-03-03"}
    assert api.call("PATCH", path, moved, status=409)["code"] == "programme_outside_days"
    assert api.call("PATCH", path, {"last_day": "2027-03-01"})["last_day"] == "2027-03-01"

"""Programme items: order without cycles, filters, faculty and availability rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Api


@pytest.fixture
def congress(api: Api) -> str:
    congress_id: str = api.congress()["id"]
    return congress_id


def test_follows_refuses_a_cycle_through_two_items(api: Api, congress: str) -> None:
    part_a = api.item(congress, code="EF A", kind="efomp_workshop", title="EFOMP part A")
    part_b = api.item(congress, code="EF B", kind="efomp_workshop", title="EFOMP part B", follows=[part_a["id"]])
    assert part_b["follows"] == [part_a["id"]]
    problem = api.call(
        "PATCH", f"/api/congresses/{congress}/items/{part_a['id']}", {"follows": [part_b["id"]]}, status=422
    )
    assert problem["code"] == "precedence_cycle"


def test_follows_can_be_replaced_and_cleared(api: Api, congress: str) -> None:
    first = api.item(congress, code="TA 1")
    second = api.item(congress, code="TA 2")
    third = api.item(congress, code="TA 3", follows=[first["id"]])
    path = f"/api/congresses/{congress}/items/{third['id']}"
    assert api.call("PATCH", path, {"follows": [second["id"]]})["follows"] == [second["id"]]
    assert api.call("PATCH", path, {"follows": []})["follows"] == []


def test_items_filter_by_kind_topic_and_faculty(api: Api, congress: str) -> None:
    tutor = api.person()
    workshop = api.item(
        congress, code="HW 1", kind="hands_on_workshop", capacity=24, runs=2, topics=["ultrasound", "MSK"]
    )
    api.item(congress, code="RC 1", topics=["knee"])
    api.faculty(congress, workshop["id"], tutor["id"], role="tutor")
    base = f"/api/congresses/{congress}/items"
    assert [i["code"] for i in api.call("GET", base + "?kind=hands_on_workshop")["items"]] == ["HW 1"]
    assert [i["code"] for i in api.call("GET", base + "?topic=knee")["items"]] == ["RC 1"]
    by_tutor = api.call("GET", f"{base}?person_id={tutor['id']}")
    assert [i["code"] for i in by_tutor["items"]] == ["HW 1"]
    assert by_tutor["items"][0]["faculty"][0]["role"] == "tutor"


def test_same_person_same_role_twice_is_a_conflict(api: Api, congress: str) -> None:
    speaker = api.person()
    item = api.item(congress)
    api.faculty(congress, item["id"], speaker["id"])
    path = f"/api/congresses/{congress}/items/{item['id']}/faculty"
    assert (
        api.call("POST", path, {"person_id": speaker["id"], "role": "speaker"}, status=409)["code"] == "faculty_exists"
    )
    assert api.call("POST", path, {"person_id": speaker["id"], "role": "chair"}, status=201)["role"] == "chair"


def test_availability_is_stored_in_utc_and_shown_in_congress_time(api: Api, congress: str) -> None:
    person = api.person()
    window = api.availability(
        congress, person_id=person["id"], starts_at="2026-06-18T06:00:00Z", ends_at="2026-06-18T10:00:00+00:00"
    )
    assert window["starts_at"] == "2026-06-18T08:00:00+02:00"
    assert window["ends_at"] == "2026-06-18T12:00:00+02:00"


def test_deleting_an_item_removes_its_links(api: Api, congress: str) -> None:
    speaker = api.person()
    first = api.item(congress, code="A")
    second = api.item(congress, code="B", follows=[first["id"]])
    api.faculty(congress, first["id"], speaker["id"])
    api.call("DELETE", f"/api/congresses/{congress}/items/{first['id']}")
    remaining: dict[str, Any] = api.call("GET", f"/api/congresses/{congress}/items/{second['id']}")
    assert remaining["follows"] == []
    assert api.call("GET", f"/api/congresses/{congress}/items?person_id={speaker['id']}")["total"] == 0

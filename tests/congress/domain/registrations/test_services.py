"""Registrations: one per person and congress, times in the congress's zone."""

from __future__ import annotations

from tests.factories import Api


def test_registered_at_is_shown_with_the_congress_offset(api: Api) -> None:
    congress = api.congress(time_zone="Europe/Vienna")
    person = api.person()
    registration = api.registration(congress["id"], person["id"], registered_at="2026-01-15T12:00:00Z")
    assert registration["registered_at"] == "2026-01-15T13:00:00+01:00"


def test_a_person_registers_once_per_congress(api: Api) -> None:
    congress = api.congress()
    person = api.person()
    api.registration(congress["id"], person["id"])
    problem = api.call(
        "POST",
        f"/api/congresses/{congress['id']}/registrations",
        {"person_id": person["id"], "category": "day"},
        status=409,
    )
    assert problem["code"] == "already_registered"
    other = api.congress()
    assert api.registration(other["id"], person["id"])["congress_id"] == other["id"]


def test_registrations_filter_by_status(api: Api) -> None:
    congress = api.congress()
    active = api.registration(congress["id"], api.person()["id"])
    cancelled = api.registration(congress["id"], api.person()["id"], status="cancelled")
    base = f"/api/congresses/{congress['id']}/registrations"
    assert [r["id"] for r in api.call("GET", base + "?status=active")["items"]] == [active["id"]]
    assert [r["id"] for r in api.call("GET", base + "?status=cancelled")["items"]] == [cancelled["id"]]


def test_registration_in_the_future_is_refused(api: Api) -> None:
    congress = api.congress()
    person = api.person()
    problem = api.call(
        "POST",
        f"/api/congresses/{congress['id']}/registrations",
        {"person_id": person["id"], "category": "full", "registered_at": "2099-01-01T00:00:00Z"},
        status=422,
    )
    assert problem["code"] == "future_datetime"

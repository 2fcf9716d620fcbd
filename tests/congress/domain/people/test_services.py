"""People: unique lower-cased emails, membership filters, what a person may change."""

from __future__ import annotations

from tests.factories import Api


def test_email_is_stored_lower_case_and_unique(api: Api) -> None:
    person = api.person(email="Anna.Keller@Example.ORG")
    assert person["email"] == "anna.keller@example.org"
    problem = api.call("POST", "/api/people", {"name": "Twin", "email": "ANNA.KELLER@example.org"}, status=409)
    assert problem["code"] == "email_taken"


def test_people_filter_by_society_membership_and_year(api: Api) -> None:
    member = api.person()
    lapsed = api.person()
    api.membership(member["id"], society="ESSR", year=2026)
    api.membership(lapsed["id"], society="ESSR", year=2023)
    found = api.call("GET", "/api/people?society=ESSR&year=2026")["items"]
    assert [p["id"] for p in found] == [member["id"]]


def test_one_membership_per_society_and_year(api: Api) -> None:
    person = api.person()
    api.membership(person["id"], society="ESR", year=2026)
    problem = api.call(
        "POST", f"/api/people/{person['id']}/memberships", {"society": "ESR", "type": "full", "year": 2026}, status=409
    )
    assert problem["code"] == "membership_exists"


def test_search_treats_wildcards_literally(api: Api) -> None:
    api.person(name="Anna Keller")
    api.person(name="Ben 100% Sure")
    assert [p["name"] for p in api.call("GET", "/api/people?q=100%25")["items"]] == ["Ben 100% Sure"]
    assert api.call("GET", "/api/people?q=_nna")["total"] == 0
    assert [p["name"] for p in api.call("GET", "/api/people?q=keller")["items"]] == ["Anna Keller"]

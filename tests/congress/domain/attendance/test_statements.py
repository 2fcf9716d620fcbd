"""CME through the API: statements from door scans, evaluations, certificates, verification, retention."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, badge_world

# RC 1 runs 09:00-10:30 in the hall, RC 2 11:00-12:30 in the hall (Thursday 18 June, UTC+2).
VISIT = [
    ("2026-06-18T08:55:00+02:00", "hall", "in"),
    ("2026-06-18T10:31:00+02:00", "hall", "out"),
    ("2026-06-18T10:58:00+02:00", "hall", "in"),
    ("2026-06-18T11:40:00+02:00", "hall", "out"),
]


def visit(api: Api, world: dict[str, Any], person: str, scans: list[tuple[str, str, str]], prefix: str) -> None:
    device = Api(api.client, world["device_token"])
    body = [
        {
            "nonce": f"{prefix}-scan-{n:04d}",
            "badge": world["tokens"][person],
            "scanned_at": at,
            "room_id": world["rooms"][room],
            "direction": direction,
        }
        for n, (at, room, direction) in enumerate(scans)
    ]
    report = device.call("POST", f"/api/congresses/{world['congress']}/scans", {"scans": body}, 200)
    assert report["stored"] == len(scans), report


def person_api(api: Api, engine: Engine, person: str) -> Api:
    return Api(api.client, issue_token(engine, Role.ATTENDEE, uuid.UUID(person)))


def set_cme(api: Api, cid: str, **cme: Any) -> None:
    api.call("PATCH", f"/api/congresses/{cid}", {"cme": {"credits_per_hour": 1, "rounding_step": 0.25, **cme}})


def test_statement_credits_the_time_in_sessions_attended_for_most_of_their_length(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    set_cme(api, cid)
    visit(api, world, person, VISIT, "v")
    read = person_api(api, clean_db, person).call("GET", f"/api/congresses/{cid}/cme/statement")
    (day,) = read["statement"]["days"]
    assert [(s["title"], s["minutes_present"], s["credits"], s["reasons"]) for s in day["sessions"]] == [
        ("MR of the knee", 90, "1.50", []),
        ("Shoulder instability", 40, "0.00", ["below_majority"]),
    ]
    assert (read["credits"], read["frozen"], read["certificate_code"]) == ("1.50", False, None)


def test_statement_of_another_attendee_is_not_found(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid = world["congress"]
    me = person_api(api, clean_db, world["attendees"][0])
    me.call("GET", f"/api/congresses/{cid}/cme/statement?person_id={world['attendees'][1]}", status=404)
    read = api.call("GET", f"/api/congresses/{cid}/cme/statement?person_id={world['attendees'][1]}")
    assert read["person_id"] == world["attendees"][1]


def test_evaluation_required_credits_a_session_once_evaluated(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    set_cme(api, cid, evaluation_required=True)
    visit(api, world, person, VISIT[:2], "v")
    me = person_api(api, clean_db, person)
    assert me.call("GET", f"/api/congresses/{cid}/cme/statement")["credits"] == "0.00"
    me.call("PUT", f"/api/congresses/{cid}/evaluations/{world['items']['RC 1']}", {"rating": 4, "comment": "clear"})
    assert me.call("GET", f"/api/congresses/{cid}/cme/statement")["credits"] == "1.50"


def test_credits_are_the_same_whatever_order_the_scans_arrive_in(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid = world["congress"]
    set_cme(api, cid)
    first, second = world["attendees"]
    visit(api, world, first, VISIT, "a")
    shuffled = VISIT + VISIT[:2]
    random.Random(3).shuffle(shuffled)
    for n, scan in enumerate(shuffled):
        visit(api, world, second, [scan], f"b{n}")
    statements = [api.call("GET", f"/api/congresses/{cid}/cme/statement?person_id={p}") for p in (first, second)]
    assert statements[0]["statement"]["days"] == statements[1]["statement"]["days"]


def test_daily_cap_that_is_not_a_multiple_of_the_step_is_refused(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    body = {"cme": {"rounding_step": 0.5, "daily_cap": 7.25}}
    problem = api.call("PATCH", f"/api/congresses/{world['congress']}", body, status=422)
    assert (problem["code"], problem["detail"]) == (
        "invalid_cme",
        "default_day_cap 7.25 is not a multiple of the rounding step 0.5",
    )


def test_certificate_regenerates_byte_identical_and_verifies_publicly(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    set_cme(api, cid)
    visit(api, world, person, VISIT, "v")
    me = person_api(api, clean_db, person)
    first = me.client.get(f"/api/congresses/{cid}/cme/certificate.pdf", headers=me.headers)
    assert (first.status_code, first.headers["content-type"]) == (200, "application/pdf")
    code = me.call("GET", f"/api/congresses/{cid}/cme/statement")["certificate_code"]
    again = me.client.get(f"/api/congresses/{cid}/cme/certificate.pdf", headers=me.headers).content
    assert again == first.content
    check = api.client.get(f"/api/certificates/{code.lower()}").json()
    assert (check["valid"], check["name"], check["credits"]) == (True, "Attendee 01", "1.50")
    assert set(check) == {"valid", "congress", "name", "credits"}
    assert api.client.get("/api/certificates/AAAA-BBBB-CCCC").status_code == 404


def test_certificate_without_credits_is_refused(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    me = person_api(api, clean_db, world["attendees"][0])
    assert (
        me.call("GET", f"/api/congresses/{world['congress']}/cme/certificate.pdf", status=409)["code"] == "no_credits"
    )

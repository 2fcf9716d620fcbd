"""Change notices: who a release affects, what each is told, and the calendar file they get."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from congress.db.models import OutboxMessage
from congress.enums import OutboxStatus
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, next_draft, released_programme
from tests.icaljs import parse_with_icaljs, utc


def outbox(engine: Engine) -> dict[str, OutboxMessage]:
    with Session(engine) as session:
        return {m.recipient: m for m in session.scalars(select(OutboxMessage))}


def attendee(api: Api, engine: Engine, congress_id: str, name: str) -> tuple[dict[str, Any], Api]:
    person = api.person(name=name)
    api.registration(congress_id, person["id"])
    return person, Api(api.client, issue_token(engine, Role.ATTENDEE, uuid.UUID(person["id"])))


def second_release(api: Api, setup: dict[str, Any]) -> None:
    """Move RC 1 to the afternoon of day 2 and drop run 2 of HW 1."""
    cid = setup["congress"]
    draft, rows = next_draft(api, cid, setup["version"])
    rc1, hw = setup["items"]["RC 1"], setup["items"]["HW 1"]
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(rc1, 1)]}",
        {"starts_at": "2026-06-19T16:00:00+02:00"},
    )
    api.call("DELETE", f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(hw, 2)]}")
    api.release(cid, draft)


def test_first_release_announces_nothing(api: Api, clean_db: Engine) -> None:
    released_programme(api)
    assert outbox(clean_db) == {}


def test_release_writes_one_message_to_each_person_affected(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    fan, fan_api = attendee(api, clean_db, cid, "Fay Fan")
    seated, seated_api = attendee(api, clean_db, cid, "Sam Seat")
    _bystander, bystander_api = attendee(api, clean_db, cid, "Bo Bystander")
    fan_api.call("PUT", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 1']}")
    seated_api.call("PUT", f"/api/congresses/{cid}/agenda/seats/{setup['items']['HW 1']}", {"run": 2})
    bystander_api.call("PUT", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 3']}")
    second_release(api, setup)

    messages = outbox(clean_db)
    prof, tutor = (api.call("GET", f"/api/people/{setup['people'][p]}") for p in ("prof", "tutor"))
    assert set(messages) == {prof["email"], tutor["email"], fan["email"], seated["email"]}
    assert {m.release for m in messages.values()} == {2}
    assert {m.status for m in messages.values()} == {OutboxStatus.PENDING}
    assert len({m.message_id for m in messages.values()}) == 4

    to_fan = messages[fan["email"]]
    assert [(c["change"], c["reasons"]) for c in to_fan.changes] == [("changed", ["star"])]
    assert "was Thu 18 Jun 2026 09:00–10:30, Auditorium" in to_fan.body
    assert "now Fri 19 Jun 2026 16:00–17:30, Auditorium" in to_fan.body
    assert to_fan.body.startswith("Dear Fay Fan,")

    to_seated = messages[seated["email"]]
    assert [(c["change"], c["reasons"]) for c in to_seated.changes] == [("cancelled", ["seat"])]
    assert "CANCELLED  HW 1: Shoulder ultrasound (run 2 of 2)" in to_seated.body
    assert "you hold a seat in this run" in to_seated.body

    to_tutor = messages[tutor["email"]]
    assert [c["reasons"] for c in to_tutor.changes] == [["faculty"]]


def test_notice_attachment_updates_the_calendar_event(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    second_release(api, setup)
    prof = api.call("GET", f"/api/people/{setup['people']['prof']}")
    message = outbox(clean_db)[prof["email"]]
    assert message.attachment_name.endswith("-release-2.ics")
    parsed = parse_with_icaljs(message.attachment.encode())
    [event] = parsed["events"]
    assert event["uid"].startswith(setup["items"]["RC 1"] + ".1@")
    assert (event["sequence"], event["status"]) == (1, "CONFIRMED")
    assert utc(event["start"]).isoformat() == "2026-06-19T14:00:00+00:00"


def test_release_that_changes_nothing_writes_nothing(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    draft, _ = next_draft(api, setup["congress"], setup["version"])
    api.release(setup["congress"], draft)
    assert outbox(clean_db) == {}


def test_title_change_is_announced_to_faculty_with_the_old_title(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{setup['items']['RC 3']}", {"title": "Spine trauma in 2026"})
    draft, _ = next_draft(api, cid, setup["version"])
    api.release(cid, draft)
    # RC 3 has no faculty and nobody starred it: nobody to tell.
    assert outbox(clean_db) == {}
    api.call("PATCH", f"/api/congresses/{cid}/items/{setup['items']['RC 2']}", {"title": "Shoulder instability today"})
    releases = api.call("GET", f"/api/congresses/{cid}/versions?status=released")["items"]
    draft, _ = next_draft(api, cid, max(releases, key=lambda v: v["number"])["id"])
    api.release(cid, draft)
    prof = api.call("GET", f"/api/people/{setup['people']['prof']}")
    body = outbox(clean_db)[prof["email"]].body
    assert "CHANGED    RC 2: Shoulder instability today" in body
    assert "title was: Shoulder instability" in body

"""The outbox through the API: organisers see every notice a release wrote and may requeue a failed one."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, update

from congress.db.models import OutboxMessage
from congress.enums import OutboxStatus
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, next_draft, released_programme


def moved_release(api: Api) -> dict[str, str]:
    """Release 2 moves RC 1: Prof. Ada Knee (its speaker) gets a notice."""
    setup = released_programme(api)
    cid = setup["congress"]
    draft, rows = next_draft(api, cid, setup["version"])
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(setup['items']['RC 1'], 1)]}",
        {"starts_at": "2026-06-20T09:00:00+02:00"},
    )
    api.release(cid, draft)
    return {"congress": cid, "prof": setup["people"]["prof"]}


def test_outbox_lists_the_notices_of_a_release(api: Api) -> None:
    setup = moved_release(api)
    page = api.call("GET", f"/api/congresses/{setup['congress']}/outbox")
    assert page["total"] == 1
    [notice] = page["items"]
    assert (notice["person_id"], notice["release"], notice["status"]) == (setup["prof"], 2, "pending")
    assert notice["changes"][0]["change"] == "changed"
    assert api.call("GET", f"/api/congresses/{setup['congress']}/outbox?status=sent")["total"] == 0
    assert api.call("GET", f"/api/congresses/{setup['congress']}/outbox?release=1")["total"] == 0


def test_outbox_message_shows_its_text_and_calendar(api: Api) -> None:
    setup = moved_release(api)
    [notice] = api.call("GET", f"/api/congresses/{setup['congress']}/outbox")["items"]
    full = api.call("GET", f"/api/congresses/{setup['congress']}/outbox/{notice['id']}")
    assert full["body"].startswith("Dear Prof. Ada Knee,")
    assert "now Sat 20 Jun 2026 09:00–10:30, Auditorium" in full["body"]
    assert full["attachment"].startswith("BEGIN:VCALENDAR\r\n")


def test_requeue_refuses_a_pending_notice_and_takes_a_failed_one(api: Api, clean_db: Engine) -> None:
    setup = moved_release(api)
    cid = setup["congress"]
    [notice] = api.call("GET", f"/api/congresses/{cid}/outbox")["items"]
    problem = api.call("POST", f"/api/congresses/{cid}/outbox/{notice['id']}/requeue", status=409)
    assert problem["code"] == "not_requeueable"
    with clean_db.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == uuid.UUID(notice["id"]))
            .values(status=OutboxStatus.UNCERTAIN, attempts=1, last_error="sender stopped while sending")
        )
    again = api.call("POST", f"/api/congresses/{cid}/outbox/{notice['id']}/requeue", status=200)
    assert (again["status"], again["attempts"]) == ("pending", 0)


def test_outbox_of_another_congress_hides_the_message(api: Api) -> None:
    setup = moved_release(api)
    [notice] = api.call("GET", f"/api/congresses/{setup['congress']}/outbox")["items"]
    other = api.congress()
    api.call("GET", f"/api/congresses/{other['id']}/outbox/{notice['id']}", status=404)


def test_outbox_is_for_organisers_only(api: Api, clean_db: Engine) -> None:
    setup = moved_release(api)
    prof = Api(api.client, issue_token(clean_db, Role.ATTENDEE, uuid.UUID(setup["prof"])))
    prof.call("GET", f"/api/congresses/{setup['congress']}/outbox", status=403)

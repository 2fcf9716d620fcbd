"""Oral-exam slots in the personal calendar feeds of examiners and candidates, read back with ical.js."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, diploma
from tests.icaljs import parse_with_icaljs, utc


def feed(
    api: Api, engine: Engine, client: TestClient[Litestar], cid: str, person_id: str, role: Role
) -> tuple[str, Any]:
    own = Api(api.client, issue_token(engine, role, uuid.UUID(person_id)))
    url = own.call("POST", f"/api/congresses/{cid}/feeds")["url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    return path, client.get(path)


def exam_events(ics: bytes) -> list[dict[str, Any]]:
    return [e for e in parse_with_icaljs(ics)["events"] if e["uid"].startswith("exam-")]


def place(api: Api, setup: dict[str, Any]) -> dict[str, Any]:
    body = {
        "application_id": setup["candidates"]["Candidate 01"]["application"],
        "workstation_id": setup["workstations"][0],
        "starts_at": "2026-06-18T09:00:00+02:00",
        "examiner_ids": [setup["examiners"][n]["person"] for n in ("Examiner 01", "Examiner 02")],
    }
    slot: dict[str, Any] = api.call("POST", f"/api/congresses/{setup['congress']}/exam/slots", body)
    return slot


def test_examiner_feed_holds_their_oral_with_candidate_and_panel(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    slot = place(api, setup)
    _, response = feed(
        api, clean_db, client, setup["congress"], setup["examiners"]["Examiner 01"]["person"], Role.EXAMINER
    )
    (event,) = exam_events(response.content)
    assert (event["summary"], event["location"], event["sequence"]) == (
        "EDiMSK 2026: oral exam of Candidate 01",
        "Exam Room, workstation 1, Palazzo dei Congressi",
        0,
    )
    assert (event["start"], event["end"]) == ("2026-06-18T07:00:00.000Z", "2026-06-18T07:20:00.000Z")
    assert (
        event["uid"] == f"exam-{slot['id']}@{api.call('GET', '/api/congresses/' + setup['congress'])['slug']}.congress"
    )
    assert b"Panel: you\\, Examiner 02." in response.content.replace(b"\r\n ", b"")


def test_candidate_feed_holds_their_oral_without_the_panel(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    place(api, setup)
    person = setup["candidates"]["Candidate 01"]["person"]
    _, response = feed(api, clean_db, client, setup["congress"], person, Role.CANDIDATE)
    (event,) = exam_events(response.content)
    assert event["summary"] == "EDiMSK 2026: your oral exam"
    assert b"Examiner 0" not in response.content


def test_moving_an_oral_changes_the_etag_and_raises_the_sequence(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    slot = place(api, setup)
    path, before = feed(
        api, clean_db, client, setup["congress"], setup["examiners"]["Examiner 02"]["person"], Role.EXAMINER
    )
    assert client.get(path, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    api.call(
        "PATCH",
        f"/api/congresses/{setup['congress']}/exam/slots/{slot['id']}",
        {"starts_at": "2026-06-18T09:40:00+02:00"},
    )
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    (event,) = exam_events(after.content)
    assert (event["sequence"], utc(event["start"]).isoformat()) == (1, "2026-06-18T07:40:00+00:00")


def test_an_examiner_who_withdraws_loses_the_oral_from_their_feed(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    place(api, setup)
    leaving = setup["examiners"]["Examiner 01"]
    path, before = feed(api, clean_db, client, setup["congress"], leaving["person"], Role.EXAMINER)
    assert len(exam_events(before.content)) == 1
    api.call("PATCH", f"/api/congresses/{setup['congress']}/exam/examiners/{leaving['examiner']}", {"withdrawn": True})
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert (after.status_code, exam_events(after.content)) == (200, [])

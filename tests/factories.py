"""Boring factories: build test data through the public API as an organiser would."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from congress.db.models import Badge, BadgeKey, Registration
from congress.lib import badges

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


class Api:
    """An organiser's client with one helper per kind of object."""

    def __init__(self, client: TestClient[Litestar], token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, json: Any = None, status: int | None = None) -> Any:
        response = self.client.request(method, path, json=json, headers=self.headers)
        expected = status or {"POST": 201, "DELETE": 204}.get(method, 200)
        assert response.status_code == expected, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def congress(self, **fields: Any) -> dict[str, Any]:
        body = {
            "slug": unique("essr"),
            "name": "ESSR Annual Meeting",
            "time_zone": "Europe/Zurich",
            "first_day": "2026-06-18",
            "last_day": "2026-06-20",
            "venue": "Palazzo dei Congressi",
            "city": "Lugano",
            "breaks": [{"start": "12:30", "end": "13:30", "label": "Lunch"}],
        } | fields
        result: dict[str, Any] = self.call("POST", "/api/congresses", body)
        return result

    def room(self, congress_id: str, **fields: Any) -> dict[str, Any]:
        body = {"name": unique("Room"), "capacity": 200, "equipment": {"projector": 1}} | fields
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/rooms", body)
        return result

    def person(self, **fields: Any) -> dict[str, Any]:
        name = unique("person")
        body = {
            "name": name.title(),
            "email": f"{name}@example.org",
            "institution": "USI",
            "country": "CH",
        } | fields
        result: dict[str, Any] = self.call("POST", "/api/people", body)
        return result

    def membership(self, person_id: str, **fields: Any) -> dict[str, Any]:
        body = {"society": "ESSR", "type": "full", "year": 2026} | fields
        result: dict[str, Any] = self.call("POST", f"/api/people/{person_id}/memberships", body)
        return result

    def registration(self, congress_id: str, person_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "person_id": person_id,
            "category": "full",
            "registered_at": "2026-02-01T09:00:00+01:00",
        } | fields
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/registrations", body)
        return result

    def item(self, congress_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "kind": "refresher_course",
            "title": "MR imaging of the knee",
            "duration_minutes": 90,
            "topics": ["knee", "MR"],
            "expected_attendance": 150,
        } | fields
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/items", body)
        return result

    def faculty(self, congress_id: str, item_id: str, person_id: str, role: str = "speaker") -> dict[str, Any]:
        body = {"person_id": person_id, "role": role}
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/items/{item_id}/faculty", body)
        return result

    def availability(self, congress_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "kind": "unavailable",
            "starts_at": "2026-06-18T08:00:00+02:00",
            "ends_at": "2026-06-18T12:30:00+02:00",
        } | fields
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/availability", body)
        return result

    def draft(self, congress_id: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", f"/api/congresses/{congress_id}/versions", {} | fields)
        return result

    def assignment(self, congress_id: str, version_id: str, **fields: Any) -> dict[str, Any]:
        path = f"/api/congresses/{congress_id}/versions/{version_id}/assignments"
        result: dict[str, Any] = self.call("POST", path, fields)
        return result

    def release(self, congress_id: str, version_id: str) -> dict[str, Any]:
        path = f"/api/congresses/{congress_id}/versions/{version_id}/release"
        result: dict[str, Any] = self.call("POST", path, {}, status=200)
        return result


def small_programme(api: Api) -> dict[str, Any]:
    """A congress the solver places in well under a second: 3 rooms, 6 items, a 2-run workshop, shared faculty."""
    c = api.congress()
    cid = c["id"]
    hall = api.room(cid, name="Auditorium", capacity=400)
    small = api.room(cid, name="Room B", capacity=80)
    lab = api.room(cid, name="US-Lab", capacity=20, equipment={"ultrasound_station": 8})
    prof = api.person(name="Prof. Ada Knee")
    tutor = api.person(name="Dr. Ben Probe")
    items = [
        api.item(cid, code="RC 1", title="MR of the knee", topics=["MSK"], expected_attendance=300),
        api.item(cid, code="RC 2", title="Shoulder instability", topics=["MSK"], expected_attendance=250),
        api.item(cid, code="RC 3", title="Spine trauma", topics=["neuro"], expected_attendance=60, duration_minutes=60),
        api.item(
            cid,
            code="HW 1",
            kind="hands_on_workshop",
            title="Shoulder ultrasound",
            topics=["MSK"],
            duration_minutes=90,
            expected_attendance=16,
            capacity=16,
            runs=2,
            required_equipment={"ultrasound_station": 8},
        ),
    ]
    api.faculty(cid, items[0]["id"], prof["id"])
    api.faculty(cid, items[1]["id"], prof["id"])
    api.faculty(cid, items[3]["id"], tutor["id"], role="tutor")
    return {
        "congress": cid,
        "rooms": {"hall": hall["id"], "small": small["id"], "lab": lab["id"]},
        "people": {"prof": prof["id"], "tutor": tutor["id"]},
        "items": {i["code"]: i["id"] for i in items},
    }


# Hand placements for ``small_programme`` (Europe/Zurich, summer time: UTC+2), no rule broken.
SMALL_PLACEMENTS = [
    ("RC 1", 1, "hall", "2026-06-18T09:00:00+02:00"),
    ("RC 2", 1, "hall", "2026-06-18T11:00:00+02:00"),
    ("RC 3", 1, "small", "2026-06-19T09:00:00+02:00"),
    ("HW 1", 1, "lab", "2026-06-18T14:00:00+02:00"),
    ("HW 1", 2, "lab", "2026-06-19T14:00:00+02:00"),
]


def released_programme(api: Api) -> dict[str, Any]:
    """``small_programme`` placed by hand and released as version 1; returns its ids and the assignments."""
    setup = small_programme(api)
    cid = setup["congress"]
    draft = api.draft(cid)
    placed = {}
    for code, run, room, start in SMALL_PLACEMENTS:
        row = api.assignment(
            cid, draft["id"], item_id=setup["items"][code], room_id=setup["rooms"][room], starts_at=start, run=run
        )
        placed[(code, run)] = row
    api.release(cid, draft["id"])
    return setup | {"assignments": placed, "version": draft["id"]}


def next_draft(api: Api, congress_id: str, previous_version: str) -> tuple[str, dict[tuple[str, int], str]]:
    """A new draft copied from a release; returns its id and assignment ids by (item id, run)."""
    draft = api.draft(congress_id, copy_from=previous_version)
    rows = api.call("GET", f"/api/congresses/{congress_id}/versions/{draft['id']}/assignments?limit=500")["items"]
    return draft["id"], {(r["item_id"], r["run"]): r["id"] for r in rows}


def eligible_documents(**overrides: Any) -> dict[str, Any]:
    """A complete, accepted EDiMSK checklist (ESSR 2025 and ECR 2024 attended, 60 MSK CME credits)."""
    accepted = {"status": "accepted", "evidence": "on file"}
    documents: dict[str, Any] = {
        key: dict(accepted)
        for key in (
            "training_certificate",
            "logbook",
            "letter_of_support",
            "msk_cme_credits",
            "cv",
            "meetings",
            "abstract",
        )
    }
    documents |= {
        "msk_cme_credit_count": 60,
        "meetings_attended": [{"meeting": "ESSR", "year": 2025}, {"meeting": "ECR", "year": 2024}],
        "abstract_title": "Ultrasound of the rotator cuff",
    }
    return documents | overrides


# The oral window of ``diploma``: Thursday morning of the small programme, when Prof. Ada Knee teaches
# RC 1 (09:00-10:30) and RC 2 (11:00-12:30).
ORAL_WINDOW = ("2026-06-18T09:00:00+02:00", "2026-06-18T13:00:00+02:00")


def diploma(
    api: Api,
    *,
    candidates: int = 4,
    examiners: int = 3,
    workstations: int = 2,
    seat_limit: int = 30,
    windows: list[tuple[str, str]] | None = None,
    panel_size: int = 2,
) -> dict[str, Any]:
    """The released small programme plus a diploma sitting: eligible, registered, admitted candidates, and
    appointed ESSR examiners, the first of whom is Prof. Ada Knee (who teaches in the programme)."""
    setup = released_programme(api)
    cid = setup["congress"]
    room = api.room(cid, name="Exam Room", capacity=10, equipment={"exam_workstation": workstations})
    sitting = api.call(
        "PUT",
        f"/api/congresses/{cid}/exam",
        {
            "title": "EDiMSK 2026",
            "exam_year": 2026,
            "seat_limit": seat_limit,
            "oral_windows": [{"starts_at": s, "ends_at": e} for s, e in (windows or [ORAL_WINDOW])],
            "exam_rooms": [room["id"]],
            "written_starts_at": "2026-05-13T10:00:00+02:00",
            "panel_size": panel_size,
        },
    )
    director = api.person(name="Prof. Director", institution="Teaching Hospital")
    people: dict[str, dict[str, str]] = {}
    for n in range(1, candidates + 1):
        person = api.person(name=f"Candidate {n:02d}", institution=f"Hospital {n}")
        for society in ("ESR", "ESSR"):
            api.membership(person["id"], society=society, year=2026)
        api.registration(cid, person["id"])
        application = api.call(
            "POST",
            f"/api/congresses/{cid}/exam/applications",
            {
                "person_id": person["id"],
                "received_at": f"2026-03-{n:02d}T09:00:00+01:00",
                "documents": eligible_documents(),
                "programme_director_id": director["id"],
                "letter_writer_id": director["id"],
            },
        )
        people[person["name"]] = {"person": person["id"], "application": application["id"]}
    panel: dict[str, dict[str, str]] = {}
    for n in range(examiners):
        if n == 0:
            person_id, name = setup["people"]["prof"], "Prof. Ada Knee"
        else:
            name = f"Examiner {n:02d}"
            person_id = api.person(name=name, institution=f"University {n}")["id"]
        api.membership(person_id, society="ESSR", year=2026)
        row = api.call(
            "POST",
            f"/api/congresses/{cid}/exam/examiners",
            {"person_id": person_id, "contribution": "Teaching at ESSR courses", "approve": True},
        )
        panel[name] = {"person": person_id, "examiner": row["id"]}
    return setup | {
        "sitting": sitting,
        "exam_room": room["id"],
        "workstations": [w["id"] for w in sitting["workstations"]],
        "candidates": people,
        "examiners": panel,
        "director": director["id"],
    }


def badge_world(api: Api, engine: Engine, attendees: int = 3) -> dict[str, Any]:
    """The released small programme, registered attendees with badges, and a scanner device at the hall."""
    setup = released_programme(api)
    cid = setup["congress"]
    people = []
    for n in range(1, attendees + 1):
        person = api.person(name=f"Attendee {n:02d}")
        api.registration(cid, person["id"])
        people.append(person["id"])
    api.call("POST", f"/api/congresses/{cid}/badges/issue", status=200)
    device = api.call(
        "POST", f"/api/congresses/{cid}/scanners", {"name": "Hall door", "room_id": setup["rooms"]["hall"]}
    )
    return setup | {
        "attendees": people,
        "tokens": badge_tokens(engine, cid),
        "device": device["device"]["id"],
        "device_token": device["token"],
    }


def badge_tokens(engine: Engine, congress_id: str) -> dict[str, str]:
    """Person id -> the signed QR text of their active badge, signed as the printer does."""
    cid = uuid.UUID(congress_id)
    with Session(engine) as session:
        rows = session.execute(
            select(Badge.id, Registration.person_id, BadgeKey.private_key)
            .join(Registration, Registration.id == Badge.registration_id)
            .join(BadgeKey, BadgeKey.kid == Badge.kid)
            .where(Badge.congress_id == cid, Badge.revoked_at.is_(None))
        ).tuples()
        return {
            str(person): badges.sign_badge(badges.private_from_bytes(key), cid, badge) for badge, person, key in rows
        }

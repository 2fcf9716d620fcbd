"""Boring factories: build test data through the public API as an organiser would."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

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

"""Concurrent writers against a live server: rules hold, nothing fails halfway."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from congress.config import Settings
from congress.db.models import ExamPanelSeat, ExamSitting, ExamSlot, Presence, Scan
from congress.lib.errors import is_busy
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, badge_world, diploma, released_programme
from tests.live_server import live_server

WRITERS = 12


@pytest.fixture
def server(migrated: Settings, clean_db: Engine) -> Iterator[str]:
    with live_server(migrated) as url:
        yield url


@pytest.fixture
def headers(clean_db: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(clean_db, Role.ORGANISER)}"}


def _congress(server: str, headers: dict[str, str]) -> str:
    body = {
        "slug": "essr-2026",
        "name": "ESSR 2026",
        "time_zone": "Europe/Zurich",
        "first_day": "2026-06-18",
        "last_day": "2026-06-20",
    }
    congress_id: str = httpx.post(f"{server}/api/congresses", json=body, headers=headers).json()["id"]
    return congress_id


def test_concurrent_drafts_give_exactly_one(server: str, headers: dict[str, str]) -> None:
    congress = _congress(server, headers)

    def start_draft(_: int) -> int:
        return httpx.post(
            f"{server}/api/congresses/{congress}/versions", json={}, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = Counter(pool.map(start_draft, range(WRITERS)))
    assert statuses == {201: 1, 409: WRITERS - 1}


def test_concurrent_registrations_of_one_person_give_exactly_one(server: str, headers: dict[str, str]) -> None:
    congress = _congress(server, headers)
    person = httpx.post(
        f"{server}/api/people", json={"name": "Anna", "email": "anna@example.org"}, headers=headers
    ).json()

    def register(_: int) -> int:
        body = {"person_id": person["id"], "category": "full"}
        url = f"{server}/api/congresses/{congress}/registrations"
        return httpx.post(url, json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = Counter(pool.map(register, range(WRITERS)))
    assert statuses == {201: 1, 409: WRITERS - 1}


def test_concurrent_distinct_writes_all_succeed(server: str, headers: dict[str, str]) -> None:
    def add_person(n: int) -> int:
        body = {"name": f"Person {n}", "email": f"p{n}@example.org"}
        return httpx.post(f"{server}/api/people", json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = Counter(pool.map(add_person, range(WRITERS * 3)))
    assert statuses == {201: WRITERS * 3}
    listed = httpx.get(f"{server}/api/people?limit=500", headers=headers).json()
    assert listed["total"] == WRITERS * 3


def test_concurrent_solve_requests_queue_exactly_one_run(server: str, headers: dict[str, str]) -> None:
    congress = _congress(server, headers)

    def solve(_: int) -> tuple[int, str]:
        response = httpx.post(
            f"{server}/api/congresses/{congress}/solves", json={"time_limit": 5}, headers=headers, timeout=30
        )
        return response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(solve, range(WRITERS)))
    assert outcomes == {(202, ""): 1, (409, "solve_running"): WRITERS - 1}


def test_concurrent_seat_requests_never_overfill_a_run(
    server: str, headers: dict[str, str], clean_db: Engine, app_client: Any
) -> None:
    setup = released_programme(Api(app_client, headers["Authorization"].removeprefix("Bearer ")))
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    httpx.patch(f"{server}/api/congresses/{cid}/items/{hw}", json={"capacity": 3}, headers=headers).raise_for_status()
    tokens = []
    for n in range(WRITERS):
        person = httpx.post(
            f"{server}/api/people", json={"name": f"P{n}", "email": f"seat{n}@example.org"}, headers=headers
        ).json()
        httpx.post(
            f"{server}/api/congresses/{cid}/registrations",
            json={"person_id": person["id"], "category": "full"},
            headers=headers,
        ).raise_for_status()
        tokens.append(issue_token(clean_db, Role.ATTENDEE, uuid.UUID(person["id"])))

    def take(token: str) -> tuple[int, str]:
        response = httpx.put(
            f"{server}/api/congresses/{cid}/agenda/seats/{hw}",
            json={"run": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.status_code, response.json().get("code", "") if response.status_code >= 400 else ""

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(take, tokens))
    assert outcomes == {(200, ""): 3, (409, "run_full"): WRITERS - 3}
    seats = httpx.get(f"{server}/api/congresses/{cid}/items/{hw}/seats", headers=headers).json()
    assert [(r["run"], r["taken"]) for r in seats["runs"]] == [(1, 3), (2, 0)]


def test_concurrent_hand_placed_orals_never_double_book_an_examiner(
    server: str, headers: dict[str, str], app_client: Any
) -> None:
    api = Api(app_client, headers["Authorization"].removeprefix("Bearer "))
    setup = diploma(api, candidates=WRITERS, examiners=3, workstations=WRITERS)
    cid = setup["congress"]
    panel = [setup["examiners"][name]["person"] for name in ("Examiner 01", "Examiner 02")]
    requests = [
        {
            "application_id": candidate["application"],
            "workstation_id": station,
            # Every slot overlaps every other one by at least ten minutes.
            "starts_at": f"2026-06-18T09:{n % 2 * 10:02d}:00+02:00",
            "examiner_ids": panel,
        }
        for n, (candidate, station) in enumerate(zip(setup["candidates"].values(), setup["workstations"], strict=True))
    ]

    def place(body: dict[str, Any]) -> tuple[int, str]:
        response = httpx.post(f"{server}/api/congresses/{cid}/exam/slots", json=body, headers=headers, timeout=30)
        return response.status_code, response.json().get("code", "") if response.status_code >= 400 else ""

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(place, requests))
    # A writer whose constraint check deadlocks with another's is told to retry (503); none is stored twice.
    refused = outcomes[409, "examiner_double_booked"] + outcomes[503, "database_busy"]
    assert outcomes[201, ""] == 1
    assert refused == WRITERS - 1, outcomes
    slots = httpx.get(f"{server}/api/congresses/{cid}/exam/slots", headers=headers).json()
    assert [sorted(p["person_id"] for p in s["panel"]) for s in slots] == [sorted(panel)]


def test_database_refuses_overlapping_panel_seats_written_at_once(api: Api, clean_db: Engine) -> None:
    """Below the API: concurrent transactions inserting overlapping rows for one examiner; one commits."""
    setup = diploma(api, candidates=WRITERS, examiners=1, workstations=WRITERS)
    examiner = uuid.UUID(setup["examiners"]["Prof. Ada Knee"]["person"])
    start = dt.datetime(2026, 6, 18, 11, 0, tzinfo=dt.UTC)
    slot_ids = []
    with Session(clean_db) as session, session.begin():
        sitting_id = session.scalars(select(ExamSitting.id)).one()
        for candidate, station in zip(setup["candidates"].values(), setup["workstations"], strict=True):
            slot = ExamSlot(
                sitting_id=sitting_id,
                application_id=uuid.UUID(candidate["application"]),
                workstation_id=uuid.UUID(station),
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=20),
            )
            session.add(slot)
            session.flush()
            slot_ids.append(slot.id)
    barrier = threading.Barrier(WRITERS)

    def seat(n: int) -> str:
        barrier.wait()
        try:
            with Session(clean_db) as session, session.begin():
                offset = dt.timedelta(minutes=n % 3 * 5)
                session.add(
                    ExamPanelSeat(
                        slot_id=slot_ids[n],
                        examiner_id=examiner,
                        starts_at=start + offset,
                        ends_at=start + offset + dt.timedelta(minutes=20),
                    )
                )
        except IntegrityError as exc:
            return "refused" if "double_booked" in str(exc.orig) or "overlap" in str(exc.orig) else str(exc.orig)
        except OperationalError as exc:
            # Concurrent exclusion-constraint checks can wait on each other; PostgreSQL then aborts one of them.
            return "deadlock victim" if is_busy(exc) else str(exc.orig)
        return "stored"

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(seat, range(WRITERS)))
    assert outcomes["stored"] == 1
    assert outcomes["refused"] + outcomes["deadlock victim"] == WRITERS - 1
    with Session(clean_db) as session:
        assert session.scalar(select(func.count()).select_from(ExamPanelSeat)) == 1


def test_fifty_concurrent_scans_of_one_badge_give_one_consistent_state(
    server: str, headers: dict[str, str], clean_db: Engine, app_client: Any
) -> None:
    api = Api(app_client, headers["Authorization"].removeprefix("Bearer "))
    world = badge_world(api, clean_db, attendees=1)
    cid, token = world["congress"], world["tokens"][world["attendees"][0]]
    device = {"Authorization": f"Bearer {world['device_token']}"}
    scans = 50

    def scan(n: int) -> str:
        body = {"scans": [{"nonce": f"door-scan-{n:04d}", "badge": token, "scanned_at": "2026-06-18T09:00:00+02:00"}]}
        response = httpx.post(f"{server}/api/congresses/{cid}/scans", json=body, headers=device, timeout=60)
        response.raise_for_status()
        code: str = response.json()["results"][0]["code"]
        return code

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(scan, range(scans)))
    assert outcomes == {"ok": 1, "already_inside": scans - 1}
    occupancy = httpx.get(f"{server}/api/congresses/{cid}/occupancy", headers=headers).json()
    assert {r["room"]: r["inside"] for r in occupancy["rooms"] if r["inside"]} == {"Auditorium": 1}
    with Session(clean_db) as session:
        assert session.scalar(select(func.count()).select_from(Scan)) == scans
        assert session.scalar(select(func.count()).select_from(Presence)) == 1

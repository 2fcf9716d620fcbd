"""Concurrent writers against a live server: rules hold, nothing fails halfway."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine

from congress.config import Settings
from congress.lib.security import Role
from tests.conftest import issue_token
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

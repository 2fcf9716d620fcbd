from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy.exc import OperationalError

from congress.lib.errors import Conflict, InvalidInput, problem_details_handler


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@get("/conflict", sync_to_thread=False)
def conflict() -> None:
    raise Conflict("Already there", code="already_there")


@get("/invalid", sync_to_thread=False)
def invalid() -> None:
    raise InvalidInput("Bad zone", code="unknown_time_zone", field="time_zone")


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@get("/deadlock", sync_to_thread=False)
def deadlock() -> None:
    raise OperationalError("UPDATE presence", {}, _DriverError("deadlock detected", sqlstate="40P01"))


@get("/sqlite-busy", sync_to_thread=False)
def sqlite_busy() -> None:
    raise OperationalError("INSERT INTO scan", {}, _DriverError("database is locked"))


@get("/disk-full", sync_to_thread=False)
def disk_full() -> None:
    raise OperationalError("INSERT INTO scan", {}, _DriverError("database or disk is full"))


@pytest.fixture
def client() -> TestClient[Litestar]:
    app = Litestar(
        [boom, conflict, invalid, deadlock, sqlite_busy, disk_full],
        exception_handlers={Exception: problem_details_handler},
    )
    return TestClient(app)


def test_unexpected_error_is_a_500_problem_without_internals(client: TestClient[Litestar]) -> None:
    with client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "hunter2" not in response.text


def test_congress_error_keeps_its_code_and_status(client: TestClient[Litestar]) -> None:
    with client:
        response = client.get("/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://congress.invalid/problems/already-there",
        "title": "Conflict with the current state",
        "status": 409,
        "code": "already_there",
        "detail": "Already there",
        "instance": "/conflict",
        "errors": [],
        "problems": [],
    }


def test_invalid_input_names_the_field(client: TestClient[Litestar]) -> None:
    with client:
        response = client.get("/invalid")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "time_zone", "message": "Bad zone"}]


def test_unknown_route_is_a_404_problem(client: TestClient[Litestar]) -> None:
    with client:
        response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/deadlock", "/sqlite-busy"])
def test_lost_lock_race_is_a_503_to_retry(client: TestClient[Litestar], path: str) -> None:
    with client:
        response = client.get(path)
    assert (response.status_code, response.json()["code"], response.headers["retry-after"]) == (
        503,
        "database_busy",
        "1",
    )


def test_other_database_failure_is_a_500_not_a_retry(client: TestClient[Litestar]) -> None:
    with client:
        response = client.get("/disk-full")
    assert (response.status_code, response.json()["code"]) == (500, "internal_error")

"""The solve routes over HTTP: a real worker process, server-sent progress, problems for bad requests."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.app import create_app
from congress.config import Settings
from congress.lib.security import Role
from congress.scheduling.jobs import serve_forever
from tests.conftest import issue_token
from tests.factories import Api, small_programme


@pytest.fixture
def launching_api(migrated: Settings, clean_db: Engine) -> Iterator[Api]:
    """An app that starts a worker process for every solve, as in production."""
    settings = dataclasses.replace(migrated, solve_jobs="process")
    with TestClient(create_app(settings)) as client:
        yield Api(client, issue_token(clean_db, Role.ORGANISER))


def test_a_solve_runs_in_its_own_process_and_becomes_the_draft(launching_api: Api) -> None:
    api = launching_api
    p = small_programme(api)
    cid = p["congress"]
    run = api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10, "seed": 1}, status=202)
    deadline = time.monotonic() + 60
    while run["status"] in {"queued", "running"} and time.monotonic() < deadline:
        time.sleep(0.2)
        run = api.call("GET", f"/api/congresses/{cid}/solves/{run['id']}")
    assert run["status"] == "succeeded", run
    assert run["progress"]["elapsed"] >= 0
    drafts = api.call("GET", f"/api/congresses/{cid}/versions?status=draft")["items"]
    assert [d["id"] for d in drafts] == [run["version_id"]]
    assert drafts[0]["assignment_count"] == 5


def events(body: str) -> list[tuple[str, str]]:
    out = []
    for block in body.strip().split("\r\n\r\n" if "\r\n" in body else "\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        out.append((fields.get("event", ""), fields.get("data", "")))
    return out


def test_events_stream_ends_with_the_finished_run(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    run = api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10}, status=202)
    serve_forever(clean_db, once=True)
    response = api.client.get(f"/api/congresses/{cid}/solves/{run['id']}/events", headers=api.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    assert stream[-1][0] == "finished"
    assert '"status":"succeeded"' in stream[-1][1]


def test_cancelling_a_queued_solve_cancels_it_at_once(api: Api) -> None:
    p = small_programme(api)
    cid = p["congress"]
    run = api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10}, status=202)
    cancelled = api.call("POST", f"/api/congresses/{cid}/solves/{run['id']}/cancel", status=200)
    assert (cancelled["status"], cancelled["cancel_requested"]) == ("cancelled", True)
    again = api.call("POST", f"/api/congresses/{cid}/solves/{run['id']}/cancel", status=409)
    assert again["code"] == "solve_finished"
    # The congress is free to be solved again.
    api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10}, status=202)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit": 0}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"step_minutes": 7}, "step_minutes"),
        ({"weights": {"room_fit": -1}}, "room_fit"),
        ({"mode": "fastest"}, "mode"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_bad_solve_request_is_a_problem_and_queues_nothing(api: Api, body: dict[str, Any], field: str) -> None:
    p = small_programme(api)
    cid = p["congress"]
    problem = api.call("POST", f"/api/congresses/{cid}/solves", body, status=400)
    assert problem["code"] == "invalid_request"
    assert field in json.dumps(problem["errors"])
    assert api.call("GET", f"/api/congresses/{cid}/solves")["total"] == 0


def test_solving_an_unknown_congress_is_not_found(api: Api) -> None:
    problem = api.call(
        "POST", "/api/congresses/01a20c63-0000-7000-8000-000000000000/solves", {"time_limit": 5}, status=404
    )
    assert problem["code"] == "not_found"

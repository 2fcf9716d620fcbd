"""Solve jobs: claimed by one worker only, written into the draft, cancellable, failures recorded."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from congress.db.models import Assignment, ScheduleVersion, SolveRun
from congress.enums import SolveStatus, VersionStatus
from congress.scheduling import jobs
from congress.scheduling.jobs import claim, execute, serve_forever
from solver.costs import TERMS
from tests.factories import SMALL_PLACEMENTS, Api, small_programme


def start(api: Api, congress_id: str, **body: Any) -> str:
    run = api.call("POST", f"/api/congresses/{congress_id}/solves", {"time_limit": 10} | body, status=202)
    assert run["status"] == "queued"
    return str(run["id"])


def read(api: Api, congress_id: str, run_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api.call("GET", f"/api/congresses/{congress_id}/solves/{run_id}")
    return result


def test_a_job_is_claimed_by_exactly_one_of_many_workers(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    run_id = uuid.UUID(start(api, p["congress"]))
    winners: list[uuid.UUID | None] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        winners.append(claim(clean_db, run_id))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [w for w in winners if w is not None] == [run_id]


def test_solving_fills_the_draft_and_reports_every_term(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    run_id = start(api, cid, seed=3)
    assert serve_forever(clean_db, once=True) == 1
    run = read(api, cid, run_id)
    assert run["status"] == "succeeded", run
    result = run["result"]
    assert result["solver_status"] in {"optimal", "feasible"}
    assert result["violations"] == []
    assert result["placed"] == 5
    assert [t["name"] for t in result["terms"]] == list(TERMS)
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{run['version_id']}/assignments")["items"]
    assert len(rows) == 5
    workshop = [r for r in rows if r["item_id"] == p["items"]["HW 1"]]
    assert {r["room_id"] for r in workshop} == {p["rooms"]["lab"]}
    check = api.call("GET", f"/api/congresses/{cid}/versions/{run['version_id']}/check")
    assert check["violations"] == []
    assert check["placed"] == check["runs"] == 5


def test_pinned_assignments_survive_a_solve(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    draft = api.draft(cid)
    pinned = api.assignment(
        cid,
        draft["id"],
        item_id=p["items"]["RC 3"],
        room_id=p["rooms"]["small"],
        starts_at="2026-06-19T14:00:00+02:00",
        pinned=True,
    )
    start(api, cid)
    serve_forever(clean_db, once=True)
    row = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments/{pinned['id']}")
    assert (row["starts_at"], row["room_id"], row["pinned"]) == (
        "2026-06-19T14:00:00+02:00",
        p["rooms"]["small"],
        True,
    )
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]
    assert len(rows) == 5


def test_an_infeasible_programme_explains_itself_and_leaves_no_draft(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    api.item(cid, code="PL 1", title="Opening lecture", kind="plenary", expected_attendance=5000)
    run_id = start(api, cid)
    serve_forever(clean_db, once=True)
    run = read(api, cid, run_id)
    assert run["status"] == "infeasible"
    assert run["version_id"] is None
    [why] = run["result"]["explanations"]
    assert why["code"] == "no_room"
    assert "5000 seats" in why["message"]
    assert "Auditorium" in why["message"]
    with Session(clean_db) as session:
        assert session.scalars(select(ScheduleVersion)).all() == []


def test_a_cancelled_running_job_stops_and_discards_its_result(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    run_id = uuid.UUID(start(api, cid, time_limit=30))
    assert claim(clean_db, run_id) == run_id
    # The organiser cancels before the worker's first tick: the worker stops at once.
    api.call("POST", f"/api/congresses/{cid}/solves/{run_id}/cancel", status=200)
    assert execute(clean_db, run_id) is SolveStatus.CANCELLED
    run = read(api, cid, str(run_id))
    assert run["status"] == "cancelled"
    assert run["version_id"] is None
    with Session(clean_db) as session:
        assert session.scalars(select(Assignment)).all() == []


def test_a_second_solve_waits_for_the_first(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    start(api, cid)
    problem = api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10}, status=409)
    assert problem["code"] == "solve_running"


def test_a_worker_that_stopped_answering_frees_the_congress(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    first = uuid.UUID(start(api, cid))
    claim(clean_db, first)
    with Session(clean_db) as session, session.begin():
        session.execute(
            update(SolveRun)
            .where(SolveRun.id == first)
            .values(heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        )
    start(api, cid)
    assert read(api, cid, str(first))["status"] == "failed"


def test_a_draft_whose_pins_changed_during_the_solve_is_not_overwritten(
    api: Api, clean_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = small_programme(api)
    cid = p["congress"]
    draft = api.draft(cid)
    run_id = uuid.UUID(start(api, cid))
    claim(clean_db, run_id)
    real_tick = jobs._tick

    def pin_during_solve(engine: Engine, rid: uuid.UUID, figures: dict[str, Any]) -> bool:
        if not api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]:
            api.assignment(
                cid,
                draft["id"],
                item_id=p["items"]["RC 3"],
                room_id=p["rooms"]["small"],
                starts_at="2026-06-20T09:00:00+02:00",
                pinned=True,
            )
        return real_tick(engine, rid, figures)

    monkeypatch.setattr(jobs, "_tick", pin_during_solve)
    status = execute(clean_db, run_id)
    assert status is SolveStatus.FAILED
    assert "pins changed" in read(api, cid, str(run_id))["error"]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]
    assert [r["pinned"] for r in rows] == [True]
    with Session(clean_db) as session:
        assert session.scalars(select(ScheduleVersion.status)).all() == [VersionStatus.DRAFT]


def test_a_minimal_change_solve_moves_only_what_a_cancelled_day_forces(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    start(api, cid, seed=2)
    serve_forever(clean_db, once=True)
    draft = api.call("GET", f"/api/congresses/{cid}/versions?status=draft")["items"][0]["id"]
    released = api.release(cid, draft)
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{released['id']}/assignments")["items"]
    knee = next(r for r in rows if r["item_id"] == p["items"]["RC 1"])
    day = knee["starts_at"][:10]
    # Prof. Ada Knee cancels the day of her knee course: her items on that day must move, nothing else.
    forced = {
        (r["item_id"], r["run"])
        for r in rows
        if r["item_id"] in {p["items"]["RC 1"], p["items"]["RC 2"]} and r["starts_at"][:10] == day
    }
    api.availability(
        cid,
        person_id=p["people"]["prof"],
        starts_at=f"{day}T00:00:00+02:00",
        ends_at=f"{day}T23:59:00+02:00",
    )
    api.draft(cid, copy_from=released["id"])
    run_id = start(api, cid, mode="minimal_change", seed=2)
    serve_forever(clean_db, once=True)
    run = read(api, cid, run_id)
    assert run["status"] == "succeeded", run
    diff = run["result"]["diff"]
    assert {(m["item_id"], m["run"]) for m in diff["moved"]} == forced
    assert diff["unchanged"] == 5 - len(forced)
    assert diff["people_affected"] == sum(m["people"] for m in diff["moved"])
    assert all(m["after"]["starts_at"][:10] != day for m in diff["moved"])
    assert run["result"]["violations"] == []


def test_a_reaped_worker_writes_nothing_when_it_comes_back(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    first = uuid.UUID(start(api, cid))
    claim(clean_db, first)
    with Session(clean_db) as session, session.begin():
        session.execute(
            update(SolveRun)
            .where(SolveRun.id == first)
            .values(heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        )
    second = start(api, cid)
    # The stalled worker resumes: its run is no longer its own, so it stops and leaves the draft alone.
    assert execute(clean_db, first) is SolveStatus.FAILED
    assert read(api, cid, str(first))["status"] == "failed"
    assert read(api, cid, second)["status"] == "queued"
    with Session(clean_db) as session:
        assert session.scalars(select(Assignment)).all() == []


def test_a_queued_run_waiting_for_a_worker_is_not_reaped(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    first = start(api, cid)
    with Session(clean_db) as session, session.begin():
        session.execute(
            update(SolveRun)
            .where(SolveRun.id == uuid.UUID(first))
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        )
    problem = api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10}, status=409)
    assert problem["code"] == "solve_running"
    assert read(api, cid, first)["status"] == "queued"


def test_a_draft_solved_on_a_fine_grid_can_be_released(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    # RC 3 may only start at 09:05: a 15-minute grid could not place it, the 5-minute grid can.
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/items/{p['items']['RC 3']}",
        {"allowed_windows": [{"day": "2026-06-18", "start": "09:05", "end": "10:05"}]},
    )
    run_id = start(api, cid, step_minutes=5, changeover_minutes=0)
    serve_forever(clean_db, once=True)
    run = read(api, cid, run_id)
    assert run["status"] == "succeeded", run
    check = api.call("GET", f"/api/congresses/{cid}/versions/{run['version_id']}/check")
    assert check["violations"] == []
    released = api.call("POST", f"/api/congresses/{cid}/versions/{run['version_id']}/release", {}, status=200)
    assert released["number"] == 1


def test_a_minimal_change_solve_without_a_release_stays_close_to_the_draft(api: Api, clean_db: Engine) -> None:
    """Times placed by hand or imported (frab hints) are kept when nothing forces a move."""
    p = small_programme(api)
    cid = p["congress"]
    draft = api.draft(cid)
    for code, run, room, starts_at in SMALL_PLACEMENTS:
        api.assignment(
            cid, draft["id"], item_id=p["items"][code], room_id=p["rooms"][room], starts_at=starts_at, run=run
        )
    before = {
        (r["item_id"], r["run"]): (r["room_id"], r["starts_at"])
        for r in api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]
    }
    run_id = start(api, cid, mode="minimal_change", seed=3)
    serve_forever(clean_db, once=True)
    run = read(api, cid, run_id)
    assert run["status"] == "succeeded", run
    after = {
        (r["item_id"], r["run"]): (r["room_id"], r["starts_at"])
        for r in api.call("GET", f"/api/congresses/{cid}/versions/{draft['id']}/assignments")["items"]
    }
    assert after == before
    assert run["result"]["diff"]["moved"] == []

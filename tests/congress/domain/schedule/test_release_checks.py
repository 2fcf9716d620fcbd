"""Releases are checked by the independent validator and remember what they changed."""

from __future__ import annotations

from sqlalchemy import Engine

from congress.scheduling.jobs import serve_forever
from tests.factories import Api, small_programme


def place(api: Api, cid: str, version: str, item: str, room: str, at: str, pinned: bool = False) -> str:
    row = api.assignment(cid, version, item_id=item, room_id=room, starts_at=at, pinned=pinned)
    return str(row["id"])


def test_a_room_double_booked_by_hand_blocks_the_release(api: Api) -> None:
    p = small_programme(api)
    cid, items, rooms = p["congress"], p["items"], p["rooms"]
    draft = api.draft(cid)["id"]
    place(api, cid, draft, items["RC 1"], rooms["hall"], "2026-06-18T09:00:00+02:00")
    place(api, cid, draft, items["RC 3"], rooms["hall"], "2026-06-18T10:00:00+02:00")
    check = api.call("GET", f"/api/congresses/{cid}/versions/{draft}/check")
    codes = sorted({v["code"] for v in check["violations"]})
    assert codes == ["room_clash", "unplaced"]
    problem = api.call("POST", f"/api/congresses/{cid}/versions/{draft}/release", {}, status=409)
    assert problem["code"] == "schedule_invalid"
    assert "Auditorium" in problem["detail"]
    released = api.call(
        "POST", f"/api/congresses/{cid}/versions/{draft}/release", {"allow_violations": True}, status=200
    )
    assert released["number"] == 1


def test_a_hand_move_is_checked_at_once(api: Api) -> None:
    p = small_programme(api)
    cid, items, rooms = p["congress"], p["items"], p["rooms"]
    draft = api.draft(cid)["id"]
    first = place(api, cid, draft, items["RC 1"], rooms["hall"], "2026-06-18T09:00:00+02:00")
    place(api, cid, draft, items["RC 2"], rooms["hall"], "2026-06-18T11:00:00+02:00")
    assert [v["code"] for v in api.call("GET", f"/api/congresses/{cid}/versions/{draft}/check")["violations"]] == [
        "unplaced",
        "unplaced",
        "unplaced",
    ]
    # Prof. Ada Knee teaches both; moving RC 1 onto RC 2 in another room is a clash for her.
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/versions/{draft}/assignments/{first}",
        {"starts_at": "2026-06-18T11:00:00+02:00", "room_id": rooms["small"]},
    )
    violations = api.call("GET", f"/api/congresses/{cid}/versions/{draft}/check")["violations"]
    clash = [v for v in violations if v["code"] != "unplaced"]
    assert {v["code"] for v in clash} == {"person_clash", "room_too_small"}
    assert any("Prof. Ada Knee" in v["message"] for v in clash)


def test_a_release_stores_its_diff_to_the_previous_release(api: Api, clean_db: Engine) -> None:
    p = small_programme(api)
    cid = p["congress"]
    api.call("POST", f"/api/congresses/{cid}/solves", {"time_limit": 10, "seed": 1}, status=202)
    serve_forever(clean_db, once=True)
    draft = api.call("GET", f"/api/congresses/{cid}/versions?status=draft")["items"][0]["id"]
    first = api.release(cid, draft)
    diff = api.call("GET", f"/api/congresses/{cid}/versions/{first['id']}/diff")
    assert (diff["previous"], len(diff["added"]), diff["removed"], diff["moved"], diff["unchanged"]) == (
        None,
        5,
        [],
        [],
        0,
    )
    second_draft = api.draft(cid, copy_from=first["id"])["id"]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{second_draft}/assignments")["items"]
    spine = next(r for r in rows if r["item_id"] == p["items"]["RC 3"])
    workshop_run_2 = next(r for r in rows if r["item_id"] == p["items"]["HW 1"] and r["run"] == 2)
    api.call("DELETE", f"/api/congresses/{cid}/versions/{second_draft}/assignments/{workshop_run_2['id']}")
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/versions/{second_draft}/assignments/{spine['id']}",
        {"starts_at": "2026-06-20T16:00:00+02:00"},
    )
    second = api.call(
        "POST", f"/api/congresses/{cid}/versions/{second_draft}/release", {"allow_violations": True}, status=200
    )
    diff = api.call("GET", f"/api/congresses/{cid}/versions/{second['id']}/diff")
    assert diff["previous"] == 1
    assert diff["added"] == []
    assert [(r["item_id"], r["run"]) for r in diff["removed"]] == [(p["items"]["HW 1"], 2)]
    assert [(m["item_id"], m["after"]["starts_at"]) for m in diff["moved"]] == [
        (p["items"]["RC 3"], "2026-06-20T16:00:00+02:00")
    ]
    assert diff["unchanged"] == 3


def test_a_draft_has_no_diff(api: Api) -> None:
    p = small_programme(api)
    draft = api.draft(p["congress"])["id"]
    problem = api.call("GET", f"/api/congresses/{p['congress']}/versions/{draft}/diff", status=409)
    assert problem["code"] == "not_released"


def test_asking_about_one_item_shows_what_it_breaks_and_pays(api: Api) -> None:
    p = small_programme(api)
    cid, items, rooms = p["congress"], p["items"], p["rooms"]
    draft = api.draft(cid)["id"]
    # The knee and shoulder courses share a topic and a teacher, and both sit in the hall at 09:00.
    place(api, cid, draft, items["RC 1"], rooms["hall"], "2026-06-18T09:00:00+02:00")
    place(api, cid, draft, items["RC 2"], rooms["hall"], "2026-06-18T09:00:00+02:00")
    place(api, cid, draft, items["RC 3"], rooms["small"], "2026-06-18T14:00:00+02:00")
    spine = api.call("GET", f"/api/congresses/{cid}/versions/{draft}/check?item_id={items['RC 3']}")
    assert spine["violations"] == []
    assert all(items["RC 3"] in payer["items"] for t in spine["terms"] for payer in t["payers"])
    knee = api.call("GET", f"/api/congresses/{cid}/versions/{draft}/check?item_id={items['RC 1']}")
    assert {v["code"] for v in knee["violations"]} == {"room_clash", "person_clash"}
    topic = next(t for t in knee["terms"] if t["name"] == "topic_overlap")
    assert [sorted(payer["items"]) for payer in topic["payers"]] == [sorted([items["RC 1"], items["RC 2"]])]
    missing = api.call(
        "GET",
        f"/api/congresses/{cid}/versions/{draft}/check?item_id=01a20c63-0000-7000-8000-000000000000",
        status=404,
    )
    assert missing["code"] == "not_found"

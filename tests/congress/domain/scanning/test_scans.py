"""Door scans through the API: every machine code, replays, presence and occupancy, the offline bundle."""

from __future__ import annotations

import random
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from congress.db.models import Scan
from congress.lib import badges
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, badge_world

AT = "2026-06-18T09:05:00+02:00"


def post(api: Api, world: dict[str, Any], scans: list[dict[str, Any]], status: int = 200) -> Any:
    device = Api(api.client, world["device_token"])
    return device.call("POST", f"/api/congresses/{world['congress']}/scans", {"scans": scans}, status)


def one(api: Api, world: dict[str, Any], badge: str, nonce: str, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = post(api, world, [{"nonce": nonce, "badge": badge, "scanned_at": AT, **fields}])[
        "results"
    ][0]
    return result


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Scan)) or 0)


def occupancy(api: Api, world: dict[str, Any]) -> dict[str, int]:
    rows = api.call("GET", f"/api/congresses/{world['congress']}/occupancy")["rooms"]
    return {r["room"]: r["inside"] for r in rows if r["inside"]}


def test_scan_is_stored_and_a_replay_stores_nothing_new(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db)
    token = world["tokens"][world["attendees"][0]]
    first = one(api, world, token, "nonce-0001")
    assert (first["code"], first["replayed"], first["room_id"]) == ("ok", False, world["rooms"]["hall"])
    again = one(api, world, token, "nonce-0001")
    assert (again["code"], again["replayed"]) == ("ok", True)
    assert stored(clean_db) == 1


def test_second_entry_is_already_inside_and_another_room_moves_the_person(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db)
    token = world["tokens"][world["attendees"][0]]
    assert one(api, world, token, "nonce-0001")["code"] == "ok"
    assert one(api, world, token, "nonce-0002", scanned_at="2026-06-18T09:06:00+02:00")["code"] == "already_inside"
    assert occupancy(api, world) == {"Auditorium": 1}
    moved = one(
        api, world, token, "nonce-0003", scanned_at="2026-06-18T10:31:00+02:00", room_id=world["rooms"]["small"]
    )
    assert moved["code"] == "ok"
    assert occupancy(api, world) == {"Room B": 1}
    out = one(
        api,
        world,
        token,
        "nonce-0004",
        scanned_at="2026-06-18T11:00:00+02:00",
        room_id=world["rooms"]["small"],
        direction="out",
    )
    assert out["code"] == "ok"
    assert occupancy(api, world) == {}
    assert (
        one(api, world, token, "nonce-0005", direction="out", scanned_at="2026-06-18T11:01:00+02:00")["code"]
        == "not_inside"
    )


def test_every_refusal_has_its_machine_code_and_stores_nothing(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid = world["congress"]
    good, cancelled = (world["tokens"][p] for p in world["attendees"])
    registrations = api.call("GET", f"/api/congresses/{cid}/registrations?limit=500")["items"]
    (row,) = [r for r in registrations if r["person_id"] == world["attendees"][1]]
    api.call("PATCH", f"/api/congresses/{cid}/registrations/{row['id']}", {"status": "cancelled"})
    forged_key = badges.generate_key()
    (badge_id,) = {
        b["id"]
        for b in api.call("GET", f"/api/congresses/{cid}/badges")["items"]
        if b["person_id"] == world["attendees"][0]
    }
    forged = badges.sign_badge(forged_key.private_key, uuid.UUID(cid), uuid.UUID(badge_id))
    other_congress = badges.sign_badge(forged_key.private_key, uuid.uuid4(), uuid.UUID(badge_id))
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    cases = {
        "malformed": {"badge": "hello"},
        "unknown_key": {"badge": forged},
        "wrong_congress": {"badge": other_congress},
        "invalid_signature": {"badge": tampered},
        "not_registered": {"badge": cancelled},
        "unknown_room": {"badge": good, "room_id": str(uuid.uuid4())},
        "clock_skew": {"badge": good, "scanned_at": "2031-06-18T09:00:00+02:00"},
    }
    scans = [{"nonce": f"refused-{n:04d}", "scanned_at": AT} | body for n, body in enumerate(cases.values())]
    report = post(api, world, scans)
    assert [r["code"] for r in report["results"]] == list(cases)
    assert (report["stored"], report["refused"], stored(clean_db)) == (0, len(cases), 0)


def test_replayed_batches_shuffled_and_duplicated_store_exactly_the_distinct_scans(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=3)
    rooms = [world["rooms"]["hall"], world["rooms"]["small"], world["rooms"]["lab"]]
    rng = random.Random(7)
    scans = [
        {
            "nonce": f"offline-{n:04d}",
            "badge": world["tokens"][world["attendees"][n % 3]],
            "scanned_at": f"2026-06-18T{9 + n // 20:02d}:{n % 20 * 3:02d}:00+02:00",
            "room_id": rng.choice(rooms),
            "direction": rng.choice(["in", "out", None]),
        }
        for n in range(60)
    ]
    first = post(api, world, scans)
    presence = occupancy(api, world)
    for _ in range(3):
        replay = scans + rng.sample(scans, 20)
        rng.shuffle(replay)
        again = post(api, world, replay)
        assert (again["stored"], again["replayed"]) == (0, 80)
    assert stored(clean_db) == first["stored"] == 60
    assert occupancy(api, world) == presence


def test_presence_follows_scan_time_not_arrival_order(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    token = world["tokens"][world["attendees"][0]]
    late = {
        "nonce": "late-0001",
        "badge": token,
        "scanned_at": "2026-06-18T11:05:00+02:00",
        "room_id": world["rooms"]["small"],
    }
    early = {"nonce": "early-0001", "badge": token, "scanned_at": "2026-06-18T09:05:00+02:00"}
    post(api, world, [late])
    post(api, world, [early])
    assert occupancy(api, world) == {"Room B": 1}


def test_a_badge_admitted_before_is_refused_once_revoked_or_its_registration_cancelled(
    api: Api, clean_db: Engine
) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid = world["congress"]
    revoked, cancelled = world["attendees"]
    assert [
        one(api, world, world["tokens"][p], f"first-{n:04d}")["code"] for n, p in enumerate(world["attendees"])
    ] == [
        "ok",
        "ok",
    ]
    (badge,) = [b for b in api.call("GET", f"/api/congresses/{cid}/badges")["items"] if b["person_id"] == revoked]
    api.call("POST", f"/api/congresses/{cid}/badges/{badge['id']}/revoke", {"reason": "lost", "reissue": False}, 200)
    registrations = api.call("GET", f"/api/congresses/{cid}/registrations?limit=500")["items"]
    (row,) = [r for r in registrations if r["person_id"] == cancelled]
    api.call("PATCH", f"/api/congresses/{cid}/registrations/{row['id']}", {"status": "cancelled"})
    assert one(api, world, world["tokens"][revoked], "again-0001", direction="out")["code"] == "revoked"
    assert one(api, world, world["tokens"][cancelled], "again-0002", direction="out")["code"] == "not_registered"
    assert stored(clean_db) == 2


def test_revoked_device_is_cut_off_at_once(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    api.call("DELETE", f"/api/congresses/{world['congress']}/scanners/{world['device']}")
    body = {"scans": [{"nonce": "nonce-0001", "badge": "x", "scanned_at": AT}]}
    device = Api(api.client, world["device_token"])
    assert device.call("POST", f"/api/congresses/{world['congress']}/scans", body, 401)["code"] == "invalid_token"


def test_a_steward_person_or_another_congresss_device_cannot_post_scans(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    steward = Api(api.client, issue_token(clean_db, Role.STEWARD, uuid.UUID(world["attendees"][0])))
    body = {"scans": [{"nonce": "nonce-0001", "badge": "x", "scanned_at": AT}]}
    assert steward.call("POST", f"/api/congresses/{world['congress']}/scans", body, 403)["code"] == "not_a_scanner"
    other = api.congress()
    device = Api(api.client, world["device_token"])
    assert device.call("POST", f"/api/congresses/{other['id']}/scans", body, 403)["code"] == "not_a_scanner"


def test_offline_bundle_verifies_badges_without_the_server(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid = world["congress"]
    (badge,) = [
        b for b in api.call("GET", f"/api/congresses/{cid}/badges")["items"] if b["person_id"] == world["attendees"][1]
    ]
    api.call("POST", f"/api/congresses/{cid}/badges/{badge['id']}/revoke", {"reason": "cancelled"}, 200)
    device = Api(api.client, world["device_token"])
    bundle = device.call("GET", f"/api/congresses/{cid}/scanner-bundle")
    assert bundle["revoked"] == [badge["id"]]
    assert {r["name"] for r in bundle["rooms"]} == {"Auditorium", "Room B", "US-Lab"}
    assert len(bundle["sessions"]) == 5
    keys = badges.load_public_keys(bundle["keys"])
    revoked = {uuid.UUID(b) for b in bundle["revoked"]}
    verdicts = [badges.verify_badge(world["tokens"][p], keys, uuid.UUID(cid), revoked).code for p in world["attendees"]]
    assert verdicts == [badges.BadgeCode.OK, badges.BadgeCode.REVOKED]


def test_arbitrary_badge_text_is_refused_without_a_server_error(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    refusals = {"malformed", "unsupported_version", "unknown_key", "invalid_signature", "wrong_congress"}

    @settings(max_examples=60, deadline=None)
    @given(text=st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.hex())))
    def refused(text: str) -> None:
        assert one(api, world, text, f"fuzz-{uuid.uuid4().hex[:16]}")["code"] in refusals

    refused()
    assert stored(clean_db) == 0


def test_scan_times_at_the_ends_of_the_calendar_are_clock_skew_not_errors(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    token = world["tokens"][world["attendees"][0]]
    times = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "2026-06-18T09:00:00"]
    scans = [{"nonce": f"edge-time-{n:04d}", "badge": token, "scanned_at": at} for n, at in enumerate(times)]
    assert [r["code"] for r in post(api, world, scans)["results"]] == ["clock_skew"] * 3


def test_an_empty_batch_is_the_clients_mistake_not_a_server_error(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    problem = post(api, world, [], status=400)
    assert problem["code"] == "invalid_request"
    assert problem["errors"][0]["field"] == "scans"
    assert stored(clean_db) == 0

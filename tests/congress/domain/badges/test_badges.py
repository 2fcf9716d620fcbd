"""Badges through the API: issuing, key rotation and retirement, revocation and reissue, the QR image."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, badge_tokens, badge_world
from tests.qr import decode_with_zbar


def scan(api: Api, world: dict[str, Any], token: str, nonce: str, **fields: Any) -> dict[str, Any]:
    device = Api(api.client, world["device_token"])
    body = {"nonce": nonce, "badge": token, "scanned_at": "2026-06-18T09:05:00+02:00", **fields}
    report: dict[str, Any] = device.call("POST", f"/api/congresses/{world['congress']}/scans", {"scans": [body]}, 200)
    return report["results"][0]


def test_issue_gives_each_active_registration_one_badge_and_is_idempotent(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=3)
    cid = world["congress"]
    again = api.call("POST", f"/api/congresses/{cid}/badges/issue", status=200)
    assert (again["issued"], again["already_issued"]) == (0, 3)
    badges = api.call("GET", f"/api/congresses/{cid}/badges")["items"]
    assert sorted(b["name"] for b in badges) == ["Attendee 01", "Attendee 02", "Attendee 03"]


def test_old_key_verifies_after_rotation_until_it_is_retired(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    old = world["tokens"][person]
    (first,) = api.call("GET", f"/api/congresses/{cid}/badge-keys")
    fresh = api.call("POST", f"/api/congresses/{cid}/badge-keys", status=201)
    assert [k["signing"] for k in api.call("GET", f"/api/congresses/{cid}/badge-keys")] == [True, False]
    assert scan(api, world, old, "scan-0001")["code"] == "ok"
    api.call("POST", f"/api/congresses/{cid}/badge-keys/{first['kid']}/retire", status=200)
    assert scan(api, world, old, "scan-0002")["code"] == "unknown_key"
    assert fresh["kid"] != first["kid"]


def test_revoked_badge_is_refused_and_the_reissued_one_admitted(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    (badge,) = api.call("GET", f"/api/congresses/{cid}/badges")["items"]
    result = api.call(
        "POST", f"/api/congresses/{cid}/badges/{badge['id']}/revoke", {"reason": "lost", "reissue": True}, 200
    )
    assert (result["revoked"]["revoke_reason"], result["reissued"]["person_id"]) == ("lost", person)
    assert scan(api, world, world["tokens"][person], "scan-0001")["code"] == "revoked"
    assert scan(api, world, badge_tokens(clean_db, cid)[person], "scan-0002")["code"] == "ok"


def test_my_badge_png_decodes_to_the_attendees_own_signed_token(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=2)
    cid, person = world["congress"], world["attendees"][0]
    me = Api(api.client, issue_token(clean_db, Role.ATTENDEE, uuid.UUID(person)))
    response = me.client.get(f"/api/congresses/{cid}/my-badge", headers=me.headers)
    assert (response.status_code, response.headers["content-type"], response.headers["cache-control"]) == (
        200,
        "image/png",
        "private, no-store",
    )
    assert decode_with_zbar(response.content) == [world["tokens"][person]]
    (other,) = [b for b in api.call("GET", f"/api/congresses/{cid}/badges")["items"] if b["person_id"] != person]
    assert me.client.get(f"/api/congresses/{cid}/badges/{other['id']}/qr", headers=me.headers).status_code == 403


def test_badge_qr_carries_no_personal_data(api: Api, clean_db: Engine) -> None:
    world = badge_world(api, clean_db, attendees=1)
    token = world["tokens"][world["attendees"][0]]
    person = api.call("GET", f"/api/people/{world['attendees'][0]}")
    for value in (person["name"], person["email"], person["name"].upper()):
        assert value.upper() not in token.upper()
